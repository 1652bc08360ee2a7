"""Pilots: creation with every field checked (nothing stored on bad input), invitations
within the inclusion, consent (portal or signed paper) with a balanced seeded allocation and
the arm's game added to the plan, withdrawal, closing and who may see what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlmodel import Session, func, select

from smarttouch.platform.models import Assignment, AuditEvent, Patient, Pilot, PilotEnrolment, User
from smarttouch.platform.services.errors import Forbidden, NotFound
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import pilots
from smarttouch.platform.services.pilots.pilots import PilotInvalid
from smarttouch.platform.storage.db import get_engine

from .support import approved_game, form


def _count(s: Session, model: Any) -> int:
    return s.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def world(app: Flask, make_challenge: Any, make_user: Any, make_patient: Any) -> dict[str, Any]:
    solution_id, developer = approved_game(app, make_challenge, make_user)
    therapist = make_user("therapist")
    patient_user = make_user("patient")
    return {
        "solution": solution_id,
        "developer": developer,
        "therapist": therapist,
        "manager": make_user("therapist", is_challenge_manager=True),
        "patient": make_patient(therapist, user=patient_user),
        "patient_user": patient_user,
        "other": make_patient(therapist),
        "knee": make_patient(therapist, condition="knee_osteoarthritis"),
    }


def _create(app: Flask, actor: User, **kw: Any) -> Pilot:
    with Session(get_engine(app), expire_on_commit=False) as s:
        return pilots.create_pilot(s, actor=actor, data=form(**kw))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on_before": True}, "ends_on"),
        ({"title": "  "}, "title"),
        ({"consent_text": "ok"}, "consent_text"),
        ({"condition": "flu"}, "condition"),
        ({"movement": "sit_to_stand"}, "movement"),  # the game trains shoulder flexion only
        ({"target_patients": 1}, "target_patients"),
        ({"comparator": "placebo"}, "comparator"),
        ({"solution_id": None}, "solution_id"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    app: Flask, world: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    kw: dict[str, Any] = {"solution_id": world["solution"], **changes}
    if kw.pop("ends_on_before", False):
        base = form(world["solution"])
        kw["ends_on"] = base.starts_on - timedelta(days=1)
    with Session(get_engine(app), expire_on_commit=False) as s:
        audits = _count(s, AuditEvent)
        with pytest.raises(PilotInvalid) as err:
            pilots.create_pilot(s, actor=world["therapist"], data=form(**kw))
        assert field in err.value.fields, err.value.message
        assert str(err.value.fields[field])  # a translated message for the field
        assert _count(s, Pilot) == 0 and _count(s, AuditEvent) == audits


def test_unapproved_solution_is_refused(
    app: Flask, world: dict[str, Any], make_challenge: Any, make_user: Any
) -> None:
    unapproved, _ = approved_game(app, make_challenge, make_user, approve=False)
    with pytest.raises(PilotInvalid) as err:
        _create(app, world["therapist"], solution_id=unapproved)
    assert set(err.value.fields) == {"solution_id"}
    assert "not approved" in err.value.message
    with Session(get_engine(app)) as s:
        assert _count(s, Pilot) == 0


def test_every_problem_is_reported_at_once(app: Flask, world: dict[str, Any]) -> None:
    base = form(world["solution"])
    with pytest.raises(PilotInvalid) as err:
        _create(
            app,
            world["therapist"],
            solution_id=world["solution"],
            title="",
            target_patients=None,
            ends_on=base.starts_on - timedelta(days=3),
        )
    assert {"title", "target_patients", "ends_on"} <= set(err.value.fields)
    with app.test_request_context(), force_locale("it"):
        assert str(err.value.fields["ends_on"]) == "La data di fine è precedente alla data di inizio."
    with app.test_request_context(), force_locale("en"):
        assert str(err.value.fields["ends_on"]) == "The end date is before the start date."


def test_developers_and_patients_cannot_create(app: Flask, world: dict[str, Any]) -> None:
    for who in (world["developer"], world["patient_user"]):
        with pytest.raises(Forbidden):
            _create(app, who, solution_id=world["solution"])


def test_consent_allocation_plan_and_withdrawal(app: Flask, world: dict[str, Any], make_patient: Any) -> None:
    pilot = _create(app, world["manager"], solution_id=world["solution"])
    assert pilot.status == "recruiting" and pilot.comparator_activity_id is not None
    therapist = world["therapist"]
    extra = [make_patient(therapist) for _ in range(3)]
    with Session(get_engine(app), expire_on_commit=False) as s:
        # outside the inclusion: another condition; nothing stored
        with pytest.raises(PilotInvalid) as err:
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=world["knee"])
        assert set(err.value.fields) == {"patient"}
        assert _count(s, PilotEnrolment) == 0
        # only the patient's own therapist invites
        with pytest.raises(NotFound):
            pilot_enrolment.invite(s, actor=world["manager"], pilot=pilot, patient=world["patient"])
        for p in [world["patient"], world["other"], *extra]:
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=p)
        with pytest.raises(PilotInvalid):
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=world["other"])
        # invited but not consented: does not count, no arm, no plan change
        rows = pilots.enrolments(s, pilot=pilot)
        assert len(rows) == 5 and not any(pilots.counted(e) or e.arm for e, _ in rows)
        assert _count(s, Assignment) == 0
        # a paper consent needs the form's reference; nothing stored without it
        with pytest.raises(PilotInvalid) as err:
            pilot_enrolment.record_consent(s, pilot=pilot, patient=world["other"], by=therapist)
        assert set(err.value.fields) == {"note"}
        assert pilots.enrolment_of(s, pilot=pilot, patient=world["other"]).consented_at is None
        # a stranger cannot consent for the patient
        with pytest.raises(NotFound):
            pilot_enrolment.record_consent(
                s, pilot=pilot, patient=world["patient"], by=world["manager"], note="x"
            )
        e1 = pilot_enrolment.record_consent(
            s, pilot=pilot, patient=world["patient"], by=world["patient_user"]
        )
        e2 = pilot_enrolment.record_consent(
            s, pilot=pilot, patient=world["other"], by=therapist, note="form 12"
        )
        e3 = pilot_enrolment.record_consent(s, pilot=pilot, patient=extra[0], by=therapist, note="form 13")
        e4 = pilot_enrolment.record_consent(s, pilot=pilot, patient=extra[1], by=therapist, note="form 14")
        with pytest.raises(PilotInvalid):
            pilot_enrolment.record_consent(s, pilot=pilot, patient=extra[1], by=therapist, note="again")
        # permuted blocks of two: each block has one patient per arm; reproducible from the seed
        arms = [e.arm for e in (e1, e2, e3, e4)]
        assert sorted(arms[:2]) == sorted(arms[2:]) == ["comparator", "pilot"]
        assert arms == [pilot_enrolment.allocation(pilot.random_seed, i) for i in range(4)]
        assert [e.sequence for e in (e1, e2, e3, e4)] == [0, 1, 2, 3]
        assert e1.consent_sha256 == pilot.consent_sha256 and e2.consent_note == "form 12"
        # the arm's game is in the plan, until the pilot's end, added through the plan service
        for e in (e1, e2, e3, e4):
            a = s.get(Assignment, e.assignment_id)
            assert a is not None and a.end_date == pilot.ends_on and a.movement == "shoulder_flexion"
            assert a.activity_id == pilot_enrolment.arm_activity_id(pilot, e.arm)
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.patient_id == world["patient"].id)).all()
        assert {"pilot.invited", "pilot.consent_recorded", "plan.assignment_created"} <= set(actions)
        assert s.get(Pilot, pilot.id).status == "running"
        # withdrawal: the patient needs no reason, the therapist does
        with pytest.raises(PilotInvalid) as err:
            pilot_enrolment.withdraw(s, pilot=pilot, patient=world["other"], by=therapist)
        assert set(err.value.fields) == {"reason"}
        gone = pilot_enrolment.withdraw(s, pilot=pilot, patient=world["patient"], by=world["patient_user"])
        assert gone.withdrawn_at is not None and not pilots.counted(gone)
        with pytest.raises(PilotInvalid):
            pilot_enrolment.record_consent(s, pilot=pilot, patient=world["patient"], by=world["patient_user"])
        assert [p.id for _, p in pilots.patient_pilots(s, patient=world["patient"])] == [pilot.id]


def test_own_baseline_needs_earlier_sessions(
    app: Flask, world: dict[str, Any], make_exercise_session: Any
) -> None:
    pilot = _create(app, world["therapist"], solution_id=world["solution"], comparator="own_baseline")
    assert pilot.comparator_activity_id is None
    with Session(get_engine(app), expire_on_commit=False) as s:
        with pytest.raises(PilotInvalid) as err:
            pilot_enrolment.invite(s, actor=world["therapist"], pilot=pilot, patient=world["patient"])
        assert "nothing to compare" in str(err.value.fields["patient"])
    make_exercise_session(world["patient"], movement="shoulder_flexion")
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot_enrolment.invite(s, actor=world["therapist"], pilot=pilot, patient=world["patient"])
        e = pilot_enrolment.record_consent(s, pilot=pilot, patient=world["patient"], by=world["patient_user"])
        assert e.arm == "pilot" and e.sequence is None


def test_visibility_and_closing(app: Flask, world: dict[str, Any]) -> None:
    pilot = _create(app, world["therapist"], solution_id=world["solution"])
    dev, manager, therapist = world["developer"], world["manager"], world["therapist"]
    assert pilots.can_view(therapist, pilot) and pilots.can_view(manager, pilot)
    assert not pilots.can_view(None, pilot) and not pilots.can_view(dev, pilot)
    assert pilots.can_view(therapist, pilot, identified=True)
    assert not pilots.can_view(manager, pilot, identified=True) or manager.role == "therapist"
    assert pilots.may_identify(therapist, world["patient"]) and not pilots.may_identify(
        manager, world["patient"]
    )
    with Session(get_engine(app), expire_on_commit=False) as s:
        assert [p.id for p in pilots.list_pilots(s, viewer=None)] == []
        with pytest.raises(NotFound):
            pilots.get_pilot(s, pilot.id, viewer=dev)
        with pytest.raises(Forbidden):
            pilots.close_pilot(s, actor=dev, pilot=pilot)
        closed = pilots.close_pilot(s, actor=manager, pilot=pilot)
        assert closed.status == "closed" and closed.closed_at is not None
        assert [p.id for p in pilots.list_pilots(s, viewer=None)] == [pilot.id]
        assert pilots.get_pilot(s, pilot.id, viewer=None).id == pilot.id
        with pytest.raises(PilotInvalid):
            pilot_enrolment.invite(s, actor=therapist, pilot=closed, patient=world["other"])
        assert {u.id for u in pilots.managers(s, pilot=closed)} >= {therapist.id, manager.id}
        assert s.get(Patient, world["patient"].id) is not None
