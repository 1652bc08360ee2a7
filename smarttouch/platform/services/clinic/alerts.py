"""Clinical alerts: one open :class:`Alert` per patient and concern, kept in step with the data.

Scoring decides *whether* something deserves attention (:mod:`smarttouch.scoring.progress`:
no session for N days, a decline beyond the metric's MCID, the last session stopped for
pain). This module turns those decisions into alerts a clinician can trust:

* **One open alert per patient and concern.** A *concern* is a stable string whose part
  before the first ``:`` names the source that raises it: ``no_session``, ``pain_stop``,
  ``decline`` (every metric declining beyond its MCID, the largest and mean ROM, speed,
  smoothness, in one alert that lists them), ``pain_rise`` (the patient's pain rating at least
  2 points above their usual, see :mod:`.feelings`). A partial unique index holds it in the
  database. Seen again, a finding refreshes its open alert (numbers, session, ``updated_at``).
* **Alerts resolve themselves.** When a source no longer finds a concern that has an open
  alert, the alert is resolved with a note saying why (``resolution_note``, audited as
  ``alert.resolved``): an improving patient carries no stale alert.
* **Acknowledged with an optional note**, recording who and when (``alert.acknowledged``),
  one by one or in bulk. A concern acknowledged is raised again only with new evidence
  (``details["evidence"]``: a later session for a decline or a pain stop, a later last
  session for "no session").

New concerns plug in through :func:`register_source`: a function from an
:class:`AlertContext` to the :class:`Finding`\\ s it sees now. Every source runs on each
:func:`sync_patient_alerts` (a session arriving, the patient page, the demo seed); the
caseload brings the time-driven ``no_session`` source of all its patients up to date in two
queries (:func:`sync_no_session_alerts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from smarttouch.scoring import progress as scoring
from smarttouch.scoring.mcid import MCID_RULES

from ...models import Alert, Patient, User, pk, utcnow
from .. import audit
from ..errors import Invalid, NotFound
from .feelings import pain_rise_finding, patient_feelings
from .patients import require_own_patient

KINDS = ("no_session", "decline", "pain_stop", "pain_rise")
NO_SESSION_DAYS = scoring.NO_SESSION_DAYS
NOTE_MAX = 1000


@dataclass(frozen=True)
class SessionFact:
    """What alerts need of one session: its id and the scoring record."""

    session_id: int
    record: scoring.SessionRecord


@dataclass(frozen=True)
class AlertContext:
    """What a source may look at: the patient's sessions (oldest first) and today.
    ``has_plan``: the patient has a current exercise, or how to find out (called at most
    once, when a source asks :attr:`planned`: a scoring job rarely needs it)."""

    patient_id: int
    facts: Sequence[SessionFact]
    today: date
    has_plan: bool | Callable[[], bool]
    no_session_days: int = NO_SESSION_DAYS
    session: Session | None = None  # for sources that read more than the sessions' records
    #: what sources read for this one judgement and share (two sources of one feature, one
    #: query): key -> value, filled by the sources
    shared: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def planned(self) -> bool:
        """Whether the patient has a current exercise (``has_plan``, asked once)."""
        if not callable(self.has_plan):
            return self.has_plan
        if "planned" not in self.shared:
            self.shared["planned"] = bool(self.has_plan())
        return bool(self.shared["planned"])


@dataclass(frozen=True)
class Finding:
    """One concern a source sees now. ``evidence`` identifies what it rests on (a session, a
    day): a concern acknowledged with the same evidence is not raised again."""

    concern: str
    kind: str
    message: str
    evidence: str
    details: dict[str, Any] = field(default_factory=dict)
    session_id: int | None = None


Source = Callable[[AlertContext], list[Finding]]
#: source name (the part of a concern before ":") -> the function that finds its concerns
SOURCES: dict[str, Source] = {}
#: source name -> why an alert of it resolved by itself (English, kept in the row)
RESOLUTION_NOTES: dict[str, str] = {}


def register_source(name: str, resolution_note: str) -> Callable[[Source], Source]:
    """Register a source of findings under ``name`` (concerns ``name`` or ``name:...``)."""

    def add(fn: Source) -> Source:
        SOURCES[name] = fn
        RESOLUTION_NOTES[name] = resolution_note
        return fn

    return add


def source_of(concern: str) -> str:
    return concern.split(":", 1)[0]


@register_source("no_session", "a session arrived, or no exercise is planned any more")
def _no_session(ctx: AlertContext) -> list[Finding]:
    if not ctx.facts:
        return []
    found = no_session_finding(ctx.facts[-1].record.day, ctx.today, ctx.no_session_days)
    return found if found and ctx.planned else []


def no_session_finding(last_day: date, today: date, no_session_days: int = NO_SESSION_DAYS) -> list[Finding]:
    """The "no session" finding for a patient whose last session was on ``last_day``."""
    found = scoring.alerts([scoring.SessionRecord(last_day)], today, no_session_days=no_session_days)
    return [
        Finding(
            "no_session",
            "no_session",
            a.message,
            evidence=last_day.isoformat(),
            details={"last_day": last_day.isoformat(), "days": (today - last_day).days},
        )
        for a in found
        if a.kind == "no_session"
    ]


@register_source("pain_stop", "the latest session was not stopped for pain")
def _pain_stop(ctx: AlertContext) -> list[Finding]:
    if not ctx.facts:
        return []
    last = ctx.facts[-1]
    found = [a for a in scoring.alerts([last.record], ctx.today, 10**6) if a.kind == "pain_stop"]
    return [
        Finding(
            "pain_stop",
            "pain_stop",
            a.message,
            evidence=str(last.session_id),
            details={"last_day": last.record.day.isoformat()},
            session_id=last.session_id,
        )
        for a in found
    ]


@register_source("decline", "the last 3 sessions are no longer worse than the 3 before by the MCID")
def _decline(ctx: AlertContext) -> list[Finding]:
    if not ctx.facts:
        return []
    records = [f.record for f in ctx.facts]
    last = ctx.facts[-1]
    n = scoring.RECENT_N
    items: list[tuple[scoring.Alert, dict[str, Any]]] = []
    for a in scoring.alerts(records, ctx.today, 10**6):
        if a.kind != "decline" or a.metric is None:
            continue
        values = [r.metrics[a.metric] for r in records if not r.count_uncertain and a.metric in r.metrics]
        one = {
            "metric": a.metric,
            "before": sum(values[-2 * n : -n]) / n,
            "recent": sum(values[-n:]) / n,
        }
        items.append((a, one))
    if not items:
        return []
    items.sort(key=lambda item: list(MCID_RULES).index(item[0].metric or ""))
    metrics = [one for _a, one in items]
    return [
        Finding(
            "decline",
            "decline",
            "; ".join(a.message for a, _one in items),
            evidence=str(last.session_id),
            details={**metrics[0], "metrics": metrics, "last_day": last.record.day.isoformat()},
            session_id=last.session_id,
        )
    ]


@register_source("pain_rise", "the latest rated session's pain is no longer well above the usual level")
def _pain_rise(ctx: AlertContext) -> list[Finding]:
    """The pain-rise rule on the newest session with a pain rating (:mod:`.feelings`)."""
    if ctx.session is None:
        return []
    found = pain_rise_finding(patient_feelings(ctx.session, patient_id=ctx.patient_id, limit=40))
    if found is None:
        return []
    day = next((f.record.day for f in ctx.facts if f.session_id == found.session_id), None)
    return [
        Finding(
            "pain_rise",
            "pain_rise",
            found.message,
            evidence=str(found.session_id),
            details={
                "last_day": day.isoformat() if day is not None else "",
                "pain": found.latest,
                "usual": found.usual,
            },
            session_id=found.session_id,
        )
    ]


def _commit_keeping_loaded(session: Session) -> bool:
    """Commit without expiring what the caller already loaded (a page that syncs alerts on the
    way must not reload hundreds of rows one by one afterwards). False when another request
    stored the same open concern first (the unique index): its row stands, ours is dropped."""
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False
    finally:
        session.expire_on_commit = keep


@lru_cache(maxsize=1)
def _alerts_read() -> Any:
    """The read of some patients' alerts that :func:`_reconcile` looks at, oldest first: the
    open ones and the newest of each concern (a history of resolved alerts is never loaded).
    Expanding bound parameter ``ids``; built once: a worker runs it for every scored session."""
    of_patients = col(Alert.patient_id).in_(sa.bindparam("ids", expanding=True, type_=sa.Integer()))
    newest = (
        select(sa.func.max(Alert.id)).where(of_patients).group_by(col(Alert.patient_id), col(Alert.concern))
    )
    return (
        select(Alert)
        .where(
            of_patients,
            sa.or_(
                sa.and_(col(Alert.acknowledged_at).is_(None), col(Alert.resolved_at).is_(None)),
                col(Alert.id).in_(newest),
            ),
        )
        .order_by(col(Alert.id))
    )


def _by_patient(session: Session, patient_ids: Iterable[int], sources: set[str]) -> dict[int, list[Alert]]:
    ids = list(patient_ids)
    out: dict[int, list[Alert]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(_alerts_read(), {"ids": ids}).scalars()
    for a in rows:
        if source_of(a.concern or a.kind) in sources:
            out[a.patient_id].append(a)
    return out


def _reconcile(
    session: Session,
    *,
    patient_id: int,
    findings: Sequence[Finding],
    existing: Sequence[Alert],
    sources: set[str],
    today: date,
) -> list[Alert]:
    """Bring one patient's alerts of ``sources`` in line with ``findings``; returns the new
    rows (added to the session, not committed). ``existing``: their alerts, oldest first (the
    open ones and the newest of each concern are all it reads)."""
    open_rows = {a.concern: a for a in existing if a.is_open}
    latest = {a.concern: a for a in existing}  # oldest first: the last one wins
    found = {f.concern: f for f in findings}
    now = utcnow()
    new: list[Alert] = []
    for concern, row in open_rows.items():
        if concern in found:
            continue
        note = RESOLUTION_NOTES.get(source_of(concern), "the condition cleared")
        row.resolved_at = now
        row.resolution_note = f"Resolved by itself on {today.isoformat()}: {note}."
        row.details = {**row.details, "resolved_on": today.isoformat()}
        session.add(row)
        audit.record(
            session,
            action="alert.resolved",
            actor=None,
            patient_id=patient_id,
            target_type="alert",
            target_id=row.id,
            details={"concern": concern, "note": row.resolution_note},
        )
    for concern, f in found.items():
        details = {**f.details, "key": f"{concern}:{f.evidence}", "evidence": f.evidence}
        current = open_rows.get(concern)
        if current is not None:
            if current.details.get("evidence") != f.evidence or current.message != f.message:
                current.details, current.message, current.session_id, current.updated_at = (
                    details,
                    f.message,
                    f.session_id,
                    now,
                )
                session.add(current)
            continue
        previous = latest.get(concern)
        if previous is not None and previous.acknowledged_at is not None:
            if previous.details.get("evidence") == f.evidence:
                continue  # acknowledged, and nothing new since
        row = Alert(
            patient_id=patient_id,
            kind=f.kind,
            concern=concern,
            message=f.message,
            details=details,
            session_id=f.session_id,
        )
        session.add(row)
        new.append(row)
    return new


def sync_patient_alerts(
    session: Session,
    *,
    patient: Patient,
    facts: Sequence[SessionFact],
    today: date,
    has_plan: bool | Callable[[], bool],
    no_session_days: int = NO_SESSION_DAYS,
) -> list[Alert]:
    """Run every source over ``facts`` (oldest first): raise new concerns, refresh open ones,
    resolve the ones that cleared. Returns the new rows (committed). ``has_plan``: the
    patient has a current exercise (or how to find out, see :class:`AlertContext`)."""
    new = find_patient_alerts(
        session, patient=patient, facts=facts, today=today, has_plan=has_plan, no_session_days=no_session_days
    )
    if session.dirty or session.new:
        if not _commit_keeping_loaded(session):
            return []
    return new


def find_patient_alerts(
    session: Session,
    *,
    patient: Patient,
    facts: Sequence[SessionFact],
    today: date,
    has_plan: bool | Callable[[], bool],
    no_session_days: int = NO_SESSION_DAYS,
    shared: dict[str, Any] | None = None,
) -> list[Alert]:
    """:func:`sync_patient_alerts` inside the caller's transaction (the scoring job's): new
    rows, refreshed and resolved ones are added to ``session``, not committed. Returns the
    new rows. ``shared``: the sources' shared reads (:attr:`AlertContext.shared`), given to
    keep them for what the caller runs next in the same judgement (the after-scoring hooks)."""
    pid = pk(patient)
    ctx = AlertContext(
        pid, facts, today, has_plan, no_session_days, session, shared if shared is not None else {}
    )
    findings = [f for source in SOURCES.values() for f in source(ctx)]
    sources = set(SOURCES)
    existing = _by_patient(session, [pid], sources)[pid]
    return _reconcile(
        session, patient_id=pid, findings=findings, existing=existing, sources=sources, today=today
    )


def sync_no_session_alerts(
    session: Session,
    *,
    last_days: dict[int, date],
    today: date,
    planned: set[int],
    no_session_days: int = NO_SESSION_DAYS,
) -> int:
    """The "no session" concern of each patient id in ``last_days`` (day of their last
    session), raised only for those in ``planned``; returns how many alerts were added. Only
    patients whose state may change are loaded (a gap long enough, or an open alert)."""
    due = {pid: day for pid, day in last_days.items() if (today - day).days >= no_session_days}
    open_ids = (
        set(
            session.exec(
                select(Alert.patient_id).where(
                    col(Alert.patient_id).in_(list(last_days)),
                    Alert.concern == "no_session",
                    col(Alert.acknowledged_at).is_(None),
                    col(Alert.resolved_at).is_(None),
                )
            ).all()
        )
        if last_days
        else set()
    )
    ids = set(due) | open_ids
    if not ids:
        return 0
    existing = _by_patient(session, ids, {"no_session"})
    added = 0
    for pid in ids:
        findings = no_session_finding(last_days[pid], today, no_session_days) if pid in planned else []
        added += len(
            _reconcile(
                session,
                patient_id=pid,
                findings=findings,
                existing=existing[pid],
                sources={"no_session"},
                today=today,
            )
        )
    if session.dirty or session.new:
        if not _commit_keeping_loaded(session):
            return 0
    return added


def _open(query: Any) -> Any:
    return query.where(col(Alert.acknowledged_at).is_(None), col(Alert.resolved_at).is_(None))


def open_alerts(session: Session, *, patient_id: int) -> list[Alert]:
    """Open alerts of a patient (neither acknowledged nor resolved), newest first."""
    return list(
        session.exec(
            _open(select(Alert).where(Alert.patient_id == patient_id)).order_by(
                col(Alert.created_at).desc(), col(Alert.id).desc()
            )
        )
    )


def recent_alerts(session: Session, *, patient_id: int, limit: int = 20) -> list[Alert]:
    """All alerts of a patient (acknowledged and resolved included), newest first."""
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
        _open(
            select(Alert.patient_id, Alert.kind, func.count()).where(
                col(Alert.patient_id).in_(list(patient_ids))
            )
        ).group_by(col(Alert.patient_id), col(Alert.kind))
    ).all()
    out: dict[int, list[str]] = {}
    for pid, kind, n in rows:
        out.setdefault(pid, []).extend([kind] * int(n))
    return out


def open_alerts_of(session: Session, *, patient_ids: Sequence[int]) -> dict[int, list[Alert]]:
    """Patient id -> their open alerts, oldest first (one query)."""
    out: dict[int, list[Alert]] = {}
    if not patient_ids:
        return out
    for a in session.exec(
        _open(select(Alert).where(col(Alert.patient_id).in_(list(patient_ids)))).order_by(col(Alert.id))
    ):
        out.setdefault(a.patient_id, []).append(a)
    return out


def clean_note(note: str | None) -> str:
    """An acknowledgement note, stripped; Invalid when longer than :data:`NOTE_MAX`."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise Invalid(f"the note is longer than {NOTE_MAX} characters")
    return text


def acknowledge_many(
    session: Session,
    *,
    therapist: User,
    alert_ids: Sequence[int] = (),
    patient_ids: Sequence[int] = (),
    note: str | None = None,
    ip: str | None = None,
) -> list[Alert]:
    """Acknowledge the given alerts and every open alert of the given patients, all of the
    therapist's own patients (else nothing is changed: NotFound/Forbidden), with one note;
    one audit line per alert, one commit. Alerts already closed are left as they are."""
    text = clean_note(note)
    rows: list[Alert] = []
    for alert_id in dict.fromkeys(alert_ids):
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id} not found")
        rows.append(alert)
    if patient_ids:
        rows.extend(
            session.exec(
                _open(select(Alert).where(col(Alert.patient_id).in_(list(dict.fromkeys(patient_ids)))))
            )
        )
    checked: set[int] = set()
    for pid in {a.patient_id for a in rows} | set(patient_ids):
        patient = session.get(Patient, pid)
        if patient is None:
            raise NotFound(f"patient {pid} not found")
        require_own_patient(therapist, patient)
        checked.add(pid)
    now = utcnow()
    done: list[Alert] = []
    for alert in {a.id: a for a in rows}.values():
        if not alert.is_open:
            continue
        alert.acknowledged_at = now
        alert.acknowledged_by_id = therapist.id
        alert.acknowledge_note = text
        session.add(alert)
        audit.record(
            session,
            action="alert.acknowledged",
            actor=therapist,
            patient_id=alert.patient_id,
            target_type="alert",
            target_id=alert.id,
            details={"kind": alert.kind, "concern": alert.concern, "note": text},
            ip=ip,
        )
        done.append(alert)
    session.commit()
    for alert in done:
        session.refresh(alert)
    return done


def acknowledge(
    session: Session, *, therapist: User, alert_id: int, note: str | None = None, ip: str | None = None
) -> Alert:
    """Mark one alert as seen by the patient's own therapist (audited; idempotent)."""
    acknowledge_many(session, therapist=therapist, alert_ids=[alert_id], note=note, ip=ip)
    alert = session.get(Alert, alert_id)
    assert alert is not None
    return alert
