"""Difficulty controller: success rate in the 70-85 % band, never past the therapist's max."""

from __future__ import annotations

import numpy as np
import pytest

from smarttouch.scoring.difficulty import (
    SessionController,
    make_session_controller,
    propose_next_targets,
    target_success_rate,
)


def _simulated_session(
    ability_deg: float, difficulty: float, rng, reps: int = 400, max_rom: float = 150.0, start: float = 40.0
) -> SessionController:
    """A patient who reaches a target with probability logistic((ability - target) / 5 deg)."""
    ctl = make_session_controller(target_rom_deg=start, max_rom_deg=max_rom, difficulty=difficulty)
    for _ in range(reps):
        p = 1.0 / (1.0 + np.exp(-(ability_deg - ctl.target_rom_deg) / 5.0))
        ctl.record(bool(rng.random() < p))
        assert ctl.target_rom_deg <= max_rom
    return ctl


@pytest.mark.parametrize("difficulty", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("ability", [60.0, 90.0, 120.0])
def test_success_rate_settles_in_band(difficulty: float, ability: float) -> None:
    rng = np.random.default_rng(int(ability + 10 * difficulty))
    ctl = _simulated_session(ability, difficulty, rng)
    settled = ctl.outcomes[100:]
    rate = sum(settled) / len(settled)
    goal = target_success_rate(difficulty)
    assert 0.70 - 0.04 <= rate <= 0.85 + 0.04
    assert rate == pytest.approx(goal, abs=0.06)


def test_never_beyond_the_therapists_maximum() -> None:
    rng = np.random.default_rng(1)
    ctl = _simulated_session(ability_deg=200.0, difficulty=1.0, rng=rng, max_rom=80.0)
    assert ctl.target_rom_deg == 80.0
    assert make_session_controller(120.0, 90.0).target_rom_deg == 90.0


def test_next_session_targets() -> None:
    assert propose_next_targets(60.0, 0.95, 100.0).target_rom_deg == pytest.approx(63.0)
    assert propose_next_targets(60.0, 0.5, 100.0).target_rom_deg == pytest.approx(57.0)
    assert propose_next_targets(60.0, 0.8, 100.0).target_rom_deg == 60.0
    capped = propose_next_targets(98.0, 1.0, 100.0)
    assert capped.target_rom_deg == 100.0 and "maximum" in capped.reason
    with pytest.raises(ValueError, match="success_rate"):
        propose_next_targets(60.0, 1.5, 100.0)
    with pytest.raises(ValueError, match="difficulty"):
        make_session_controller(50.0, 90.0, difficulty=2.0)
    with pytest.raises(ValueError, match="max_rom_deg"):
        SessionController(target_rom_deg=10.0, max_rom_deg=0.0)
