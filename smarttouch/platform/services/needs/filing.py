"""Filing, reading and supporting clinical needs.

A therapist files a need: the condition (the hub's condition vocabulary), the movement
(optional, the movement vocabulary), the problem, what success would look like and the data
that could help. Every field is checked at once; on bad input :class:`NeedInvalid` names each
field with a code and nothing is stored. Once filed, the challenge managers are told. Therapists read every need and support the others'
(a +1 that subscribes them to its news); challenge managers read them all too. Developers and
patients get :class:`Forbidden`. Every change is audited (lengths, never the words)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ...i18n.vocab import MOVEMENTS
from ...models import (
    ClinicalNeed,
    Condition,
    NeedStatus,
    NeedSupport,
    Role,
    User,
    pk,
    utcnow,
)
from .. import audit
from ..accounts.permissions import can_manage_challenges, can_read_needs
from ..errors import Forbidden, Invalid, NotFound
from .notices import NeedNotice, Notify, deliver, managers
from .privacy import names_a_patient

#: Longest text of each free-text field.
MAX_TEXT = 2000
TEXT_FIELDS = ("problem", "success", "data_help")
REQUIRED_TEXT = ("problem", "success")


class NeedInvalid(Invalid):
    """Bad input: ``errors`` maps each field to a code (``required``, ``too_long``,
    ``unknown``, ``names_patient``)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {code}" for field, code in errors.items()))
        self.errors = errors


def require_reader(user: User) -> None:
    if not can_read_needs(user):
        raise Forbidden("only therapists and challenge managers read clinical needs")


def require_manager(user: User) -> None:
    if not can_manage_challenges(user):
        raise Forbidden("only challenge managers change a need's status")


def _require_therapist(user: User) -> None:
    if user.role != Role.therapist:
        raise Forbidden("only therapists file and support clinical needs")


def text_errors(
    session: Session, *, author: User, texts: dict[str, str], required: tuple[str, ...]
) -> dict[str, str]:
    """Codes for the free-text fields: empty where required, too long, or naming a patient."""
    errors = {}
    for name, text in texts.items():
        if not text and name in required:
            errors[name] = "required"
        elif len(text) > MAX_TEXT:
            errors[name] = "too_long"
    for name in names_a_patient(session, author=author, texts=texts):
        errors.setdefault(name, "names_patient")
    return errors


def clean_need(
    session: Session,
    *,
    author: User,
    condition: str | None,
    movement: str | None,
    texts: dict[str, str | None],
) -> tuple[str, str | None, dict[str, str]]:
    """The need's fields trimmed and checked; :class:`NeedInvalid` with every bad field."""
    errors: dict[str, str] = {}
    condition = (condition or "").strip()
    if not condition:
        errors["condition"] = "required"
    elif condition not in Condition.__members__:
        errors["condition"] = "unknown"
    movement = (movement or "").strip() or None
    if movement is not None and movement not in MOVEMENTS:
        errors["movement"] = "unknown"
    cleaned = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    errors.update(text_errors(session, author=author, texts=cleaned, required=REQUIRED_TEXT))
    if errors:
        raise NeedInvalid(errors)
    return condition, movement, cleaned


def propose(
    session: Session,
    *,
    therapist: User,
    condition: str | None,
    movement: str | None,
    problem: str | None,
    success: str | None,
    data_help: str | None = "",
    notify: Notify | None = None,
    ip: str | None = None,
) -> ClinicalNeed:
    """File a need as ``therapist`` (who is subscribed to it as its proposer); audited. The
    challenge managers and administrators (not the proposer) are told through ``notify``."""
    _require_therapist(therapist)
    condition, movement, texts = clean_need(
        session,
        author=therapist,
        condition=condition,
        movement=movement,
        texts={"problem": problem, "success": success, "data_help": data_help},
    )
    need = ClinicalNeed(
        condition=condition,
        movement=movement,
        proposer_id=pk(therapist),
        problem=texts["problem"],
        success=texts["success"],
        data_help=texts["data_help"],
    )
    session.add(need)
    session.flush()
    audit.record(
        session,
        action="need.proposed",
        actor=therapist,
        target_type="clinical_need",
        target_id=need.id,
        details={
            "condition": condition,
            "movement": movement,
            "lengths": {k: len(v) for k, v in texts.items()},
        },
        ip=ip,
    )
    session.commit()
    session.refresh(need)
    deliver(
        notify,
        NeedNotice(
            kind=NeedStatus.proposed.value,
            need_id=pk(need),
            actor_name=therapist.full_name,
            recipients=managers(session, exclude=therapist),
            detail=need.problem,
        ),
    )
    return need


def get_need(session: Session, need_id: int) -> ClinicalNeed:
    """The need ``need_id``; :class:`NotFound` when there is none (no permission check: the
    caller has checked who is asking)."""
    need = session.get(ClinicalNeed, need_id)
    if need is None:
        raise NotFound(f"no clinical need {need_id}")
    return need


def need_for(session: Session, *, user: User, need_id: int) -> ClinicalNeed:
    """The need ``need_id`` as ``user`` may read it (:class:`Forbidden` for developers and patients)."""
    require_reader(user)
    return get_need(session, need_id)


def supporters(session: Session, need: ClinicalNeed) -> list[User]:
    """The therapists who support ``need``, in the order they did."""
    return list(
        session.exec(
            select(User)
            .join(NeedSupport, col(NeedSupport.user_id) == col(User.id))
            .where(NeedSupport.need_id == need.id)
            .order_by(col(NeedSupport.created_at), col(NeedSupport.id))
        )
    )


def proposer_of(session: Session, need: ClinicalNeed) -> User | None:
    return session.get(User, need.proposer_id) if need.proposer_id is not None else None


def can_support(user: User, need: ClinicalNeed) -> bool:
    """Therapists other than the proposer, while the need is still open."""
    return (
        user.role == Role.therapist
        and user.id != need.proposer_id
        and need.status not in (NeedStatus.declined, NeedStatus.answered)
    )


def _support_row(session: Session, user: User, need: ClinicalNeed) -> NeedSupport | None:
    return session.exec(
        select(NeedSupport).where(NeedSupport.need_id == need.id, NeedSupport.user_id == user.id)
    ).first()


def support(session: Session, *, user: User, need: ClinicalNeed, ip: str | None = None) -> bool:
    """``user`` supports ``need`` (and hears of its news); False when they already did."""
    _require_therapist(user)
    if not can_support(user, need):
        raise Invalid("support: the proposer, and needs declined or answered, take no support")
    if _support_row(session, user, need) is not None:
        return False
    session.add(NeedSupport(need_id=pk(need), user_id=pk(user)))
    audit.record(
        session, action="need.supported", actor=user, target_type="clinical_need", target_id=need.id, ip=ip
    )
    try:
        session.commit()
    except IntegrityError:  # the same +1 from another tab, a moment earlier
        session.rollback()
        return False
    return True


def withdraw_support(session: Session, *, user: User, need: ClinicalNeed, ip: str | None = None) -> bool:
    """``user`` no longer supports ``need``; False when they did not."""
    _require_therapist(user)
    row = _support_row(session, user, need)
    if row is None:
        return False
    session.delete(row)
    audit.record(
        session,
        action="need.support_withdrawn",
        actor=user,
        target_type="clinical_need",
        target_id=need.id,
        ip=ip,
    )
    session.commit()
    return True


def touch_status(need: ClinicalNeed, status: NeedStatus) -> None:
    need.status = status.value
    need.status_changed_at = utcnow()
