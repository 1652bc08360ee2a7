"""The message thread between a patient and their therapist.

Only the two sides read and write a thread: the patient's own therapist and the patient's
own account (anyone else gets :class:`NotFound`, so a thread's existence does not leak).
Reading a thread marks the other side's messages read; the game client reads the
therapist's recent messages with the plan and marks them read through the device API. Every
message sent is audited in the same transaction (the audit line holds its id and length, not
its words, so the trail does not copy the conversation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from ...models import Message, Patient, Role, User, pk, rowcount, utcnow
from .. import audit
from ..errors import Invalid, NotFound

MAX_BODY = 2000
#: How far back the game client shows the therapist's messages.
DEVICE_WINDOW = timedelta(days=14)
DEVICE_MESSAGES = 3


def side_of(user: User, patient: Patient) -> str:
    """``therapist`` or ``patient``: the side ``user`` writes on in ``patient``'s thread;
    :class:`NotFound` for anyone else (admins included)."""
    if user.role == Role.therapist and patient.therapist_id == user.id:
        return Role.therapist.value
    if user.role == Role.patient and patient.user_id is not None and patient.user_id == user.id:
        return Role.patient.value
    raise NotFound(f"patient {patient.id} not found")


def _other(side: str) -> str:
    return Role.patient.value if side == Role.therapist.value else Role.therapist.value


def clean_body(body: str | None) -> str:
    """The message text trimmed; :class:`Invalid` when empty or too long."""
    text = (body or "").strip()
    if not text:
        raise Invalid("body: the message is empty")
    if len(text) > MAX_BODY:
        raise Invalid(f"body: at most {MAX_BODY} characters")
    return text


def send(session: Session, *, sender: User, patient: Patient, body: str, ip: str | None = None) -> Message:
    """Add a message to ``patient``'s thread from ``sender`` (either side); audited."""
    side = side_of(sender, patient)
    text = clean_body(body)
    message = Message(patient_id=pk(patient), sender_id=sender.id, sender_role=side, body=text)
    session.add(message)
    session.flush()
    audit.record(
        session,
        action="message.sent",
        actor=sender,
        patient_id=patient.id,
        target_type="message",
        target_id=message.id,
        details={"from": side, "length": len(text)},
        ip=ip,
    )
    session.commit()
    session.refresh(message)
    return message


def read_thread(session: Session, *, reader: User, patient: Patient, limit: int = 200) -> list[Message]:
    """The thread, oldest first (the newest ``limit``); the other side's unread messages
    become read."""
    side = side_of(reader, patient)
    now = utcnow()
    changed = session.execute(
        update(Message)
        .where(
            col(Message.patient_id) == patient.id,
            col(Message.sender_role) == _other(side),
            col(Message.read_at).is_(None),
        )
        .values(read_at=now)
    )
    if rowcount(changed):
        session.commit()
    rows = session.exec(
        select(Message)
        .where(Message.patient_id == patient.id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
        .execution_options(populate_existing=True)
    ).all()
    return list(reversed(rows))


def unread_count(session: Session, *, user: User) -> int:
    """Messages waiting for ``user``: from their patients (therapist) or from their
    therapist (patient)."""
    stmt = select(func.count()).select_from(Message).join(Patient, col(Patient.id) == Message.patient_id)
    if user.role == Role.therapist:
        stmt = stmt.where(Patient.therapist_id == user.id, Message.sender_role == Role.patient.value)
    elif user.role == Role.patient:
        stmt = stmt.where(Patient.user_id == user.id, Message.sender_role == Role.therapist.value)
    else:
        return 0
    return int(session.exec(stmt.where(col(Message.read_at).is_(None))).one())


def unread_from_patient(session: Session, *, patient_id: int) -> int:
    """The patient's messages their therapist has not read yet."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Message)
            .where(
                Message.patient_id == patient_id,
                Message.sender_role == Role.patient.value,
                col(Message.read_at).is_(None),
            )
        ).one()
    )


@dataclass(frozen=True)
class ThreadSummary:
    patient: Patient
    unread: int
    last_at: datetime
    last_from: str


def inbox(session: Session, *, therapist: User) -> list[ThreadSummary]:
    """The therapist's threads with any message, unread first, then the most recent."""
    if therapist.role != Role.therapist:
        return []
    rows = session.exec(
        select(Message, Patient)
        .join(Patient, col(Patient.id) == Message.patient_id)
        .where(Patient.therapist_id == therapist.id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    by_patient: dict[int, ThreadSummary] = {}
    for message, patient in rows:
        earlier = by_patient.get(pk(patient))
        unread = (earlier.unread if earlier else 0) + (
            1 if message.sender_role == Role.patient and message.read_at is None else 0
        )
        by_patient[pk(patient)] = ThreadSummary(patient, unread, message.created_at, message.sender_role)
    return sorted(by_patient.values(), key=lambda t: (t.unread == 0, -t.last_at.timestamp()))


def for_device(session: Session, *, patient: Patient) -> list[Message]:
    """The therapist's newest messages of the last :data:`DEVICE_WINDOW`, oldest first, for
    the game client to show before the session."""
    since = utcnow() - DEVICE_WINDOW
    rows = session.exec(
        select(Message)
        .where(
            Message.patient_id == patient.id,
            Message.sender_role == Role.therapist.value,
            col(Message.created_at) >= since,
        )
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(DEVICE_MESSAGES)
    ).all()
    return list(reversed(rows))


def mark_read_on_device(session: Session, *, patient: Patient, up_to_id: int) -> int:
    """The game client showed the therapist's messages up to ``up_to_id``: mark them read.
    Returns how many changed."""
    changed = session.execute(
        update(Message)
        .where(
            col(Message.patient_id) == patient.id,
            col(Message.sender_role) == Role.therapist.value,
            col(Message.id) <= up_to_id,
            col(Message.read_at).is_(None),
        )
        .values(read_at=utcnow())
    )
    session.commit()
    return rowcount(changed)
