"""Every new form refuses bad input at its field, with the message in the page's language
(English and Italian), and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from smarttouch.platform.models import (
    Assignment,
    AuditEvent,
    Invitation,
    Message,
    Patient,
    PlanTemplate,
    User,
)
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login


@dataclass
class World:
    therapist: User
    admin: User
    patient: Patient
    other: Patient


def _world(factories, lang: str) -> World:
    therapist = factories.user("therapist", locale=lang)
    patient = factories.patient(therapist)
    other = factories.patient(therapist)
    factories.assignment(patient)
    return World(therapist, factories.user("admin", locale=lang), patient, other)


# (who logs in, page, posted data, the field, English, Italian)
CASES: list[tuple[str, Callable[[World], str], Callable[[World], dict[str, Any]], str, str, str]] = [
    (
        "therapist",
        lambda w: f"/patients/{w.patient.id}/invite",
        lambda w: {"email": "", "locale": "it"},
        "email",
        "Enter the patient's e-mail address.",
        "Inserisci l'indirizzo e-mail del paziente.",
    ),
    (
        "therapist",
        lambda w: f"/patients/{w.patient.id}/invite",
        lambda w: {"email": "a@b", "locale": "it"},
        "email",
        "This is not a valid e-mail address.",
        "Questo non è un indirizzo e-mail valido.",
    ),
    (
        "therapist",
        lambda w: f"/patients/{w.patient.id}/messages",
        lambda w: {"body": ""},
        "body",
        "Write a message before sending.",
        "Scrivi un messaggio prima dell'invio.",
    ),
    (
        "therapist",
        lambda w: f"/patients/{w.patient.id}/plan-tools",
        lambda w: {"save-name": "x" * 121, "save-condition": "parkinson", "save-save": "1"},
        "save-name",
        "At most 120 characters.",
        "Al massimo 120 caratteri.",
    ),
    (
        "therapist",
        lambda w: f"/patients/{w.patient.id}/plan-tools",
        lambda w: {"copy-target_id": str(w.other.id), "copy-start_date": "2026-13-45", "copy-copy": "1"},
        "copy-start_date",
        "Not a valid date value.",
        "Non è una data valida",
    ),
    (
        "admin",
        lambda w: "/admin/users",
        lambda w: {"full_name": "Eva", "email": "", "role": "therapist", "locale": "it", "invite": "1"},
        "email",
        "Enter an e-mail address.",
        "Inserire un indirizzo e-mail.",
    ),
    (
        "admin",
        lambda w: f"/admin/users/{w.therapist.id}/role",
        lambda w: {"role": "developer", "save_role": "1"},
        "role",
        "This therapist still follows patients: hand the caseload over first.",
        "Questo terapista segue ancora dei pazienti: passali prima a un altro terapista.",
    ),
    (
        "admin",
        lambda w: "/admin/caseloads/handover",
        lambda w: {"from_id": str(w.admin.id), "to_id": str(w.therapist.id), "handover": "1"},
        "from_id",
        "Choose a therapist.",
        "Scegliere un terapista.",
    ),
    (
        None,
        lambda w: "/invite",
        lambda w: {"code": ""},
        "code",
        "Enter the code printed on your invitation.",
        "Inserisci il codice stampato sull'invito.",
    ),
]


def _counts(app: Flask) -> tuple[int, ...]:
    with Session(get_engine(app)) as s:
        return tuple(
            int(s.exec(select(func.count()).select_from(m)).one())
            for m in (Invitation, Message, PlanTemplate, Assignment, User, AuditEvent)
        )


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_bad_input_is_refused_at_the_field_translated_and_nothing_is_stored(
    case: int, lang: str, client: FlaskClient, factories, app: Flask
) -> None:
    who, path_of, data_of, field, english, italian = CASES[case]
    world = _world(factories, lang)
    if who is not None:
        login(client, getattr(world, who).email)
    else:  # an anonymous visitor chooses the language with the switcher
        client.post("/language", data={"csrf_token": csrf_token(client, "/login"), "language": lang})
    path = path_of(world)
    token = csrf_token(client, path if not path.endswith(("/role", "/handover")) else "/")
    before = _counts(app)
    response = client.post(path, data={"csrf_token": token, **data_of(world)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:300]
    assert f'id="{field}-error"' in html
    expected = english if lang == "en" else italian
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert expected.replace("'", "&#39;") in error or expected in error, error
    after = _counts(app)
    assert after[:-1] == before[:-1]  # no invitation, message, template, exercise or account
    assert after[-1] == before[-1]  # and no audit line
