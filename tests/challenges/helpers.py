"""Factories for challenge tests: small simulator-made bundles and solution folders."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarttouch.sensors.recording_io import save_recording
from smarttouch.sensors.simulator import simulate

CHALLENGE_TOML = """\
[challenge]
slug = "{slug}"
title = "Count repetitions (test)"
kind = "analyzer"
need = "Count the repetitions in a wrist recording."
population = "test"
movement = "shoulder_flexion"
placement = "wrist-right"
{dates}
submissions_per_day = 3

[input]
description = "one recording"

[output.reps]
type = "integer"
minimum = 0
maximum = 100
unit = "repetitions"

[[metrics]]
name = "exact_rate"
field = "reps"
better = "higher"
primary = true

[[metrics]]
name = "mae"
field = "reps"
better = "lower"

[limits]
wall_s = {wall_s}
cpu_s = {cpu_s}
memory_mb = {memory_mb}
max_procs = 16
output_kb = {output_kb}
file_size_mb = 4
"""


def make_bundle(
    root: Path,
    *,
    slug: str = "test-reps",
    n_public: int = 2,
    n_hidden: int = 3,
    wall_s: float = 20,
    cpu_s: int = 10,
    memory_mb: int = 768,
    output_kb: int = 64,
    dates: str = "opens = 2026-01-01\ncloses = 2030-01-01",
) -> Path:
    """A small analyzer bundle of short simulated wrist recordings (labels: exact rep counts)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "challenge.toml").write_text(
        CHALLENGE_TOML.format(
            slug=slug, wall_s=wall_s, cpu_s=cpu_s, memory_mb=memory_mb, output_kb=output_kb, dates=dates
        )
    )
    seed = 0
    for split, n in (("public", n_public), ("hidden", n_hidden)):
        rec_dir = root / split / "recordings"
        rec_dir.mkdir(parents=True)
        labels = {}
        for i in range(n):
            seed += 1
            reps = 2 + seed % 3
            rec = simulate(
                "shoulder_flexion",
                reps=reps,
                rom_deg=80.0,
                tempo_s=1.5,
                pause_s=0.5,
                fs=50.0,
                placement="wrist-right",
                lead_in_s=1.0,
                seed=seed,
            ).recording
            rec.labels = {}
            save_recording(rec, rec_dir / f"{split}-{i}.npz")
            labels[f"{split}-{i}"] = {"reps": reps}
        (root / split / "labels.json").write_text(json.dumps(labels))
    return root


def make_solution(
    root: Path,
    code: str,
    *,
    challenge: str = "test-reps",
    kind: str = "analyzer",
    entrypoint: str = "solution:Solution",
    name: str = "test solution",
) -> Path:
    """A solution folder with ``solution.toml`` and ``solution.py`` holding ``code``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "solution.toml").write_text(
        f'[solution]\nname = "{name}"\nchallenge = "{challenge}"\nkind = "{kind}"\n'
        f'entrypoint = "{entrypoint}"\n'
    )
    (root / "solution.py").write_text(textwrap.dedent(code))
    return root


#: a correct solution for make_bundle's recordings: it reads no labels, it counts
COUNTER = """
import numpy as np

class Solution:
    def analyze(self, recording):
        g = recording.gyr - np.median(recording.gyr, axis=0)
        _, _, vt = np.linalg.svd(g - g.mean(axis=0), full_matrices=False)
        s = g @ vt[0]
        w = max(1, int(0.2 * recording.sample_rate_hz))
        s = np.convolve(s, np.ones(w) / w, mode="same")
        hi = 0.35 * np.percentile(np.abs(s), 98)
        reps, armed = 0, True
        for v in s:
            if armed and v > hi:
                reps, armed = reps + 1, False
            elif v < -hi:
                armed = True
        return {"reps": reps}
"""


def make_game_bundle(root: Path, *, draw_every: int = 3, n_public: int = 1, n_hidden: int = 1) -> Path:
    """A small game bundle: the built-in game challenge's description, short recordings."""
    from smarttouch.challenges.builtin.shoulder_reach_game import CHALLENGE_TOML as GAME_TOML

    root.mkdir(parents=True, exist_ok=True)
    toml = (
        GAME_TOML.replace('slug = "shoulder-reach-game"', 'slug = "test-game"')
        .replace('need_file = "need.md"', 'need = "A test game."')
        .replace("wall_s = 180", "wall_s = 60")
        .replace("draw_every = 3", f"draw_every = {draw_every}")
    )
    (root / "challenge.toml").write_text(toml)
    seed = 100
    for split, n in (("public", n_public), ("hidden", n_hidden)):
        rec_dir = root / split / "recordings"
        rec_dir.mkdir(parents=True)
        labels = {}
        for i in range(n):
            seed += 1
            reps = 2 + i % 2
            rec = simulate(
                "shoulder_flexion",
                reps=reps,
                rom_deg=90.0,
                tempo_s=2.5,
                pause_s=0.8,
                fs=100.0,
                placement="upper-arm-right",
                lead_in_s=5.0,
                seed=seed,
            ).recording
            rec.labels = {}
            save_recording(rec, rec_dir / f"{split}-{i}.npz")
            labels[f"{split}-{i}"] = {"reps": reps}
        (root / split / "labels.json").write_text(json.dumps(labels))
    return root


# ---------------------------------------------------------------- a toy challenge kind
TOY_KIND_INIT = '''
"""A toy challenge kind: the solution measures how long a recording lasts."""

from pathlib import Path

from smarttouch.challenges.kinds.evaluator import Evaluator
from smarttouch.challenges.kinds.spec import N_, KindSpec


class DurationEvaluator(Evaluator):
    def check(self, predictions):
        if any(p["duration_s"] <= 0 for p in predictions.values()):
            return "invalid_output", "a recording lasts more than 0 s"
        return None


def starter(challenge):
    return {
        "solution.toml": f'[solution]\\nname = "mine"\\nchallenge = "{challenge.slug}"\\n'
        'kind = "duration"\\nentrypoint = "timer:Timer"\\n',
        "timer.py": "class Timer:\\n    def measure(self, recording):\\n        return 0.0\\n",
    }


KIND = KindSpec(
    name="duration",
    display_name=N_("Duration"),
    evaluator=DurationEvaluator,
    harness=Path(__file__).with_name("harness.py"),
    outputs=frozenset({"duration_s"}),
    starter_template=starter,
    description="A class with measure(recording) -> seconds.",
)
'''

TOY_KIND_HARNESS = '''
"""The toy kind's harness: ``measure(recording) -> seconds`` for every recording."""


def run(cls, inputs, options, workdir):
    from smarttouch.sensors.recording_io import load_recording

    obj = cls()
    return {
        "predictions": {rec_id: {"duration_s": obj.measure(load_recording(path))} for rec_id, path in inputs},
        "seconds": {},
    }
'''

#: a correct solution of the toy kind
TIMER = """
class Timer:
    def measure(self, recording):
        return float(recording.t[-1] - recording.t[0])
"""


def make_kind_folder(root: Path) -> Path:
    """The folder of the toy kind ``duration`` (``__init__.py`` with ``KIND``, ``harness.py``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").write_text(TOY_KIND_INIT)
    (root / "harness.py").write_text(TOY_KIND_HARNESS)
    return root


def make_duration_bundle(root: Path, *, slug: str = "test-duration") -> Path:
    """make_bundle's recordings as a challenge of the toy kind: labels are their durations (s)."""
    from smarttouch.sensors.recording_io import load_recording

    make_bundle(root, slug=slug)
    toml = (root / "challenge.toml").read_text()
    head, _, rest = toml.partition("[output.reps]")
    limits = rest[rest.index("[limits]") :]
    (root / "challenge.toml").write_text(
        head.replace('kind = "analyzer"', 'kind = "duration"').replace(
            "Count repetitions", "Measure durations"
        )
        + '[output.duration_s]\ntype = "number"\nminimum = 0\nunit = "s"\n\n'
        + '[[metrics]]\nname = "mae"\nfield = "duration_s"\nbetter = "lower"\nprimary = true\n\n'
        + limits
    )
    for split in ("public", "hidden"):
        labels = {
            p.stem: {"duration_s": float(rec.t[-1] - rec.t[0])}
            for p in sorted((root / split / "recordings").glob("*.npz"))
            for rec in [load_recording(p)]
        }
        (root / split / "labels.json").write_text(json.dumps(labels))
    return root


@pytest.fixture
def duration_kind(tmp_path: Path) -> Iterator[Path]:
    """The toy kind ``duration`` registered from a folder outside the package, for one test."""
    from smarttouch.challenges.kinds.registry import load_kind_folder, unregister_kind

    folder = make_kind_folder(tmp_path / "duration-kind" / "duration")
    load_kind_folder(folder)
    yield folder
    unregister_kind("duration")
    sys.modules.pop("smarttouch_kind_duration", None)
