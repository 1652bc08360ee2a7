"""The hub's catalogue reads the games registry: a new game appears, titled in each language
of the hub, without a hub edit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from smarttouch.games.sdk import registry
from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.platform.i18n.vocab import activity_title, game_title
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
            catalogue_titles={"en": "Kite flying", "it": "Aquiloni al vento"},
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
        assert activity_title(row) == "Kite flying"
        assert catalogue.ensure_builtin_activities(session) == 0  # idempotent
    with app.test_request_context(headers={"Accept-Language": "it"}), Session(get_engine(app)) as session:
        row = catalogue.get_activity_by_key(session, key="toy-kites")
        assert row is not None
        assert activity_title(row) == "Aquiloni al vento"  # from the game's GameInfo, not the hub
        assert game_title("toy-kites") == "Aquiloni al vento"  # as the plan history names it


def test_the_patient_page_names_the_new_game_in_the_page_language(
    app: Flask,
    toy_game: GameInfo,
    client: FlaskClient,
    login_as: Any,
    make_patient: Any,
    make_assignment: Any,
) -> None:
    """The whole way: a plan with the new game shows its title in English and in Italian."""
    with Session(get_engine(app)) as session:
        catalogue.ensure_builtin_activities(session)
        activity = catalogue.get_activity_by_key(session, key="toy-kites")
    therapist = login_as("therapist")
    patient = make_patient(therapist)
    make_assignment(patient, activity=activity, movement="shoulder_abduction")
    english = client.get(f"/patients/{patient.id}?tab=plan", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    italian = client.get(f"/patients/{patient.id}?tab=plan", headers={"Accept-Language": "it"}).get_data(
        as_text=True
    )
    assert "Kite flying" in english and "Aquiloni al vento" not in english
    assert "Aquiloni al vento" in italian and "Kite flying" not in italian


def test_built_in_titles_are_translated_by_the_hub(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "it"}), Session(get_engine(app)) as session:
        catalogue.ensure_builtin_activities(session)
        row = catalogue.get_activity_by_key(session, key="balloons")
        assert row is not None and row.title == "Balloon reach"
        assert activity_title(row) == "Palloncini in alto"
