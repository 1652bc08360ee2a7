"""A pilot as a FHIR R4B ResearchStudy + ResearchSubject bundle: valid, pseudonymised."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.services.errors import NotFound
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import export, pilots
from smarttouch.platform.storage.db import get_engine

from .support import approved_game, form


def test_pilot_bundle_is_valid_and_pseudonymised(
    app: Flask, make_challenge: Any, make_user: Any, make_patient: Any
) -> None:
    solution_id, developer = approved_game(app, make_challenge, make_user)
    therapist = make_user("therapist")
    people = [make_patient(therapist, display_name=f"Maria Rossi {i}") for i in range(3)]
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = pilots.create_pilot(s, actor=therapist, data=form(solution_id))
        for p in people:
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=p)
        pilot_enrolment.record_consent(s, pilot=pilot, patient=people[0], by=therapist, note="form 1")
        pilot_enrolment.record_consent(s, pilot=pilot, patient=people[1], by=therapist, note="form 2")
        pilot_enrolment.withdraw(s, pilot=pilot, patient=people[1], by=therapist, reason="moved")
        bundle = export.export_pilot_bundle(s, pilot, actor=therapist, base="https://hub.example.org")
    text = bundle.model_dump_json(exclude_none=True)
    again = Bundle.model_validate_json(text)  # round-trips through the validating model
    kinds = [e.resource.__resource_type__ for e in again.entry]
    assert kinds == ["ResearchStudy", "ResearchSubject", "ResearchSubject", "ResearchSubject"]
    study = again.entry[0].resource
    assert study.title == pilot.title and [a.name for a in study.arm] == ["pilot", "comparator"]
    subjects = [e.resource for e in again.entry[1:]]
    assert [s.status for s in subjects] == ["on-study", "withdrawn", "candidate"]
    assert [s.individual.identifier.value for s in subjects] == ["S01", "S02", "S03"]
    assert subjects[0].assignedArm in ("pilot", "comparator") and subjects[2].assignedArm is None
    assert all(s.study.reference == f"urn:uuid:{study.id}" for s in subjects)
    assert again.meta.security[0].code == "PSEUDED"
    for p in people:  # no codes, names or database ids of the patients
        assert p.code not in text and "Maria" not in text
    # a developer cannot export a running pilot
    with Session(get_engine(app), expire_on_commit=False) as s, pytest.raises(NotFound):
        export.export_pilot_bundle(s, pilot, actor=developer)
