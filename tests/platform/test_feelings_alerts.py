"""The pain-rise alert: scoring's rule (at least 2 NRS points above the median of the recent
ratings, with at least 3 earlier ratings) and the alerts service's way of keeping it (one open
alert per patient; after the therapist acknowledges it, only a later session raises it again)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from smarttouch.platform.models import Alert, SessionFeeling, pk, utcnow
from smarttouch.platform.services.clinic import alerts, progress
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories
from smarttouch.scoring.progress import pain_rise, usual_pain


def test_the_rule() -> None:
    assert usual_pain([1, 2]) is None and pain_rise([1, 2], 9) is None  # no usual level yet
    assert usual_pain([1, 2, 3]) == 2.0
    assert pain_rise([1, 2, 3], 3.5) is None  # 1.5 above the usual: not yet
    found = pain_rise([1, 2, 3], 4)
    assert found is not None and found.kind == "pain_rise"  # exactly 2 points above
    assert usual_pain([9] * 5 + [1] * 10) == 1.0  # only the last 10 ratings make the usual


def _rated(app, factories, patient, pains: list[int], start_days_ago: int) -> list[int]:
    ids = []
    for i, pain in enumerate(pains):
        row = factories.exercise_session(patient, started_at=utcnow() - timedelta(days=start_days_ago - i))
        with Session(get_engine(app)) as s:
            s.add(
                SessionFeeling(
                    session_id=pk(row), patient_id=pk(patient), moment="after", scale="pain_nrs", value=pain
                )
            )
            s.add(
                SessionFeeling(
                    session_id=pk(row),
                    patient_id=pk(patient),
                    moment="before",
                    scale="effort_cr10",
                    skipped=True,
                )
            )
            s.commit()
        ids.append(pk(row))
    return ids


def _sync(app, patient) -> list[Alert]:
    with Session(get_engine(app)) as s:
        facts = progress.session_facts(progress.patient_sessions(s, patient_id=pk(patient), tz="UTC"))
        alerts.sync_patient_alerts(s, patient=patient, facts=facts, today=utcnow().date(), has_plan=True)
        return list(s.exec(select(Alert).where(Alert.patient_id == pk(patient), Alert.kind == "pain_rise")))


def test_one_open_alert_and_raised_again_only_by_a_later_session(app, factories) -> None:
    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    _rated(app, factories, patient, [2, 1, 2], start_days_ago=10)
    assert _sync(app, patient) == []
    (high,) = _rated(app, factories, patient, [5], start_days_ago=6)
    found = _sync(app, patient)
    assert [(a.session_id, a.details["pain"], a.details["usual"]) for a in found] == [(high, 5, 2.0)]
    _rated(app, factories, patient, [6], start_days_ago=5)
    assert len(_sync(app, patient)) == 1  # still open: no second alert for the same concern
    with Session(get_engine(app)) as s:
        alerts.acknowledge(s, therapist=therapist, alert_id=pk(found[0]))
    assert len(_sync(app, patient)) == 1  # acknowledged: the sessions already seen raise nothing
    (later,) = _rated(app, factories, patient, [7], start_days_ago=4)
    again = _sync(app, patient)
    assert len(again) == 2 and {a.session_id for a in again if a.acknowledged_at is None} == {later}


def test_reconciling_reads_the_open_alerts_and_the_newest_of_each_concern(db_app) -> None:
    """A patient's history of closed alerts is not loaded to judge new ones: the open alerts
    and the newest of each concern are what the reconciliation looks at."""
    pid = pk(Factories(db_app).patient())
    now = utcnow()

    def alert(concern: str, *, closed: bool) -> Alert:
        return Alert(
            patient_id=pid,
            kind=concern,
            concern=concern,
            message=concern,
            details={"evidence": concern},
            resolved_at=now if closed else None,
        )

    with Session(get_engine(db_app)) as s:
        rows = [
            alert("pain_rise", closed=True),
            alert("pain_rise", closed=True),
            alert("pain_stop", closed=False),
            alert("pain_rise", closed=True),
            alert("no_session", closed=True),
        ]
        for row in rows:
            s.add(row)
            s.flush()
        ids = [pk(r) for r in rows]
        s.commit()
        read = alerts._by_patient(s, [pid], {alerts.source_of(r.concern) for r in rows})[pid]
    assert [pk(a) for a in read] == [ids[2], ids[3], ids[4]]
