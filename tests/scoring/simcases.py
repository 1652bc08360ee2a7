"""Varied simulated recordings with ground truth, shared by the accuracy tests and the bench."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from smarttouch.sensors.simulator import MOVEMENTS, PLACEMENTS, SimResult, simulate
from smarttouch.sensors.types import Recording

ROM_RANGE_DEG = {
    "shoulder_flexion": (40.0, 150.0),
    "shoulder_abduction": (40.0, 140.0),
    "elbow_flexion": (40.0, 130.0),
    "wrist_flexion": (25.0, 70.0),
    "forearm_pronation": (30.0, 80.0),
    "sit_to_stand": (60.0, 95.0),
    "reach_forward": (30.0, 90.0),
}


@dataclass
class Case:
    sim: SimResult
    movement: str
    named: bool
    params: dict

    @property
    def recording(self) -> Recording:
        """The recording to analyse: without the movement label when the case is unnamed."""
        rec = self.sim.recording
        if self.named:
            return rec
        labels = {k: v for k, v in rec.labels.items() if k != "movement"}
        return replace(rec, labels=labels)

    @property
    def analysis_movement(self) -> str | None:
        return self.movement if self.named else None


def varied_case(seed: int) -> Case:
    """One randomly varied recording: tempo, ROM, pauses, tremor, noise, placement, rate."""
    rng = np.random.default_rng(10_000 + seed)
    movement = MOVEMENTS[seed % len(MOVEMENTS)]
    lo, hi = ROM_RANGE_DEG[movement]
    tremor = rng.random() < 0.3
    params = dict(
        reps=int(rng.integers(3, 13)),
        rom_deg=float(rng.uniform(lo, hi)),
        tempo_s=float(rng.uniform(1.5, 5.0)),
        tempo_var=float(rng.uniform(0.0, 0.3)),
        pause_s=float(rng.choice([0.0, rng.uniform(0.2, 3.0)], p=[0.15, 0.85])),
        pause_var=float(rng.uniform(0.0, 0.5)),
        rom_var=float(rng.uniform(0.0, 0.2)),
        submovements=int(rng.integers(1, 4)),
        tremor_hz=float(rng.uniform(3.5, 7.0)) if tremor else 0.0,
        tremor_deg=float(rng.uniform(0.5, 2.5)) if tremor else 0.0,
        noise_acc_g=float(rng.uniform(0.002, 0.02)),
        noise_gyr_dps=float(rng.uniform(0.1, 1.0)),
        gyr_bias_dps=float(rng.uniform(0.0, 1.0)),
        fs=float(rng.choice([50.0, 60.0, 100.0, 120.0, 200.0])),
        placement=str(rng.choice(PLACEMENTS[movement])),
        seed=seed,
    )
    return Case(simulate(movement, **params), movement, bool(rng.random() < 0.7), params)


def match_reps(detected: list, truth_bounds: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """Pairs (detected index, truth index) whose time spans overlap most, one-to-one."""
    pairs = []
    used: set[int] = set()
    for i, rep in enumerate(detected):
        best, best_j = 0.0, -1
        for j, (t0, t1) in enumerate(truth_bounds):
            overlap = min(rep.t_end, t1) - max(rep.t_start, t0)
            if overlap > best and j not in used:
                best, best_j = overlap, j
        if best_j >= 0:
            used.add(best_j)
            pairs.append((i, best_j))
    return pairs
