"""Clinical alerts: computed by :mod:`smarttouch.scoring.progress`, kept as :class:`Alert` rows.

Scoring decides *whether* something deserves attention (no session for N days, a decline
beyond the metric's MCID, the last session stopped for pain); this module stores each finding
once and lets the patient's therapist acknowledge it (audited as ``alert.acknowledged``).

Each finding has a key in ``details["key"]`` that says what it is about, so looking again
never duplicates it: ``no_session:<last session day>``, ``pain_stop:<session id>``,
``decline:<metric>:<last session id>``, ``pain_rise:<session id>``. A decline is not repeated
while an alert for the same metric is open; after the therapist acknowledges it, it is raised
again only by a session that arrives later (and still shows the decline). A pain rise (the
patient's pain rating at least 2 points above their usual, see :mod:`.feelings`) follows the
same rule: one open alert per patient, raised again only by a later session.

:func:`sync_patient_alerts` is run whenever a patient's data is looked at or changes (the
patient page, a new session, the demo seed); :func:`sync_no_session_alerts` brings the
time-driven "no session" alerts of a whole patient list up to date in two queries.
``no_session`` is raised only for patients with an exercise in their current plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from smarttouch.scoring import progress as scoring

from ...models import Alert, ExerciseSession, Patient, User, pk, utcnow
from .. import audit
from ..errors import NotFound
from .feelings import pain_rise_finding, patient_feelings
from .patients import require_own_patient

KINDS = ("no_session", "decline", "pain_stop", "pain_rise")
NO_SESSION_DAYS = scoring.NO_SESSION_DAYS


@dataclass(frozen=True)
class SessionFact:
    """What alerts need of one session: its id and the scoring record."""

    session_id: int
    record: scoring.SessionRecord


def _key(kind: str, facts: Sequence[SessionFact], metric: str | None) -> str:
    last = facts[-1]
    if kind == "no_session":
        return f"no_session:{last.record.day.isoformat()}"
    if kind == "pain_stop":
        return f"pain_stop:{last.session_id}"
    return f"decline:{metric}:{last.session_id}"


def _details(kind: str, facts: Sequence[SessionFact], metric: str | None, today: date) -> dict[str, object]:
    last = facts[-1]
    details: dict[str, object] = {"key": _key(kind, facts, metric), "last_day": last.record.day.isoformat()}
    if kind == "no_session":
        details["days"] = (today - last.record.day).days
    elif kind == "decline" and metric is not None:
        values = [f.record.metrics[metric] for f in facts if metric in f.record.metrics]
        n = scoring.RECENT_N
        details.update(metric=metric, before=sum(values[-2 * n : -n]) / n, recent=sum(values[-n:]) / n)
    return details


def _commit_keeping_loaded(session: Session) -> None:
    """Commit new alerts without expiring what the caller already loaded (a page that syncs
    alerts on the way must not reload hundreds of rows one by one afterwards)."""
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _existing(session: Session, patient_ids: Iterable[int]) -> list[Alert]:
    ids = list(patient_ids)
    if not ids:
        return []
    return list(session.exec(select(Alert).where(col(Alert.patient_id).in_(ids))))


def sync_patient_alerts(
    session: Session,
    *,
    patient: Patient,
    facts: Sequence[SessionFact],
    today: date,
    has_plan: bool,
    no_session_days: int = NO_SESSION_DAYS,
) -> list[Alert]:
    """Store the alerts scoring finds in ``facts`` (oldest first) that are not stored yet;
    returns the new rows (committed). ``has_plan``: the patient has a current exercise."""
    new = find_patient_alerts(
        session, patient=patient, facts=facts, today=today, has_plan=has_plan, no_session_days=no_session_days
    )
    if new:
        session.add_all(new)
        _commit_keeping_loaded(session)
    return new


def find_patient_alerts(
    session: Session,
    *,
    patient: Patient,
    facts: Sequence[SessionFact],
    today: date,
    has_plan: bool,
    no_session_days: int = NO_SESSION_DAYS,
) -> list[Alert]:
    """The alerts scoring finds in ``facts`` (oldest first) that are not stored yet, as new
    rows not added to ``session`` (:func:`sync_patient_alerts` stores them)."""
    if not facts:
        return []
    found = scoring.alerts([f.record for f in facts], today, no_session_days=no_session_days)
    existing = _existing(session, [pk(patient)])
    keys = {a.details.get("key") for a in existing}
    open_declines = {
        a.details.get("metric") for a in existing if a.kind == "decline" and a.acknowledged_at is None
    }
    seen_through: dict[str, int] = {}  # metric -> newest session id already judged
    for a in existing:
        if a.kind == "decline":
            metric = str(a.details.get("metric"))
            through = int(a.details.get("acknowledged_through_session") or a.session_id or 0)
            seen_through[metric] = max(seen_through.get(metric, 0), through)
    new: list[Alert] = []
    for alert in found:
        if alert.kind == "no_session" and not has_plan:
            continue
        if alert.kind == "decline" and (
            alert.metric in open_declines or facts[-1].session_id <= seen_through.get(str(alert.metric), 0)
        ):
            continue
        key = _key(alert.kind, facts, alert.metric)
        if key in keys:
            continue
        details = _details(alert.kind, facts, alert.metric, today)
        row = Alert(
            patient_id=pk(patient),
            kind=alert.kind,
            message=alert.message,
            details=details,
            session_id=facts[-1].session_id if alert.kind != "no_session" else None,
        )
        new.append(row)
        keys.add(key)
    rise = _pain_rise_alert(session, patient_id=pk(patient), facts=facts, existing=existing, keys=keys)
    if rise is not None:
        new.append(rise)
    return new


def _pain_rise_alert(
    session: Session,
    *,
    patient_id: int,
    facts: Sequence[SessionFact],
    existing: list[Alert],
    keys: set[object],
) -> Alert | None:
    """The pain-rise alert of the patient's newest rated session, unless one is open or that
    session (or a later one) was already judged."""
    if any(a.kind == "pain_rise" and a.acknowledged_at is None for a in existing):
        return None  # one open alert per patient and concern
    found = pain_rise_finding(patient_feelings(session, patient_id=patient_id, limit=40))
    if found is None:
        return None
    key = f"pain_rise:{found.session_id}"
    judged = max(
        (
            int(a.details.get("acknowledged_through_session") or a.session_id or 0)
            for a in existing
            if a.kind == "pain_rise"
        ),
        default=0,
    )
    if key in keys or found.session_id <= judged:
        return None
    keys.add(key)
    day = next((f.record.day for f in facts if f.session_id == found.session_id), None)
    return Alert(
        patient_id=patient_id,
        kind="pain_rise",
        message=found.message,
        details={
            "key": key,
            "last_day": day.isoformat() if day is not None else "",
            "pain": found.latest,
            "usual": found.usual,
        },
        session_id=found.session_id,
    )


def sync_no_session_alerts(
    session: Session,
    *,
    last_days: dict[int, date],
    today: date,
    planned: set[int],
    no_session_days: int = NO_SESSION_DAYS,
) -> int:
    """For each patient id in ``last_days`` (day of their last session) that is in
    ``planned``, store the "no session" alert scoring raises; returns how many were added."""
    due = {
        pid: day for pid, day in last_days.items() if pid in planned and (today - day).days >= no_session_days
    }
    if not due:
        return 0
    known = {
        a.details.get("key")
        for a in session.exec(
            select(Alert).where(col(Alert.patient_id).in_(list(due)), Alert.kind == "no_session")
        )
    }
    added = 0
    for pid, day in due.items():
        key = f"no_session:{day.isoformat()}"
        if key in known:
            continue
        found = [
            a
            for a in scoring.alerts([scoring.SessionRecord(day)], today, no_session_days=no_session_days)
            if a.kind == "no_session"
        ]
        for alert in found:
            session.add(
                Alert(
                    patient_id=pid,
                    kind="no_session",
                    message=alert.message,
                    details={"key": key, "last_day": day.isoformat(), "days": (today - day).days},
                )
            )
            added += 1
    if added:
        _commit_keeping_loaded(session)
    return added


def open_alerts(session: Session, *, patient_id: int) -> list[Alert]:
    """Unacknowledged alerts of a patient, newest first."""
    return list(
        session.exec(
            select(Alert)
            .where(Alert.patient_id == patient_id, col(Alert.acknowledged_at).is_(None))
            .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
        )
    )


def recent_alerts(session: Session, *, patient_id: int, limit: int = 20) -> list[Alert]:
    """All alerts of a patient (acknowledged included), newest first."""
    return list(
        session.exec(
            select(Alert)
            .where(Alert.patient_id == patient_id)
            .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
            .limit(limit)
        )
    )


def open_alert_kinds(session: Session, *, patient_ids: Sequence[int]) -> dict[int, list[str]]:
    """Patient id -> kinds of their open alerts (one entry per alert)."""
    if not patient_ids:
        return {}
    rows = session.exec(
        select(Alert.patient_id, Alert.kind, func.count())
        .where(col(Alert.patient_id).in_(list(patient_ids)), col(Alert.acknowledged_at).is_(None))
        .group_by(col(Alert.patient_id), col(Alert.kind))
    ).all()
    out: dict[int, list[str]] = {}
    for pid, kind, n in rows:
        out.setdefault(pid, []).extend([kind] * int(n))
    return out


def acknowledge(session: Session, *, therapist: User, alert_id: int, ip: str | None = None) -> Alert:
    """Mark an alert as seen by the patient's own therapist (audited; idempotent)."""
    alert = session.get(Alert, alert_id)
    patient = session.get(Patient, alert.patient_id) if alert is not None else None
    if alert is None or patient is None:
        raise NotFound(f"alert {alert_id} not found")
    require_own_patient(therapist, patient)
    if alert.acknowledged_at is not None:
        return alert
    newest = session.exec(
        select(func.max(ExerciseSession.id)).where(ExerciseSession.patient_id == patient.id)
    ).one()
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = therapist.id
    alert.details = {**alert.details, "acknowledged_through_session": newest}
    session.add(alert)
    audit.record(
        session,
        action="alert.acknowledged",
        actor=therapist,
        patient_id=patient.id,
        target_type="alert",
        target_id=alert.id,
        details={"kind": alert.kind, "key": alert.details.get("key")},
        ip=ip,
    )
    session.commit()
    session.refresh(alert)
    return alert
