"""The exercise library (descriptions), plan templates, copying a plan, the suggested target,
ending an exercise with confirmation and undoing it the same day, and the administrator's
users and caseloads pages. Every change is audited; bad input is refused at the field and
stores nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.i18n.language import local_today
from smarttouch.platform.models import Assignment, AuditEvent, Invitation, Patient, PlanTemplate, User
from smarttouch.platform.services.clinic import plan_templates
from smarttouch.platform.services.errors import Invalid
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login


def _actions(app: Flask) -> list[str]:
    with Session(get_engine(app)) as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]


def _post(client: FlaskClient, path: str, page: str | None = None, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def test_library_lists_every_activity_with_its_description(client: FlaskClient, login_as) -> None:
    login_as("therapist", locale="it")
    html = client.get("/library").get_data(as_text=True)
    for key in ("balloons", "garden", "glider", "lantern"):
        assert f'data-testid="activity-{key}"' in html
    assert "Far scoppiare palloncini" in html and "Alza lentamente il braccio" in html


def test_templates_copy_and_suggested_target(client: FlaskClient, factories, app: Flask) -> None:
    me = factories.user("therapist")
    source = factories.patient(me, condition="parkinson")
    target = factories.patient(me)
    foreign = factories.patient(factories.user("therapist"))
    factories.assignment(source, movement="shoulder_flexion", target_rom_deg=70.0, reps=8, sets=2)
    login(client, me.email)
    tools = f"/patients/{source.id}/plan-tools"
    empty_name = _post(client, tools, **{"save-name": "", "save-condition": "parkinson", "save-save": "1"})
    assert empty_name.status_code == 400 and "Give the template a name." in empty_name.get_data(as_text=True)
    assert (
        _post(
            client, tools, **{"save-name": "Parkinson start", "save-condition": "parkinson", "save-save": "1"}
        ).status_code
        == 302
    )
    with Session(get_engine(app)) as s:
        template = s.exec(select(PlanTemplate)).one()
    assert template.items[0]["activity_key"] and template.items[0]["target_rom_deg"] == 70.0

    other_tools = f"/patients/{target.id}/plan-tools"
    applied = _post(
        client,
        other_tools,
        **{
            "apply-template_id": str(template.id),
            "apply-start_date": date.today().isoformat(),
            "apply-apply": "1",
        },
    )
    assert applied.status_code == 302
    bad = _post(
        client,
        other_tools,
        **{"apply-template_id": "999", "apply-start_date": date.today().isoformat(), "apply-apply": "1"},
    )
    assert bad.status_code == 400 and 'id="apply-template_id-error"' in bad.get_data(as_text=True)
    copied = _post(
        client,
        tools,
        **{"copy-target_id": str(target.id), "copy-start_date": date.today().isoformat(), "copy-copy": "1"},
    )
    assert copied.status_code == 302
    not_mine = _post(
        client,
        tools,
        **{"copy-target_id": str(foreign.id), "copy-start_date": date.today().isoformat(), "copy-copy": "1"},
    )
    assert not_mine.status_code == 400
    with Session(get_engine(app)) as s:
        plans = s.exec(select(Assignment.patient_id)).all()
    assert sorted(plans).count(target.id) == 2 and foreign.id not in plans
    assert {"plan_template.created", "plan.template_applied", "plan.copied"} <= set(_actions(app))

    # the suggested target: the comfortable maximum of the last calibration, else the measured ROM
    with Session(get_engine(app)) as s:
        assert plan_templates.suggested_target(s, patient=s.get(Patient, source.id)) is None
    factories.exercise_session(source, movement="shoulder_flexion", calibration={"rom_max_deg": 83.0})
    with Session(get_engine(app)) as s:
        hint = plan_templates.suggested_target(s, patient=s.get(Patient, source.id))
    assert hint is not None and (hint.target_rom_deg, hint.source) == (85.0, "calibration")
    form = client.get(f"/patients/{source.id}/assignments/new").get_data(as_text=True)
    assert "Suggested target: 85°" in form


def test_ending_asks_first_and_can_be_undone_the_same_day(client: FlaskClient, factories, app: Flask) -> None:
    me = factories.user("therapist")
    patient = factories.patient(me)
    row = factories.assignment(patient)
    login(client, me.email)
    page = f"/patients/{patient.id}"
    asked = _post(client, f"/assignments/{row.id}/end", page)
    assert asked.status_code == 200 and "End this exercise?" in asked.get_data(as_text=True)
    with Session(get_engine(app)) as s:
        assert s.get(Assignment, row.id).active
    assert _post(client, f"/assignments/{row.id}/end", page, confirm="yes").status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "was ended today." in html
    assert _post(client, f"/assignments/{row.id}/resume", page).status_code == 302
    with Session(get_engine(app)) as s:
        assert s.get(Assignment, row.id).active
    assert _actions(app)[-2:] == ["plan.assignment_ended", "plan.assignment_resumed"]
    assert "resumed an exercise ended the same day" in client.get(f"{page}?tab=history").get_data(
        as_text=True
    )
    # ended on an earlier day: not resumable
    _post(client, f"/assignments/{row.id}/end", page, confirm="yes")
    with app.test_request_context(), Session(get_engine(app)) as s:
        tomorrow = local_today() + timedelta(days=1)
        assert plan_templates.ended_today(s, patient=s.get(Patient, patient.id), today=tomorrow) == []
        with pytest.raises(Invalid):
            plan_templates.undo_end(s, therapist=me, assignment_id=row.id, today=tomorrow)


def test_admin_manages_accounts_and_caseloads(client: FlaskClient, factories, app: Flask) -> None:
    admin = factories.user("admin", locale="it")
    ana = factories.user("therapist", full_name="Ana Bianchi")
    bruno = factories.user("therapist", full_name="Bruno Verdi")
    p1, p2 = factories.patient(ana), factories.patient(ana)
    login(client, admin.email)

    bad = _post(client, "/admin/users", full_name="", email="nope", role="therapist", locale="it", invite="1")
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Inserire il nome della persona." in body
    assert "Questo non è un indirizzo e-mail valido." in body
    ok = _post(
        client,
        "/admin/users",
        full_name="Carla Neri",
        email="carla@example.org",
        role="therapist",
        locale="it",
        invite="1",
    )
    assert ok.status_code == 200 and "/invite/" in ok.get_data(as_text=True)

    detail = f"/admin/users/{ana.id}"
    refused = _post(client, f"{detail}/role", detail, role="developer")
    assert refused.status_code == 400 and "passali prima" in refused.get_data(as_text=True)
    own = _post(client, f"/admin/users/{admin.id}/active", f"/admin/users/{admin.id}", active="0")
    assert own.status_code == 400
    assert _post(client, f"/admin/users/{bruno.id}/reset", f"/admin/users/{bruno.id}").status_code == 200

    same = _post(
        client, "/admin/caseloads/handover", "/admin/caseloads", from_id=str(ana.id), to_id=str(ana.id)
    )
    assert same.status_code == 400 and "Scegliere un terapista diverso." in same.get_data(as_text=True)
    moved = _post(
        client, "/admin/caseloads/handover", "/admin/caseloads", from_id=str(ana.id), to_id=str(bruno.id)
    )
    assert moved.status_code == 302
    assert (
        _post(
            client, f"/admin/patients/{p1.id}/therapist", "/admin/caseloads", therapist_id=str(ana.id)
        ).status_code
        == 302
    )
    assert _post(client, f"{detail}/active", detail, active="0").status_code == 302
    refused_reset = _post(client, f"{detail}/reset", detail)
    assert refused_reset.status_code == 400 and "Riattiva l" in refused_reset.get_data(as_text=True)
    with Session(get_engine(app)) as s:
        assert s.get(Patient, p1.id).therapist_id == ana.id and s.get(Patient, p2.id).therapist_id == bruno.id
        assert s.get(User, ana.id).is_active is False
        assert len(s.exec(select(Invitation)).all()) == 2
    actions = _actions(app)
    for action in (
        "invitation.created",
        "user.password_reset_issued",
        "caseload.handed_over",
        "patient.reassigned",
        "user.deactivated",
    ):
        assert action in actions
    # a therapist cannot reach the admin pages
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, bruno.email)
    assert client.get("/admin/users").status_code == 403


def test_admin_grants_and_withdraws_the_challenge_manager_flag(
    client: FlaskClient, factories, app: Flask
) -> None:
    from smarttouch.platform.services.accounts.permissions import can_manage_challenges

    admin = factories.user("admin")
    dev = factories.user("developer")
    assert can_manage_challenges(admin) and not can_manage_challenges(dev)
    login(client, admin.email)
    detail = f"/admin/users/{dev.id}"
    granted = _post(client, f"{detail}/role", detail, role="developer", is_challenge_manager="y")
    assert granted.status_code == 302
    with Session(get_engine(app)) as s:
        assert can_manage_challenges(s.get(User, dev.id))
    assert "challenge manager" in client.get("/admin/users").get_data(as_text=True)
    # an administrator manages anyway: the flag is not kept on an admin account
    _post(client, f"{detail}/role", detail, role="admin", is_challenge_manager="y")
    with Session(get_engine(app)) as s:
        assert s.get(User, dev.id).is_challenge_manager is False
    events = [a for a in _actions(app) if a == "user.role_changed"]
    assert len(events) == 2
