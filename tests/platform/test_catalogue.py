"""The hub's catalogue reads the games registry: a new game appears without a hub edit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.games.sdk import registry
from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.platform.i18n.vocab import activity_title
from smarttouch.platform.services.clinic import catalogue
from smarttouch.platform.storage.db import get_engine


@pytest.fixture
def toy_game() -> Iterator[GameInfo]:
    """A game declared in the registry for this test only (its class is never imported)."""
    declared = dict(registry.DECLARED)
    info = registry.declare(
        GameInfo(
            key="toy-kites",
            title={"en": "Kites", "it": "Aquiloni"},
            movements=("shoulder_abduction",),
            catalogue_title="Kite flying",
            description="Lift kites by raising the arm sideways.",
        ),
        entrypoint="toy_kites:Kites",
    )
    yield info
    registry.DECLARED.clear()
    registry.DECLARED.update(declared)


def test_a_declared_game_is_added_to_the_catalogue(app: Flask, toy_game: GameInfo) -> None:
    assert "toy-kites" in [a.key for a in catalogue.builtin_activities()]
    with app.test_request_context(), Session(get_engine(app)) as session:
        assert catalogue.ensure_builtin_activities(session) == 1
        row = catalogue.get_activity_by_key(session, key="toy-kites")
        assert row is not None
        assert (row.title, row.description, row.movements, row.kind, row.source) == (
            "Kite flying",
            "Lift kites by raising the arm sideways.",
            ["shoulder_abduction"],
            "game",
            "builtin",
        )
        assert activity_title(row) == "Kite flying"  # no hub translation yet: the game's title
        assert catalogue.ensure_builtin_activities(session) == 0  # idempotent


def test_built_in_titles_are_translated_by_the_hub(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "it"}), Session(get_engine(app)) as session:
        catalogue.ensure_builtin_activities(session)
        row = catalogue.get_activity_by_key(session, key="balloons")
        assert row is not None and row.title == "Balloon reach"
        assert activity_title(row) == "Palloncini in alto"
