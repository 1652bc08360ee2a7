"""The activity catalogue: built-in games (kept in sync here) and approved solutions.

The keys of :data:`BUILTIN_ACTIVITIES` are the names of the games in
``smarttouch.games``' registry; movements are the scoring module's movement names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from ...models import Activity


@dataclass(frozen=True)
class BuiltinActivity:
    key: str
    title: str
    description: str
    movements: tuple[str, ...]
    kind: str = "game"


BUILTIN_ACTIVITIES: tuple[BuiltinActivity, ...] = (
    BuiltinActivity(
        "balloons",
        "Balloon reach",
        "Pop balloons placed at heights inside the calibrated range of motion.",
        ("shoulder_flexion", "shoulder_abduction", "reach_forward"),
    ),
    BuiltinActivity(
        "glider",
        "Glider",
        "Steer a glider through rings by moving the wrist or turning the forearm.",
        ("wrist_flexion", "forearm_pronation"),
    ),
    BuiltinActivity(
        "garden",
        "Garden",
        "Each sit-to-stand grows the garden, which keeps growing across sessions.",
        ("sit_to_stand",),
    ),
    BuiltinActivity(
        "lantern",
        "Steady hand",
        "Hold a lantern steady along a path: trains steadiness and tremor control.",
        ("shoulder_flexion", "reach_forward", "elbow_flexion"),
    ),
)


def ensure_builtin_activities(session: Session) -> int:
    """Insert or refresh the built-in games; returns how many rows were added. Idempotent."""
    existing = {
        a.key: a
        for a in session.exec(
            select(Activity).where(col(Activity.key).in_([b.key for b in BUILTIN_ACTIVITIES]))
        )
    }
    added = 0
    for b in BUILTIN_ACTIVITIES:
        row = existing.get(b.key)
        if row is None:
            session.add(
                Activity(
                    key=b.key,
                    kind=b.kind,
                    title=b.title,
                    description=b.description,
                    movements=list(b.movements),
                    source="builtin",
                )
            )
            added += 1
        elif (row.title, row.description, row.movements) != (b.title, b.description, list(b.movements)):
            row.title, row.description, row.movements = b.title, b.description, list(b.movements)
            session.add(row)
    session.commit()
    return added


def list_activities(session: Session, *, active_only: bool = True) -> list[Activity]:
    stmt = select(Activity).order_by(col(Activity.source), col(Activity.title))
    if active_only:
        stmt = stmt.where(col(Activity.is_active).is_(True))
    return list(session.exec(stmt))


def get_activity_by_key(session: Session, *, key: str) -> Activity | None:
    return session.exec(select(Activity).where(Activity.key == key)).first()
