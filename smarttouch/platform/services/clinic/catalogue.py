"""The activity catalogue: the built-in games and approved developers' solutions.

The built-in games are read from the games' own :class:`~smarttouch.games.sdk.protocol.GameInfo`
through the games registry (its catalogue title, description for therapists and movements),
so a new game appears here without an edit in the hub. The catalogue stores the English
title; pages show the title of their language, also from ``GameInfo``
(:func:`smarttouch.platform.i18n.vocab.activity_title`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from smarttouch.games.sdk.registry import game_infos

from ...models import Activity


@dataclass(frozen=True)
class BuiltinActivity:
    """A built-in game as the catalogue lists it (English title and description; movements
    are the scoring room's names, the first is the game's default)."""

    key: str
    title: str
    description: str
    movements: tuple[str, ...]
    kind: str = "game"


def builtin_activities() -> list[BuiltinActivity]:
    """Every game the games registry knows, as catalogue entries, by key."""
    return [
        BuiltinActivity(info.key, info.title_for_catalogue(), info.description, tuple(info.movements))
        for info in game_infos()
    ]


def ensure_builtin_activities(session: Session) -> int:
    """Insert or refresh the built-in games; returns how many rows were added. Idempotent."""
    builtins = builtin_activities()
    existing = {
        a.key: a
        for a in session.exec(select(Activity).where(col(Activity.key).in_([b.key for b in builtins])))
    }
    added = 0
    for b in builtins:
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
