"""Pairing patients' home computers with the hub: one-time codes, device tokens, revocation.

A therapist creates a short-lived, single-use pairing code for one of their patients
(:func:`create_pairing_code`); the patient's client exchanges it once for a random bearer
token (:func:`exchange_pairing_code`) scoped to that patient. Only SHA-256 digests of codes
and tokens are stored. Revoking a device (:func:`revoke_device`) is final. Every change is
audited in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from ...models import Device, PairingCode, Patient, User, pk, rowcount, utcnow
from .. import audit
from ..accounts.bearer_tokens import digest, touch_last_used, well_formed
from ..errors import Invalid, NotFound
from .patients import get_patient_for, require_own_patient

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
CODE_LENGTH = 8  # 22**8 ~ 5e10 codes, shown as XXXX-XXXX
PAIRING_TTL = timedelta(minutes=15)
TOKEN_PREFIX = "stt_"


class PairingError(Invalid):
    """The pairing code is unknown, expired or already used."""

    code = "invalid_pairing_code"


def normalise_code(code: str) -> str:
    """Upper-case, without spaces and dashes (what the patient types may vary)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


def create_pairing_code(
    session: Session, *, actor: User, patient_id: int, ttl: timedelta = PAIRING_TTL, ip: str | None = None
) -> tuple[str, datetime]:
    """A new one-time code for the actor's own patient; returns ``(code, expires_at)``.

    Earlier unused codes of the patient stop working, so only the newest code pairs.
    """
    patient = get_patient_for(session, user=actor, patient_id=patient_id)
    require_own_patient(actor, patient)
    now = utcnow()
    session.execute(
        update(PairingCode)
        .where(
            col(PairingCode.patient_id) == patient.id,
            col(PairingCode.used_at).is_(None),
            col(PairingCode.expires_at) > now,
        )
        .values(expires_at=now)
    )
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = PairingCode(
        patient_id=pk(patient),
        code_hash=digest(raw),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="device.pairing_code_created",
        actor=actor,
        patient_id=patient.id,
        target_type="pairing_code",
        target_id=row.id,
        details={"expires_at": row.expires_at},
        ip=ip,
    )
    session.commit()
    return format_code(raw), row.expires_at


def exchange_pairing_code(
    session: Session, *, code: str, label: str = "", ip: str | None = None
) -> tuple[str, Device]:
    """Trade a pairing code for a device token; returns ``(token, device)``.

    The code is consumed atomically (a concurrent second exchange of the same code fails).
    Raises :class:`PairingError` for an unknown, expired or used code.
    """
    raw = normalise_code(code)
    if len(raw) != CODE_LENGTH:
        raise PairingError(f"a pairing code has {CODE_LENGTH} letters and digits, like ABCD-3479")
    row = session.exec(select(PairingCode).where(PairingCode.code_hash == digest(raw))).first()
    now = utcnow()
    if row is None:
        raise PairingError("pairing code not recognised: check it or ask your therapist for a new one")
    if row.used_at is not None:
        raise PairingError("this pairing code was already used: ask your therapist for a new one")
    if row.expires_at <= now:
        raise PairingError("this pairing code has expired: ask your therapist for a new one")
    claimed = session.execute(
        update(PairingCode)
        .where(col(PairingCode.id) == row.id, col(PairingCode.used_at).is_(None))
        .values(used_at=now)
    )
    if rowcount(claimed) != 1:
        session.rollback()
        raise PairingError("this pairing code was already used: ask your therapist for a new one")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(
        patient_id=row.patient_id,
        label=label.strip()[:120],
        token_hash=digest(token),
        token_prefix=token[:12],
        created_by_id=row.created_by_id,
        created_at=now,
        last_seen_at=now,
    )
    session.add(device)
    session.flush()
    session.execute(update(PairingCode).where(col(PairingCode.id) == row.id).values(device_id=device.id))
    audit.record(
        session,
        action="device.paired",
        patient_id=row.patient_id,
        target_type="device",
        target_id=device.id,
        details={"label": device.label, "token_prefix": device.token_prefix},
        ip=ip,
    )
    session.commit()
    session.refresh(device)
    return token, device


#: The device holding a token, its patient and its revocation time, in one round trip (every
#: API request makes it); built once, since SQLAlchemy constructs cost CPU on every request.
#: The revocation time is read as a column, fresh from the database even when the session
#: already holds the device: a revoked token stops working at once without making the ORM
#: overwrite every loaded object (``populate_existing``, which costs a request 0.1 ms).
_BY_TOKEN = (
    select(Device, Patient, col(Device.revoked_at))
    .join(Patient, col(Patient.id) == col(Device.patient_id))
    .where(col(Device.token_hash) == bindparam("token_hash"))
)


def device_for_token(session: Session, *, token: str) -> tuple[Device, Patient] | None:
    """The unrevoked device holding ``token`` and its patient, else None.

    Notes when the device was last seen (at most once a minute, to spare the database).
    """
    if not well_formed(token, TOKEN_PREFIX):
        return None
    found = session.exec(_BY_TOKEN, params={"token_hash": digest(token)}).first()
    if found is None or found[2] is not None:
        return None
    device, patient, _ = found
    touch_last_used(session, device, "last_seen_at")
    return device, patient


def list_devices(session: Session, *, actor: User, patient_id: int) -> list[Device]:
    """The patient's devices, newest first (revoked ones included), for anyone who may see
    the patient."""
    patient = get_patient_for(session, user=actor, patient_id=patient_id)
    return list(
        session.exec(
            select(Device)
            .where(Device.patient_id == patient.id)
            .order_by(col(Device.created_at).desc(), col(Device.id).desc())
        )
    )


def revoke_device(session: Session, *, actor: User, device_id: int, ip: str | None = None) -> Device:
    """Revoke a device of the actor's own patient; its token stops working at once.

    Revoking twice is harmless (the first revocation time is kept).
    """
    device = session.get(Device, device_id)
    patient = session.get(Patient, device.patient_id) if device is not None else None
    if device is None or patient is None:
        raise NotFound(f"device {device_id} not found")
    try:
        get_patient_for(session, user=actor, patient_id=pk(patient))
        require_own_patient(actor, patient)
    except NotFound:
        raise NotFound(f"device {device_id} not found") from None
    if device.revoked_at is not None:
        return device
    device.revoked_at = utcnow()
    session.add(device)
    audit.record(
        session,
        action="device.revoked",
        actor=actor,
        patient_id=patient.id,
        target_type="device",
        target_id=device.id,
        details={"label": device.label, "token_prefix": device.token_prefix},
        ip=ip,
    )
    session.commit()
    session.refresh(device)
    return device
