"""The patient-therapist message thread: both sides write, unread counts (nav badge), who may
read which thread, the game client's copy with today's plan and its "read" call, audit, and
bad input refused at the field with nothing stored."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Message
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login

from .apihelp import pair_patient


def _send(client: FlaskClient, path: str, body: str):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "body": body})


def _logout(client: FlaskClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _messages(app: Flask) -> list[Message]:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(Message).order_by(Message.id)))


def test_two_way_thread_with_unread_counts_and_audit(client: FlaskClient, factories, app: Flask) -> None:
    therapist = factories.user("therapist")
    account = factories.user("patient")
    patient = factories.patient(therapist, user=account)
    login(client, therapist.email)
    thread = f"/patients/{patient.id}/messages"
    assert _send(client, thread, "Please do the exercise sitting down.").status_code == 302
    assert "Please do the exercise sitting down." in client.get(thread).get_data(as_text=True)
    _logout(client)

    login(client, account.email)
    home = client.get("/my").get_data(as_text=True)
    assert 'data-testid="unread-badge">1<' in home  # the nav badge
    page = client.get("/my/messages").get_data(as_text=True)
    assert "Please do the exercise sitting down." in page
    assert 'data-testid="unread-badge"' not in client.get("/my").get_data(as_text=True)  # read now
    assert _send(client, "/my/messages", "Thank you, I will.").status_code == 302
    _logout(client)

    login(client, therapist.email)
    assert 'data-testid="unread-badge">1<' in client.get("/patients").get_data(as_text=True)
    inbox = client.get("/messages").get_data(as_text=True)
    assert patient.code in inbox and 'class="badge">1<' in inbox
    assert "Thank you, I will." in client.get(thread).get_data(as_text=True)
    rows = _messages(app)
    assert [(m.sender_role, m.read_at is not None) for m in rows] == [("therapist", True), ("patient", True)]
    with Session(get_engine(app)) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "message.sent")).all()
    assert [(e.actor_id, e.patient_id, e.details["from"]) for e in events] == [
        (therapist.id, patient.id, "therapist"),
        (account.id, patient.id, "patient"),
    ]
    assert all("Thank" not in str(e.details) for e in events)  # the words are not copied


def test_only_the_two_sides_see_a_thread(client: FlaskClient, factories, app: Flask) -> None:
    therapist = factories.user("therapist")
    patient = factories.patient(therapist, user=factories.user("patient"))
    other_therapist = factories.user("therapist")
    other_patient_account = factories.user("patient")
    factories.patient(other_therapist, user=other_patient_account)
    admin = factories.user("admin")
    thread = f"/patients/{patient.id}/messages"
    for who in (other_therapist, admin):
        login(client, who.email)
        assert client.get(thread).status_code in (403, 404)
        assert client.post(
            thread, data={"csrf_token": csrf_token(client, "/"), "body": "hi"}
        ).status_code in (403, 404)
        _logout(client)
    login(client, other_patient_account.email)
    assert client.get(thread).status_code == 403  # patients use /my/messages, their own only
    assert _send(client, "/my/messages", "hello").status_code == 302
    assert [m.patient_id for m in _messages(app)] != [patient.id]


def test_empty_or_too_long_messages_are_refused_at_the_field_in_italian(
    client: FlaskClient, factories, app: Flask
) -> None:
    therapist = factories.user("therapist", locale="it")
    patient = factories.patient(therapist)
    login(client, therapist.email)
    thread = f"/patients/{patient.id}/messages"
    empty = _send(client, thread, "   ")
    assert empty.status_code == 400 and "Scrivi un messaggio prima dell" in empty.get_data(as_text=True)
    long = _send(client, thread, "x" * 2001)
    assert long.status_code == 400 and "Al massimo 2000 caratteri." in long.get_data(as_text=True)
    assert 'id="body-error"' in long.get_data(as_text=True)
    assert _messages(app) == []


def test_the_game_client_gets_the_therapists_messages_with_the_plan(
    client: FlaskClient, factories, app: Flask
) -> None:
    paired = pair_patient(app, factories, therapist_note="Keep the elbow straight")
    login(client, paired.therapist.email)
    thread = f"/patients/{paired.patient.id}/messages"
    _send(client, thread, "See you on Monday.")
    plan = client.get("/api/v1/plan/today", headers=paired.auth).get_json()
    assert plan["exercises"][0]["therapist_note"] == "Keep the elbow straight"
    [message] = plan["messages"]
    assert message["body"] == "See you on Monday." and message["read"] is False
    marked = client.post("/api/v1/messages/read", json={"up_to_id": message["id"]}, headers=paired.auth)
    assert marked.status_code == 200 and marked.get_json() == {"marked": 1}
    assert client.get("/api/v1/plan/today", headers=paired.auth).get_json()["messages"][0]["read"] is True
    bad = client.post("/api/v1/messages/read", json={"up_to_id": 0}, headers=paired.auth)
    assert bad.status_code == 400
    assert client.post("/api/v1/messages/read", json={"up_to_id": 1}).status_code == 401
