"""Targets, events, the message catalogue, praise, sounds and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from smarttouch.games.sdk.events import GameEvent, rep_event
from smarttouch.games.sdk.messages import CATALOGUE, ENCOURAGE, PLURALS, PRAISE, PraisePicker, tr
from smarttouch.games.sdk.protocol import check_game_class
from smarttouch.games.sdk.registry import GameLoadError, game_keys, get_game, load_entrypoint
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.sound import SoundBank, cue_waves


def test_targets_validate_and_round_trip() -> None:
    t = PlanTargets(
        game="glider", movement="wrist_flexion", target_rom_deg=50, max_rom_deg=70, reps=8, sets=3, lang="it"
    )
    assert t.total_reps == 24
    assert PlanTargets.from_dict({**t.to_dict(), "unknown": 1}) == t
    with pytest.raises(ValueError, match="exceeds the therapist's max_rom_deg"):
        PlanTargets(target_rom_deg=100, max_rom_deg=90)
    with pytest.raises(ValueError, match="lang must be one of"):
        PlanTargets(lang="fr")
    with pytest.raises(ValueError, match="reps must be 1..500"):
        PlanTargets(reps=0)


def test_event_round_trip_and_rep_helper() -> None:
    ev = rep_event(3.25, 2, True, 88.123, 90.0, extra=1)
    assert ev.kind == "rep" and ev.data["success"] is True and ev.data["rom_deg"] == 88.12
    assert GameEvent.from_dict(ev.to_dict()) == ev


def test_catalogue_has_every_key_in_both_languages() -> None:
    assert set(CATALOGUE["en"]) == set(CATALOGUE["it"])
    assert tr("summary.reps.same", "it") == "Come l'ultima volta: ottima costanza!"
    assert set(PLURALS) and all(set(forms) == {"en", "it"} for forms in PLURALS.values())
    assert tr("play.set", "en", set=1, sets=2) == "Set 1 of 2"
    assert len(PRAISE["it"]) == len(PRAISE["en"]) and len(ENCOURAGE["it"]) == len(ENCOURAGE["en"])


def test_praise_varies_and_never_repeats_back_to_back() -> None:
    picker = PraisePicker("en")
    said = [picker.next() for _ in range(40)]
    assert all(a != b for a, b in zip(said, said[1:]))
    assert set(said) == set(PRAISE["en"])


def test_sound_cues_are_finite_and_silence_is_logged() -> None:
    for name, wave in cue_waves().items():
        assert wave.size > 0 and np.all(np.isfinite(wave)) and np.max(np.abs(wave)) <= 1.0, name
    bank = SoundBank(enabled=False)
    bank.play("rep", 1.5)
    assert not bank.available and bank.played == [(1.5, "rep")]


def test_registry_lists_the_built_in_games() -> None:
    keys = game_keys()
    assert {"balloons", "glider", "garden", "lantern"} <= set(keys)
    for key in keys:
        cls = get_game(key)
        assert check_game_class(cls) == []
        assert cls.info.title_in("it") and cls.info.how_to_in("it") and cls.info.how_to_in("en")


def test_registry_errors_name_the_problem() -> None:
    with pytest.raises(GameLoadError, match="unknown game 'nope'"):
        get_game("nope")
    with pytest.raises(GameLoadError, match="module:Class"):
        load_entrypoint("no_colon")
    with pytest.raises(GameLoadError, match="cannot import"):
        load_entrypoint("surely_not_a_module_xyz:Game")
    with pytest.raises(GameLoadError, match="does not follow the Game protocol"):
        load_entrypoint("smarttouch.games.sdk.targets:PlanTargets")
