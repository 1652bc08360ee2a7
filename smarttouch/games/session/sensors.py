"""``--sensor SPEC`` to an input device for a play session.

``keyboard`` (therapist preview), ``sim`` / ``sim:MOVEMENT`` (the simulator playing the
assignment's targets on the session clock), ``replay:FILE`` (a recording on the session
clock), and any live source of the sensors room (``virtual:PROFILE``, ``ble:...``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.inputs import InputDevice, KeyboardInput, RecordingInput, SourceInput

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.sensors.simulator import SimResult

SIM_TEMPO_S = {"sit_to_stand": 4.0, "wrist_flexion": 2.5, "forearm_pronation": 2.5}
CALIBRATION_REPS = 1


class SensorSpecError(ValueError):
    """A --sensor value that cannot be opened; the message says why and what to use."""


def sim_reps_for(targets: PlanTargets, tempo_s: float, pause_s: float, duration_s: float | None) -> int:
    """Reps to simulate: calibration + goal + the reps that fall in rests + a margin, or enough to fill ``duration_s``."""
    per_rep = tempo_s + pause_s
    rests = (targets.sets - 1) * targets.rest_s
    need = CALIBRATION_REPS + targets.total_reps + math.ceil(rests / per_rep) + 4
    if duration_s is not None:
        need = min(need, math.ceil(duration_s / per_rep) + 2)
    return max(2, need)


def simulate_targets(
    targets: PlanTargets, movement: str, *, seed: int = 0, duration_s: float | None = None, **overrides: Any
) -> SimResult:
    """A SimResult of ``movement`` performed at the targets' ROM (degrees), fs 100 Hz."""
    from smarttouch.sensors.simulator import MOVEMENTS, simulate

    if movement not in MOVEMENTS:
        raise SensorSpecError(
            f"the simulator has no movement {movement!r}; choose one of {', '.join(MOVEMENTS)}"
        )
    tempo = float(overrides.pop("tempo_s", SIM_TEMPO_S.get(movement, 3.0)))
    pause = float(overrides.pop("pause_s", 1.0))
    reps = int(overrides.pop("reps", sim_reps_for(targets, tempo, pause, duration_s)))
    rom = float(overrides.pop("rom_deg", targets.target_rom_deg))
    overrides.setdefault("placement", sim_placement(targets, movement))
    return simulate(movement, reps=reps, rom_deg=rom, tempo_s=tempo, pause_s=pause, seed=seed, **overrides)


def sim_placement(targets: PlanTargets, movement: str) -> str | None:
    """The simulator's placement for the plan's sensor site and side (None: the movement's
    default, when the plan says nothing or the simulator lacks that site)."""
    from smarttouch.sensors.placements import simulated_placement
    from smarttouch.sensors.simulator import PLACEMENTS

    if not (targets.placement and targets.side):
        return None
    return simulated_placement(movement, targets.placement, targets.side, PLACEMENTS.get(movement, ()))


def open_input(
    spec: str,
    targets: PlanTargets,
    movement: str,
    *,
    headless: bool,
    seed: int = 0,
    duration_s: float | None = None,
) -> InputDevice:
    """The input device for ``spec`` (see module docstring)."""
    spec = spec.strip()
    if spec == "keyboard":
        if headless:
            raise SensorSpecError("--sensor keyboard needs a window; drop --headless or use --sensor sim")
        return KeyboardInput(rom_deg=targets.target_rom_deg)
    if spec == "sim" or spec.startswith("sim:"):
        sim_movement = spec.partition(":")[2] or movement
        sim = simulate_targets(targets, sim_movement, seed=seed, duration_s=duration_s)
        return RecordingInput(sim.recording, movement)
    if spec.startswith("replay:"):
        from smarttouch.sensors.recording_io import RecordingError, load_recording

        try:
            rec = load_recording(spec.partition(":")[2])
        except RecordingError as exc:
            raise SensorSpecError(str(exc)) from exc
        return RecordingInput(rec, movement)
    try:
        from smarttouch.sensors.sources import open_source
    except ImportError as exc:
        raise SensorSpecError(
            f"live sensors are not available in this installation ({exc}); use --sensor sim"
        ) from exc
    params: dict[str, Any] = {}
    if spec.startswith("virtual:") or spec == "virtual":
        # the virtual wearable streams the game's own movement at the assignment's ROM (synthetic)
        params = {
            "movement": movement,
            "seed": seed,
            "rom_deg": targets.target_rom_deg,
            "tempo_s": SIM_TEMPO_S.get(movement, 3.0),
        }
        placement = sim_placement(targets, movement) if movement else None
        if placement:
            params["placement"] = placement
    try:
        source = open_source(spec, realtime=True, **params)
    except (ValueError, LookupError, OSError, RuntimeError) as exc:  # SourceError is a RuntimeError
        raise SensorSpecError(f"cannot open sensor {spec!r}: {exc}") from exc
    return SourceInput(
        source, movement, device=spec, profile=spec.partition(":")[2], placement=targets.sensor_placement
    )
