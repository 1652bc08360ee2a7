"""Who looked at a patient's record: every read by a therapist or an administrator.

A read is one page, report, export or API answer that showed the patient's data to someone
else than the patient: the caseload row, the patient page, a session page, the exercise
editor, the devices page, the data-rights and erasure pages, the report (page, PDF, CSV),
the FHIR export and the data archive. Web requests note their reads as they go and write them
all at the end in one INSERT (:mod:`smarttouch.platform.web.record_reads`), committed without
waiting for the disk (:func:`store`), so a page pays one statement, not one per read, and no
disk flush. The patient's own reads are not recorded: the list answers
"who else looked at my record".

The patient reads the list in the portal and in their data archive (:func:`entries_for_patient`,
with each reader's name and role); administrators search it by patient, reader and period
(:func:`search`), where patients appear only by their pseudonymous code. Nobody else, and no
developer, can reach it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ...models import Patient, RecordAccess, Role, User
from ..accounts.audit_search import AuditFilter, day_bounds
from ..paging import window

#: the kinds of read (``RecordAccess.what``); the web layer gives each a label
KINDS = (
    "caseload",
    "patient_page",
    "session_page",
    "plan_editor",
    "devices_page",
    "data_rights_page",
    "erase_page",
    "report_page",
    "report_pdf",
    "report_csv",
    "fhir_export",
    "data_archive",
    "messages",
    "invite_page",
    "pilot_page",
)
#: roles whose reads are recorded (a patient reads only their own record)
RECORDED_ROLES = frozenset({Role.therapist.value, Role.admin.value})


@dataclass(frozen=True)
class Read:
    """One read noted during a request: whose record, what kind, about which row."""

    patient_id: int
    what: str
    target_id: int | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.what not in KINDS:
            raise ValueError(f"unknown kind of read {self.what!r}; add it to access_log.KINDS")


def is_recorded(user: User) -> bool:
    """Whether reads by ``user`` are recorded (staff, not the patient themselves)."""
    return str(user.role) in RECORDED_ROLES


def row_values(
    reads: Iterable[Read], *, actor: User, via: str, ip: str | None, at: datetime
) -> list[dict[str, Any]]:
    """The table rows for ``reads`` by ``actor`` (one per distinct read)."""
    return [
        {
            "patient_id": r.patient_id,
            "actor_id": actor.id,
            "actor_role": str(actor.role),
            "what": r.what,
            "target_id": r.target_id,
            "detail": r.detail[:64],
            "via": via,
            "ip": ip,
            "created_at": at,
        }
        for r in dict.fromkeys(reads)
    ]


def write(connection: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` with one INSERT statement executed for all of them (SQLite's
    ``executemany``; batched multi-row VALUES on PostgreSQL). Not committed."""
    if rows:
        connection.execute(sa.insert(RecordAccess), list(rows))


def store(connection: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert and commit ``rows`` on ``connection`` (outside any other transaction) without
    waiting for the disk to confirm the commit.

    PostgreSQL: ``SET LOCAL synchronous_commit TO OFF`` for this transaction only (a server
    crash may lose the last fraction of a second of reads; the database stays consistent).
    SQLite in WAL mode: ``PRAGMA synchronous = NORMAL`` around this commit, restored after
    (the reads survive a crash of the hub; a power cut may lose those since the last synced
    commit). Other writes keep the engine's durability. On this machine a commit that waits
    for the disk took ~6 ms (median), this one ~0.1 ms.
    """
    if not rows:
        return
    dialect = connection.dialect.name
    before = None
    if dialect == "sqlite":
        before = int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 2)
        connection.exec_driver_sql("PRAGMA synchronous = 1")  # NORMAL
    elif dialect == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    try:
        write(connection, rows)
        connection.commit()
    finally:
        if before is not None:
            connection.rollback()  # nothing is pending after the commit; ends any failed one
            connection.exec_driver_sql(f"PRAGMA synchronous = {before}")
            connection.commit()


@dataclass(frozen=True)
class AccessEntry:
    """A read as the patient and the administrator see it."""

    at: datetime
    reader_id: int | None
    reader_name: str  # the staff member's name ("" if the account is gone)
    reader_role: str
    reader_email: str
    what: str
    target_id: int | None
    detail: str
    via: str
    ip: str | None
    patient_id: int
    patient_code: str


def _entries(session: Session, stmt: Any) -> list[AccessEntry]:
    rows = session.exec(stmt).all()
    return [
        AccessEntry(
            at=r.created_at,
            reader_id=r.actor_id,
            reader_name=name or "",
            reader_role=r.actor_role,
            reader_email=email or "",
            what=r.what,
            target_id=r.target_id,
            detail=r.detail,
            via=r.via,
            ip=r.ip,
            patient_id=r.patient_id,
            patient_code=code,
        )
        for r, name, email, code in rows
    ]


def _select() -> Any:
    return (
        select(RecordAccess, User.full_name, User.email, Patient.code)
        .join(Patient, col(Patient.id) == RecordAccess.patient_id)
        .outerjoin(User, col(User.id) == RecordAccess.actor_id)
    )


def entries_for_patient(session: Session, *, patient_id: int, limit: int | None = 200) -> list[AccessEntry]:
    """Reads of the patient's record, newest first (all of them when ``limit`` is None)."""
    stmt = (
        _select()
        .where(RecordAccess.patient_id == patient_id)
        .order_by(col(RecordAccess.created_at).desc(), col(RecordAccess.id).desc())
    )
    return _entries(session, stmt if limit is None else stmt.limit(limit))


def count_for_patient(session: Session, *, patient_id: int) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(RecordAccess).where(RecordAccess.patient_id == patient_id)
        ).one()
    )


@dataclass(frozen=True)
class DayOfReads:
    """The reads of one kind by one person on one local day, for the patient's list."""

    day: date
    last_at: datetime
    reader_name: str
    reader_role: str
    what: str
    times: int


def by_day(entries: Sequence[AccessEntry], tz: ZoneInfo) -> list[DayOfReads]:
    """``entries`` (newest first) folded into one line per day, reader and kind of read,
    newest first: ten visits of the patient page in a morning are one line, "10 times"."""
    lines: dict[tuple[date, int | None, str], list[AccessEntry]] = {}
    for e in entries:
        lines.setdefault((e.at.astimezone(tz).date(), e.reader_id, e.what), []).append(e)
    return [
        DayOfReads(day, group[0].at, group[0].reader_name, group[0].reader_role, what, len(group))
        for (day, _reader, what), group in lines.items()
    ]


@dataclass
class AccessPage:
    entries: list[AccessEntry]
    total: int
    page: int
    pages: int


def _conditions(session: Session, filt: AuditFilter, tz: ZoneInfo) -> list[Any]:
    """``filt.actor``: the reader (e-mail fragment or account id); ``filt.action``: a kind
    of read; ``filt.patient``: code or hub id; ``since``/``until``: local days."""
    conds: list[Any] = []
    if filt.actor:
        if filt.actor.isdigit():
            conds.append(col(RecordAccess.actor_id) == int(filt.actor))
        else:
            readers = select(User.id).where(col(User.email).contains(filt.actor.lower(), autoescape=True))
            conds.append(col(RecordAccess.actor_id).in_(readers))
    if filt.action:
        conds.append(col(RecordAccess.what) == filt.action)
    if filt.patient:
        ids = list(session.exec(select(Patient.id).where(Patient.code == filt.patient.upper())))
        if filt.patient.isdigit():
            ids.append(int(filt.patient))
        conds.append(col(RecordAccess.patient_id).in_(ids or [-1]))
    lo, hi = day_bounds(filt, tz)
    if lo is not None:
        conds.append(col(RecordAccess.created_at) >= lo)
    if hi is not None:
        conds.append(col(RecordAccess.created_at) < hi)
    return conds


def search(
    session: Session, *, filt: AuditFilter, tz: ZoneInfo, page: int = 1, per_page: int = 50
) -> AccessPage:
    """Reads matching ``filt`` (see :func:`_conditions`), newest first, one page."""
    conds = _conditions(session, filt, tz)
    total = int(session.exec(select(func.count()).select_from(RecordAccess).where(*conds)).one())
    win = window(total, page, per_page)
    stmt = (
        _select()
        .where(*conds)
        .order_by(col(RecordAccess.created_at).desc(), col(RecordAccess.id).desc())
        .offset(win.offset)
        .limit(win.limit)
    )
    return AccessPage(entries=_entries(session, stmt), total=total, page=win.page, pages=win.pages)
