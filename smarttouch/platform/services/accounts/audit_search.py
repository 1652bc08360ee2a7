"""Searching the audit trail for the admin page and its CSV export (read-only).

Filters: the actor (e-mail fragment or account id), the action (exact, or a prefix ending in
``.`` or ``*`` such as ``plan.``), the patient (code, hub id, or the ``ER-...`` reference of an
erased patient) and a period of local calendar days. Newest events first.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ...models import AuditEvent, Patient, table_of
from ..errors import Invalid
from ..paging import window

CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor_email",
    "action",
    "patient_id",
    "patient_code",
    "target_type",
    "target_id",
    "ip",
    "details",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    patient: str = ""
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return not (self.actor or self.action or self.patient or self.since or self.until)

    def as_query(self) -> dict[str, str]:
        """The filter as URL query arguments (for links and the CSV export)."""
        out = {
            "actor": self.actor,
            "action": self.action,
            "patient": self.patient,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in out.items() if v}


def _date(args: Mapping[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{name}: {raw!r} is not a date (YYYY-MM-DD)") from None


def parse_filter(args: Mapping[str, str]) -> AuditFilter:
    """A filter from query arguments; :class:`Invalid` names a malformed one."""
    filt = AuditFilter(
        actor=(args.get("actor") or "").strip()[:254],
        action=(args.get("action") or "").strip()[:64],
        patient=(args.get("patient") or "").strip()[:32],
        since=_date(args, "since"),
        until=_date(args, "until"),
    )
    if filt.since and filt.until and filt.until < filt.since:
        raise Invalid(f"until: {filt.until} is before since {filt.since}")
    return filt


def _conditions(session: Session, filt: AuditFilter, tz: ZoneInfo) -> list[Any]:
    conds: list[Any] = []
    if filt.actor:
        if filt.actor.isdigit():
            conds.append(col(AuditEvent.actor_id) == int(filt.actor))
        else:
            conds.append(col(AuditEvent.actor_email).contains(filt.actor.lower(), autoescape=True))
    if filt.action:
        if filt.action.endswith(("*", ".")):
            conds.append(col(AuditEvent.action).startswith(filt.action.rstrip("*"), autoescape=True))
        else:
            conds.append(col(AuditEvent.action) == filt.action)
    if filt.patient:
        ref = filt.patient.upper()
        if ref.startswith("ER-"):
            details = sa.cast(table_of(AuditEvent).c.details, sa.Text)
            conds.append(details.contains(f'"{ref}"', autoescape=True))
        else:
            ids = list(session.exec(select(Patient.id).where(Patient.code == ref)))
            if filt.patient.isdigit():
                ids.append(int(filt.patient))
            conds.append(col(AuditEvent.patient_id).in_(ids or [-1]))
    lo, hi = day_bounds(filt, tz)
    if lo is not None:
        conds.append(col(AuditEvent.created_at) >= lo)
    if hi is not None:
        conds.append(col(AuditEvent.created_at) < hi)
    return conds


def day_bounds(filt: AuditFilter, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The filter's local days ``since``..``until`` (inclusive) as [start, end) instants."""
    lo = datetime.combine(filt.since, time.min, tz) if filt.since else None
    hi = datetime.combine(filt.until + timedelta(days=1), time.min, tz) if filt.until else None
    return lo, hi


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    patient_codes: dict[int, str] = field(default_factory=dict)


def patient_codes(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    """Codes of the (still existing) patients the events mention."""
    ids = {e.patient_id for e in events if e.patient_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(Patient.id, Patient.code).where(col(Patient.id).in_(ids))).all()
    return {pid: code for pid, code in rows if pid is not None}


def search(
    session: Session, *, filt: AuditFilter, tz: ZoneInfo, page: int = 1, per_page: int = 50
) -> AuditPage:
    conds = _conditions(session, filt, tz)
    total = int(session.exec(select(func.count()).select_from(AuditEvent).where(*conds)).one())
    win = window(total, page, per_page)
    events = list(
        session.exec(
            select(AuditEvent)
            .where(*conds)
            .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
            .offset(win.offset)
            .limit(win.limit)
        )
    )
    return AuditPage(
        events=events,
        total=total,
        page=win.page,
        pages=win.pages,
        patient_codes=patient_codes(session, events),
    )


def iter_events(
    session: Session, *, filt: AuditFilter, tz: ZoneInfo, batch: int = 1000
) -> Iterator[tuple[AuditEvent, str]]:
    """Every matching event, newest first, with its patient's code ("" if none or erased);
    read in batches so huge trails stream in constant memory."""
    conds = _conditions(session, filt, tz)
    last_id: int | None = None
    while True:
        stmt = select(AuditEvent).where(*conds)
        if last_id is not None:
            stmt = stmt.where(col(AuditEvent.id) < last_id)
        rows = list(session.exec(stmt.order_by(col(AuditEvent.id).desc()).limit(batch)))
        if not rows:
            return
        codes = patient_codes(session, rows)
        for event in rows:
            yield event, codes.get(event.patient_id or -1, "")
        last_id = rows[-1].id


def _cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(events: Iterator[tuple[AuditEvent, str]]) -> Iterator[str]:
    """The CSV export, one line at a time (header first)."""
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for event, code in events:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    event.id,
                    event.created_at.isoformat(),
                    event.actor_id,
                    event.actor_email,
                    event.action,
                    event.patient_id,
                    code,
                    event.target_type,
                    event.target_id,
                    event.ip,
                    json.dumps(event.details, ensure_ascii=False, sort_keys=True),
                )
            ]
        )
        yield flush()


def known_actions(session: Session) -> list[str]:
    return sorted(session.exec(select(AuditEvent.action).distinct()).all())
