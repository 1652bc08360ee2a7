"""The movements the scoring room knows, in a registry keyed by name.

Every movement is measured the same way with one IMU on the moving segment: the joint angle is
the rotation of the segment about the movement's axis (found functionally, see
:mod:`smarttouch.scoring.joint_angle`) relative to the neutral pose. The models add what differs
per movement: the therapist-facing name, the default comfortable ROM used before calibration
(position 1.0 in games) and the smallest excursion that counts as a repetition.

Default ROMs are conservative fractions of normal adult active ROM (AAOS / Norkin & White,
Measurement of Joint Motion, 5th ed.): shoulder flexion 180, abduction 180, elbow flexion 150,
wrist flexion 80, forearm pronation 80 degrees. Sit-to-stand is the thigh's change of inclination
(about 90 degrees from sitting to standing); reach-forward is the forearm's elevation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MovementModel:
    """How one movement is named and thresholded.

    Attributes:
        key: registry key (the simulator's movement names, plus "periodic").
        label: name a therapist recognises.
        default_rom_deg: comfortable maximum used before calibration, degrees.
        min_rep_deg: smallest excursion (deg) that can count as a repetition.
    """

    key: str
    label: str
    default_rom_deg: float
    min_rep_deg: float = 8.0


MOVEMENT_MODELS: dict[str, MovementModel] = {
    m.key: m
    for m in (
        MovementModel("shoulder_flexion", "Shoulder flexion", 120.0),
        MovementModel("shoulder_abduction", "Shoulder abduction", 110.0),
        MovementModel("elbow_flexion", "Elbow flexion/extension", 110.0),
        MovementModel("wrist_flexion", "Wrist flexion/extension", 50.0, min_rep_deg=6.0),
        MovementModel("forearm_pronation", "Forearm pronation/supination", 60.0, min_rep_deg=6.0),
        MovementModel("sit_to_stand", "Sit-to-stand (thigh inclination)", 80.0),
        MovementModel("reach_forward", "Reach forward (forearm elevation)", 70.0),
        MovementModel("periodic", "Periodic exercise (movement not named)", 60.0, min_rep_deg=8.0),
    )
}


def get_movement(name: str | None) -> MovementModel:
    """The model for ``name``; None means an unnamed periodic exercise.

    Raises:
        ValueError: for an unknown movement name (the message lists the known ones).
    """
    key = name or "periodic"
    try:
        return MOVEMENT_MODELS[key]
    except KeyError:
        raise ValueError(
            f"unknown movement {name!r}; known movements: {', '.join(sorted(MOVEMENT_MODELS))}"
        ) from None
