"""The right of access and portability (GDPR Art. 15 and 20): one archive of all a patient's data.

:func:`write_archive` writes a ZIP holding the profile (with the linked account), the plan,
every session with its metrics, the raw recordings from the blob store (``.npz`` as stored
and ``.csv`` for any spreadsheet), paired devices, alerts, research consents and donations,
the audit entries about the patient, the identified HL7 FHIR bundle, and rows of any other
table that refers to the patient or their sessions. ``manifest.json`` lists every file with
its SHA-256. Secrets (password and token hashes) are never exported. The export is audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from ...models import (
    Activity,
    Alert,
    Assignment,
    AuditEvent,
    Device,
    DonatedSession,
    ExerciseSession,
    Patient,
    ResearchConsent,
    Role,
    SessionMetricsRecord,
    User,
    pk,
    utcnow,
)
from ...storage.blobstore import BlobNotFound, BlobStore
from .. import audit
from ..clinic import plan_versions
from ..errors import NotFound
from . import access_log, erasure, fhir_export
from .fhir.codes import DEFAULT_BASE

ARCHIVE_FORMAT = "smarttouch-data-export/1"
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "code_hash"})
KNOWN_TABLES = frozenset(
    {
        "patient",
        "assignment",
        "exercise_session",
        "session_metrics",
        "device",
        "alert",
        "research_consent",
        "donated_session",
        "audit_event",
        "pairing_code",
        "record_access",
    }
)
SESSION_CSV_COLUMNS = (
    "client_uuid",
    "started_at",
    "ended_at",
    "status",
    "movement",
    "quit_reason",
    "game_score",
    "reps",
    "rom_deg",
    "rom_deg_mean",
    "peak_speed_dps",
    "sparc",
    "ldlj",
    "tremor_power_ratio",
    "tremor_freq_hz",
    "duration_s",
    "active_time_s",
    "recording",
)

README = """SmartTouch - your data / i tuoi dati
====================================

This archive holds everything the SmartTouch hub stores about patient {code}, exported on
{date}. Units: angles in degrees, angular speed in degrees per second, durations in seconds,
acceleration in g, SPARC and tremor power ratio are dimensionless.

  profile.json        your record and account (no password)
  plan.json           the exercises your therapist assigned, with every version of
                      each (what was prescribed, and from which day to which day)
  sessions.json/.csv  every session and the metrics computed from its recording
  recordings/         the raw movement recordings (.npz as stored, .csv for spreadsheets:
                      t [s], ax ay az [g], gx gy gz [deg/s])
  devices.json        the computers paired with your account (no access tokens)
  alerts.json         alerts raised for your therapist
  research.json       research consents and donated sessions
  audit.json/.csv     who did what with your record, and when
  access.json/.csv    who looked at your record (staff name and role), what and when
  fhir.json           the same plan and metrics as an HL7 FHIR R4 Bundle
  other/              rows of further tables that refer to you
  manifest.json       every file with its SHA-256 checksum

Questo archivio contiene tutti i dati che l'hub SmartTouch conserva sul paziente {code},
esportati il {date}: profilo, piano di esercizi, sessioni con le metriche, registrazioni
grezze del movimento, dispositivi, avvisi, consensi, registro delle attivita' (audit),
l'elenco di chi ha consultato la tua scheda (access) e lo stesso contenuto in formato
HL7 FHIR R4. Il file manifest.json elenca ogni file con il suo
codice di controllo SHA-256.
"""


@dataclass
class ArchiveSummary:
    """What :func:`write_archive` wrote."""

    files: list[str] = field(default_factory=list)
    sessions: int = 0
    recordings: int = 0
    missing_recordings: list[str] = field(default_factory=list)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=_json_default).encode("utf-8")


def row_dict(row: SQLModel) -> dict[str, Any]:
    """A table row as a dict, without secret columns."""
    return {k: v for k, v in row.model_dump().items() if k not in SECRET_COLUMNS}


def may_download(actor: User | None, patient: Patient) -> bool:
    """The patient, their therapist, an administrator, or the operator's CLI (None)."""
    if actor is None or actor.role == Role.admin:
        return True
    if actor.role == Role.therapist:
        return patient.therapist_id == actor.id
    return actor.role == Role.patient and patient.user_id == actor.id


def audit_events_about(session: Session, *, patient: Patient) -> list[AuditEvent]:
    """Events about the patient, done by or about their account, or mentioning their code or
    e-mail (e.g. failed logins); oldest first. Names are not matched: another person may share
    them, and their events must not leak into this archive."""
    account = session.get(User, patient.user_id) if patient.user_id else None
    exact = [patient.code] + ([account.email] if account is not None else [])
    cond = (col(AuditEvent.patient_id) == patient.id) | erasure.mentions(exact)
    if account is not None:
        cond = (
            cond
            | (col(AuditEvent.actor_id) == account.id)
            | ((col(AuditEvent.target_type) == "user") & (col(AuditEvent.target_id) == account.id))
        )
    return list(
        session.exec(select(AuditEvent).where(cond).order_by(col(AuditEvent.created_at), col(AuditEvent.id)))
    )


def _rows_referring(session: Session, table: sa.Table, referred: str, ids: list[int]) -> list[dict[str, Any]]:
    """Rows of ``table`` whose foreign key to ``referred`` is in ``ids``."""
    cols = [fk.parent for fk in table.foreign_keys if fk.column.table.name == referred]
    if not cols or not ids:
        return []
    cond = sa.or_(*[c.in_(ids) for c in cols])
    rows = session.execute(sa.select(table).where(cond)).mappings().all()
    return [{k: v for k, v in r.items() if k not in SECRET_COLUMNS} for r in rows]


class _Zip:
    """A ZIP being written, remembering each member's checksum for the manifest."""

    def __init__(self, out: IO[bytes]) -> None:
        self.zf = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.sums: dict[str, dict[str, Any]] = {}

    def add(self, name: str, data: bytes, *, compress: bool = True) -> None:
        self.zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
        self.sums[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    def close(self, manifest: dict[str, Any]) -> None:
        self.zf.writestr("manifest.json", _dump({**manifest, "files": self.sums}))
        self.zf.close()


def _sessions_csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SESSION_CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        flat = {**r, **(r.get("metrics") or {})}
        writer.writerow({k: flat.get(k) for k in SESSION_CSV_COLUMNS})
    return buf.getvalue().encode("utf-8")


def _audit_csv(events: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["created_at", "actor_email", "action", "target_type", "target_id", "details"])
    for e in events:
        writer.writerow(
            [
                e["created_at"].isoformat(),
                e["actor_email"] or "",
                e["action"],
                e["target_type"] or "",
                e["target_id"] or "",
                json.dumps(e["details"], ensure_ascii=False, sort_keys=True),
            ]
        )
    return buf.getvalue().encode("utf-8")


ACCESS_CSV_COLUMNS = ("at", "reader_name", "reader_role", "what", "target_id", "detail", "via")


def _read_dict(entry: access_log.AccessEntry) -> dict[str, Any]:
    """A read of the record as the patient gets it: who (name and role), what, when."""
    return {k: getattr(entry, k) for k in ACCESS_CSV_COLUMNS}


def _access_csv(reads: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ACCESS_CSV_COLUMNS)
    writer.writeheader()
    for row in reads:
        writer.writerow({**row, "at": row["at"].isoformat()})
    return buf.getvalue().encode("utf-8")


def _recording_csv(data: bytes) -> bytes | None:
    from smarttouch.sensors.recording_io import RecordingError, recording_from_bytes, save_recording

    try:
        rec = recording_from_bytes(data)
        with tempfile.TemporaryDirectory() as tmp:
            path = save_recording(rec, Path(tmp) / "r.csv")
            return path.read_bytes()
    except RecordingError:
        return None


def write_archive(
    session: Session,
    *,
    patient: Patient,
    actor: User | None,
    store: BlobStore,
    out: IO[bytes],
    today: date,
    tz: ZoneInfo = ZoneInfo("UTC"),
    base: str = DEFAULT_BASE,
    via: str = "web",
    ip: str | None = None,
    commit: bool = True,
) -> ArchiveSummary:
    """Write the patient's complete data archive (ZIP) to ``out``; audited as
    ``data.exported``. :class:`NotFound` if ``actor`` may not download it."""
    if not may_download(actor, patient):
        raise NotFound(f"patient {patient.id} not found")
    summary = ArchiveSummary()
    zf = _Zip(out)
    zf.add("README.txt", README.format(code=patient.code, date=today.isoformat()).encode())

    therapist = session.get(User, patient.therapist_id)
    account = session.get(User, patient.user_id) if patient.user_id else None
    profile = {
        "patient": row_dict(patient),
        "therapist": {"full_name": therapist.full_name, "email": therapist.email} if therapist else None,
        "account": row_dict(account) if account else None,
    }
    zf.add("profile.json", _dump(profile))

    plan = session.exec(
        select(Assignment, Activity)
        .join(Activity, col(Activity.id) == Assignment.activity_id)
        .where(Assignment.patient_id == patient.id)
        .order_by(col(Assignment.start_date), col(Assignment.id))
    ).all()
    versions = plan_versions.versions_for(session, [pk(a) for a, _ in plan])
    zf.add(
        "plan.json",
        _dump(
            [
                {
                    **row_dict(a),
                    "activity": {"key": act.key, "title": act.title},
                    "versions": [row_dict(v) for v in versions[pk(a)]],
                }
                for a, act in plan
            ]
        ),
    )

    sessions = session.exec(
        select(ExerciseSession, SessionMetricsRecord)
        .join(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id, isouter=True)
        .where(ExerciseSession.patient_id == patient.id)
        .order_by(col(ExerciseSession.started_at), col(ExerciseSession.id))
    ).all()
    session_rows = []
    for s, m in sessions:
        entry = {**row_dict(s), "metrics": row_dict(m) if m else None, "recording": None}
        if s.recording_sha256:
            try:
                data = store.get(s.recording_sha256)
            except BlobNotFound:
                summary.missing_recordings.append(s.recording_sha256)
            else:
                entry["recording"] = f"recordings/{s.client_uuid}.npz"
                zf.add(entry["recording"], data, compress=False)
                as_csv = _recording_csv(data)
                if as_csv is not None:
                    zf.add(f"recordings/{s.client_uuid}.csv", as_csv)
                summary.recordings += 1
        session_rows.append(entry)
    summary.sessions = len(session_rows)
    zf.add("sessions.json", _dump(session_rows))
    zf.add("sessions.csv", _sessions_csv(session_rows))

    devices = session.exec(select(Device).where(Device.patient_id == patient.id)).all()
    zf.add("devices.json", _dump([row_dict(d) for d in devices]))
    alerts = session.exec(select(Alert).where(Alert.patient_id == patient.id)).all()
    zf.add("alerts.json", _dump([row_dict(a) for a in alerts]))
    consents = session.exec(select(ResearchConsent).where(ResearchConsent.patient_id == patient.id)).all()
    session_ids = [pk(s) for s, _ in sessions]
    donated = session.exec(
        select(DonatedSession).where(col(DonatedSession.session_id).in_(session_ids))
    ).all()
    zf.add(
        "research.json",
        _dump(
            {"consents": [row_dict(c) for c in consents], "donated_sessions": [row_dict(d) for d in donated]}
        ),
    )

    events = [row_dict(e) for e in audit_events_about(session, patient=patient)]
    zf.add("audit.json", _dump(events))
    zf.add("audit.csv", _audit_csv(events))
    reads = [
        _read_dict(e) for e in access_log.entries_for_patient(session, patient_id=pk(patient), limit=None)
    ]
    zf.add("access.json", _dump(reads))
    zf.add("access.csv", _access_csv(reads))

    bundle = fhir_export.export_bundle(
        session,
        patient=patient,
        actor=None,
        store=store,
        today=today,
        identified=True,
        tz=tz,
        base=base,
        via="archive",
        commit=False,
        record_audit=False,
    )
    zf.add("fhir.json", fhir_export.bundle_json(bundle).encode("utf-8"))

    for table in SQLModel.metadata.sorted_tables:
        if table.name in KNOWN_TABLES:
            continue
        rows = _rows_referring(session, table, "patient", [pk(patient)]) + _rows_referring(
            session, table, "exercise_session", session_ids
        )
        if rows:
            zf.add(f"other/{table.name}.json", _dump(rows))

    summary.files = sorted([*zf.sums, "manifest.json"])
    zf.close(
        {
            "format": ARCHIVE_FORMAT,
            "patient_code": patient.code,
            "created_at": utcnow().isoformat(timespec="seconds"),
        }
    )
    audit.record(
        session,
        action="data.exported",
        actor=actor,
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        ip=ip,
        details={
            "via": via,
            "sessions": summary.sessions,
            "recordings": summary.recordings,
            "missing_recordings": len(summary.missing_recordings),
        },
    )
    if commit:
        session.commit()
    return summary
