"""`smarttouch seed --demo` creates weeks of synthetic, scored sessions with every kind of
alert, and is idempotent."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from smarttouch.platform.i18n.language import hub_tz, local_today
from smarttouch.platform.models import Alert, ExerciseSession, Patient, Pilot, SessionMetricsRecord
from smarttouch.platform.services.demo.seed import seed_demo
from smarttouch.platform.services.pilots import outcomes
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.sensors.recording_io import recording_from_bytes


@pytest.mark.slow
def test_demo_sessions_and_alerts(app: Flask) -> None:
    with app.test_request_context(), Session(get_engine(app)) as db:
        report = seed_demo(
            db, today=local_today(), password_profile="fast", blobs=get_blobstore(app), tz=hub_tz()
        )
        assert report.sessions_created >= 60
        per_patient = dict(
            db.exec(
                select(Patient.code, func.count(ExerciseSession.id))
                .join(ExerciseSession, ExerciseSession.patient_id == Patient.id)
                .group_by(Patient.code)
            ).all()
        )
        pilot_patients = {"DEMO-PIL1", "DEMO-PIL2", "DEMO-PIL3", "DEMO-PIL4"}
        assert set(per_patient) == {"DEMO-STRK", "DEMO-PARK", "DEMO-KNEE", "DEMO-FRAI"} | pilot_patients
        assert all(n >= 10 for c, n in per_patient.items() if c not in pilot_patients)
        assert all(n >= 3 for c, n in per_patient.items() if c in pilot_patients)  # 2 a week, one for 2 weeks
        scored = db.exec(select(func.count()).select_from(SessionMetricsRecord)).one()
        assert scored == report.sessions_created
        kinds = {
            (code, kind)
            for code, kind in db.exec(
                select(Patient.code, Alert.kind).join(Alert, Alert.patient_id == Patient.id)
            )
        }
        assert ("DEMO-PARK", "decline") in kinds
        assert ("DEMO-KNEE", "pain_stop") in kinds
        assert ("DEMO-KNEE", "pain_rise") in kinds  # its synthetic pain rating after the stop
        assert {code for code, kind in kinds if kind == "pain_rise"} == {"DEMO-KNEE"}
        assert ("DEMO-FRAI", "no_session") in kinds
        row = db.exec(select(ExerciseSession)).first()
        rec = recording_from_bytes(get_blobstore(app).get(row.recording_sha256))
        assert rec.labels["synthetic"] is True and rec.labels["demo"] is True
        # the running pilot: four synthetic patients who consented, one withdrew, outcomes computed
        pilot = db.exec(select(Pilot)).one()
        assert pilot.status == "running" and "synthetic" in pilot.title
        out = outcomes.compute_outcomes(db, pilot, tz=hub_tz())
        assert (out.consented, out.withdrawn) == (4, 1)
        assert sum(p.sessions for p in out.patients) == sum(per_patient[c] for c in pilot_patients)
        assert {p.arm for p in out.patients} == {"pilot", "comparator"}
        again = seed_demo(
            db, today=local_today(), password_profile="fast", blobs=get_blobstore(app), tz=hub_tz()
        )
        assert again.sessions_created == 0
        assert db.exec(select(func.count()).select_from(ExerciseSession)).one() == scored
