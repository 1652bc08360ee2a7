"""Built-in game challenge ``shoulder-reach-game``: a motivating game for shoulder flexion.

Developers submit a ``Game`` plugin; the harness plays it headless on recorded (synthetic)
shoulder-flexion sessions from an upper-arm sensor. It must keep its frame budget, not crash,
count exactly the repetitions in the motion (one ``rep`` event per repetition) and produce
screenshots for the therapists who review it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smarttouch.challenges.builtin.common import build_bundle
from smarttouch.sensors.simulator import simulate

SLUG = "shoulder-reach-game"
PUBLIC_SEED = 20260202
SIZES = {"public": 2, "hidden": 5}

CHALLENGE_TOML = '''\
[challenge]
slug = "shoulder-reach-game"
title = "A game that makes shoulder reaching worth doing"
kind = "game"
summary = "A motion mini-game for shoulder flexion: fun, calm, exact about repetitions."
need_file = "need.md"
population = "Adults after stroke or shoulder surgery, training shoulder flexion at home"
movement = "shoulder_flexion"
placement = "upper arm (right)"
opens = 2026-01-01
closes = 2027-12-31
submissions_per_day = 5

[input]
description = """The harness plays your game: every 1/60 s it calls update(ControlState, dt) \
with the patient's joint angle, 0..1 position and repetition events from recorded motion, and \
draw(surface) on a 1280x720 pygame canvas. See docs/game-protocol.md."""

[output.reps]
type = "integer"
minimum = 0
maximum = 500
unit = "repetitions"
description = "rep events the game emitted during the session (measured by the harness)"

[output.score]
type = "integer"
minimum = 0
description = "points the game gave (informative)"

[output.frame_ms_p95]
type = "number"
minimum = 0
unit = "ms"
description = "95th percentile of the game's update + draw time per displayed frame"

[output.frames]
type = "integer"
minimum = 0
description = "frames drawn"

[[metrics]]
name = "rep_exact_rate"
label = "Repetitions counted exactly"
function = "exact_rate"
field = "reps"
better = "higher"
primary = true

[[metrics]]
name = "rep_mae"
label = "Repetition count error"
function = "mae"
field = "reps"
better = "lower"

[[metrics]]
name = "frame_ms_p95"
label = "Frame time, 95th percentile (ms)"
function = "mean"
field = "frame_ms_p95"
better = "lower"

[limits]
wall_s = 180
cpu_s = 180
memory_mb = 1536
max_procs = 16
output_kb = 8192
file_size_mb = 16

[options]
movement = "shoulder_flexion"
rom_deg = 90.0
max_rom_deg = 150.0
draw_every = 3
screenshots = true
frame_budget_ms = 16.7
'''

NEED_MD = """\
# A game that makes shoulder reaching worth doing

After a stroke or shoulder surgery, raising the arm forward (shoulder flexion) dozens of times a
day is what brings the range back - and what patients stop doing at home after a week, because
it is boring and they cannot tell whether they are improving.

**The need:** a short, calm, motion-controlled game for shoulder flexion, driven by a sensor on
the upper arm. The framework calibrates the patient's comfortable range and hands your game a
0..1 position, the joint angle and repetition events; it adapts the target height so the patient
succeeds about three times out of four, and it handles rests, the stop button and the summary.

Your game must: run smoothly on a modest laptop (95 % of frames within one 60 Hz frame,
16.7 ms, for update + draw), never crash, count exactly one repetition per real repetition (the
hub checks the count against the true repetitions of recorded motion), never punish a miss, and
be readable by older eyes (large shapes, high contrast, the Okabe-Ito palette). Therapists
review screenshots before approving a game for their patients.
"""


def _one(seed: int):
    rng = np.random.default_rng(seed)
    reps = int(rng.integers(4, 9))
    tremor = rng.random() < 0.3
    sim = simulate(
        "shoulder_flexion",
        reps=reps,
        rom_deg=float(rng.uniform(70.0, 110.0)),
        tempo_s=float(rng.uniform(2.5, 4.0)),
        pause_s=float(rng.uniform(0.6, 1.5)),
        submovements=int(rng.integers(1, 3)),
        tremor_hz=float(rng.uniform(4.0, 6.0)) if tremor else 0.0,
        tremor_deg=float(rng.uniform(0.5, 1.5)) if tremor else 0.0,
        fs=100.0,
        placement="upper-arm-right",
        lead_in_s=5.0,
        seed=int(rng.integers(2**62)),
    )
    return sim.recording, {"reps": reps, "rep_rom_deg": [round(r, 1) for r in sim.rep_rom_deg]}


def build(out: Path, *, hidden_seed: int, progress=None) -> None:
    """Write the bundle into the (new, empty) folder ``out``."""
    build_bundle(
        out,
        challenge_toml=CHALLENGE_TOML,
        need_md=NEED_MD,
        make_item=_one,
        sizes=SIZES,
        public_seed=PUBLIC_SEED,
        hidden_seed=hidden_seed,
        template="shoulder_reach_game",
        progress=progress,
    )
