"""Creating a pilot, inviting patients, their consent and withdrawal, closing; who sees what.

* **Create** (:func:`create_pilot`): a therapist or a challenge manager pilots one approved
  game (its catalogue activity ``solution-<id>``) for one condition and movement, against the
  built-in game for that movement (patients randomised 1:1) or the patients' own previous
  weeks. Every field is checked first; all problems are raised together as
  :class:`PilotInvalid` (one translated message per field) and nothing is stored.
* **Invite** (:func:`invite`): the patient's own therapist invites a patient who meets the
  inclusion (the pilot's condition; for an ``own_baseline`` pilot, sessions of the movement
  in the :data:`BASELINE_WEEKS` weeks before, or there is nothing to compare with).
* **Consent** (:func:`record_consent`): the patient in the portal, or their therapist
  recording a signed paper consent (a note saying which form is required). Consent fixes the
  arm (permuted blocks of two from the pilot's seed, in consent order: balanced, reproducible,
  recorded with its position) and adds the arm's game to the patient's plan through the plan
  service (:func:`..clinic.plans.create_assignment`, audited) from that day to the pilot's end.
* **Withdraw** (:func:`withdraw`): the patient at any time, or their therapist with a reason.
  Sessions after the withdrawal are not counted; the plan itself is the therapist's to change.

Only consented, not withdrawn enrolments count (:func:`counted`), and only sessions between
consent and withdrawal (or the pilot's end). Every change is audited (``pilot.*``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ...i18n.vocab import MOVEMENTS
from ...models import (
    Activity,
    Condition,
    Patient,
    Pilot,
    PilotComparator,
    PilotEnrolment,
    PilotStatus,
    Role,
    User,
    pk,
    utcnow,
)
from .. import audit
from ..accounts.permissions import can_manage_challenges
from ..challenges.public import approved_solution
from ..challenges.review import activity_key
from ..errors import Forbidden, Invalid, NotFound

TITLE_MAX = 160
QUESTION_MAX = 5000
CONSENT_MIN = 20
CONSENT_MAX = 20000
NOTE_MAX = 500
REASON_MAX = 1000
TARGET_RANGE = (2, 500)
MIN_DAYS = 7
"""shortest pilot: one week from start to end"""
BASELINE_WEEKS = 4
"""own_baseline pilots compare with the patient's sessions of the movement in these weeks
before consent"""
BLOCK = 2
"""allocation block size (builtin_game): each block holds one patient of each arm"""
DEFAULT_TERMS: dict[str, Any] = {"target_rom_deg": 60.0, "reps": 10, "sets": 1, "sessions_per_week": 5}


class PilotInvalid(Invalid):
    """Bad pilot input: ``fields`` maps each form field to its translated (lazy) message;
    ``message`` is the English ``field: message; ...`` line other errors use."""

    def __init__(self, fields: dict[str, Any], english: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in english.items()))
        self.fields = fields


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.english: dict[str, str] = {}

    def add(self, field: str, message: Any, english: str) -> None:
        if field not in self.fields:
            self.fields[field] = message
            self.english[field] = english

    def raise_if_any(self) -> None:
        if self.fields:
            raise PilotInvalid(self.fields, self.english)


def _invalid(field: str, message: Any, english: str) -> PilotInvalid:
    return PilotInvalid({field: message}, {field: english})


@dataclass
class PilotForm:
    """What a pilot's creator fills in (the web form's cleaned data)."""

    title: str
    question: str
    solution_id: int | None
    comparator: str
    condition: str
    movement: str
    starts_on: date | None
    ends_on: date | None
    target_patients: int | None
    consent_text: str
    comparator_activity_key: str | None = None
    """builtin_game only: which built-in game (default: the first that trains the movement)"""


# ------------------------------------------------------------------ who may do what
def can_create(user: User | None) -> bool:
    """Therapists and challenge managers (and administrators) create pilots."""
    return user is not None and (user.role == Role.therapist or can_manage_challenges(user))


def can_manage(user: User | None, pilot: Pilot) -> bool:
    """The pilot's creator, challenge managers and administrators close it and are notified."""
    return user is not None and (user.id == pilot.created_by_id or can_manage_challenges(user))


def can_view(viewer: User | None, pilot: Pilot, identified: bool = False) -> bool:
    """Whether ``viewer`` may read the pilot's page.

    ``identified=False`` (pseudonyms only): therapists, challenge managers and administrators
    always; anyone (None, the public, developers, patients) once it is closed, as the
    anonymised summary. ``identified=True`` (the page naming patients): therapists only, and
    each patient is then named only to their own therapist (:func:`may_identify`)."""
    if identified:
        return viewer is not None and viewer.role == Role.therapist
    if pilot.status == PilotStatus.closed:
        return True
    return viewer is not None and (
        viewer.role in (Role.therapist, Role.admin) or can_manage_challenges(viewer)
    )


def may_identify(viewer: User | None, patient: Patient) -> bool:
    """A patient is named in a pilot only to their own therapist."""
    return viewer is not None and viewer.role == Role.therapist and patient.therapist_id == viewer.id


# ------------------------------------------------------------------ reading
def get_pilot(
    session: Session, pilot_id: int, *, viewer: User | None = None, identified: bool = False
) -> Pilot:
    """The pilot when ``viewer`` may see it (:func:`can_view`); :class:`NotFound` otherwise."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or not can_view(viewer, pilot, identified):
        raise NotFound(f"pilot {pilot_id} not found")
    return pilot


def list_pilots(session: Session, *, viewer: User | None, solution_id: int | None = None) -> list[Pilot]:
    """The pilots ``viewer`` may see, newest first (only one solution's when given)."""
    stmt = select(Pilot).order_by(col(Pilot.created_at).desc(), col(Pilot.id).desc())
    if solution_id is not None:
        stmt = stmt.where(Pilot.solution_id == solution_id)
    return [p for p in session.exec(stmt) if can_view(viewer, p)]


def enrolments(session: Session, *, pilot: Pilot) -> list[tuple[PilotEnrolment, Patient]]:
    """Every invitation of the pilot with its patient, in invitation order."""
    rows = session.exec(
        select(PilotEnrolment, Patient)
        .join(Patient, col(Patient.id) == PilotEnrolment.patient_id)
        .where(PilotEnrolment.pilot_id == pilot.id)
        .order_by(col(PilotEnrolment.invited_at), col(PilotEnrolment.id))
    ).all()
    return [(e, p) for e, p in rows]


def enrolment_of(session: Session, *, pilot: Pilot, patient: Patient) -> PilotEnrolment | None:
    return session.exec(
        select(PilotEnrolment).where(
            PilotEnrolment.pilot_id == pilot.id, PilotEnrolment.patient_id == patient.id
        )
    ).first()


def patient_pilots(session: Session, *, patient: Patient) -> list[tuple[PilotEnrolment, Pilot]]:
    """The pilots a patient was invited to (for the portal), newest invitation first."""
    rows = session.exec(
        select(PilotEnrolment, Pilot)
        .join(Pilot, col(Pilot.id) == PilotEnrolment.pilot_id)
        .where(PilotEnrolment.patient_id == patient.id)
        .order_by(col(PilotEnrolment.invited_at).desc(), col(PilotEnrolment.id).desc())
    ).all()
    return [(e, p) for e, p in rows]


def counted(enrolment: PilotEnrolment) -> bool:
    """Consented and not withdrawn: the enrolments whose data the outcomes use."""
    return enrolment.consented_at is not None and enrolment.withdrawn_at is None


def data_window(enrolment: PilotEnrolment, pilot: Pilot, tz: Any) -> tuple[datetime, datetime] | None:
    """The moments between which the enrolment's sessions count: from consent to the
    withdrawal or the end of the pilot's last day (local ``tz``); None before consent."""
    if enrolment.consented_at is None:
        return None
    end_of_pilot = datetime.combine(pilot.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    start_of_pilot = datetime.combine(pilot.starts_on, datetime.min.time(), tzinfo=tz)
    start = max(enrolment.consented_at, start_of_pilot)
    end = min(enrolment.withdrawn_at, end_of_pilot) if enrolment.withdrawn_at else end_of_pilot
    return start, end


def consent_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ creating
def _solution_activity(session: Session, solution_id: int | None, errors: _Errors) -> Activity | None:
    if solution_id is None:
        errors.add("solution_id", _l("Choose an approved solution."), "choose an approved solution")
        return None
    try:
        entry = approved_solution(session, solution_id=solution_id, now=utcnow())
    except NotFound:
        errors.add(
            "solution_id",
            _l("Only a solution approved by a reviewer can be piloted."),
            f"solution {solution_id} is not approved",
        )
        return None
    activity = session.exec(select(Activity).where(Activity.key == activity_key(entry.solution))).first()
    if activity is None or not activity.is_active:
        errors.add(
            "solution_id",
            _l("Only an approved game that therapists can assign can be piloted with patients."),
            f"solution {solution_id} is not an assignable game",
        )
        return None
    return activity


def builtin_games_for(session: Session, movement: str) -> list[Activity]:
    """The active built-in games that train ``movement`` (comparator candidates), by key."""
    rows = session.exec(
        select(Activity)
        .where(Activity.source == "builtin", col(Activity.is_active).is_(True))
        .order_by(col(Activity.key))
    ).all()
    return [a for a in rows if movement in (a.movements or [])]


def _check(session: Session, data: PilotForm) -> tuple[dict[str, Any], Activity, Activity | None]:
    errors = _Errors()
    title = (data.title or "").strip()
    if not title or len(title) > TITLE_MAX:
        errors.add(
            "title", _l("Give a title of 1 to %(n)d characters.", n=TITLE_MAX), f"1 to {TITLE_MAX} characters"
        )
    question = (data.question or "").strip()
    if not question or len(question) > QUESTION_MAX:
        errors.add(
            "question",
            _l("Write the question the pilot answers (at most %(n)d characters).", n=QUESTION_MAX),
            f"1 to {QUESTION_MAX} characters",
        )
    consent_text = (data.consent_text or "").strip()
    if not CONSENT_MIN <= len(consent_text) <= CONSENT_MAX:
        errors.add(
            "consent_text",
            _l("Write what patients consent to (%(a)d to %(b)d characters).", a=CONSENT_MIN, b=CONSENT_MAX),
            f"{CONSENT_MIN} to {CONSENT_MAX} characters",
        )
    if data.comparator not in PilotComparator.__members__:
        errors.add(
            "comparator", _l("Choose a comparator of the list."), f"unknown comparator {data.comparator!r}"
        )
    if data.condition not in Condition.__members__:
        errors.add(
            "condition", _l("Choose a condition of the list."), f"unknown condition {data.condition!r}"
        )
    if data.movement not in MOVEMENTS:
        errors.add("movement", _l("Choose a movement of the list."), f"unknown movement {data.movement!r}")
    if data.starts_on is None:
        errors.add("starts_on", _l("Give the start date."), "missing")
    if data.ends_on is None:
        errors.add("ends_on", _l("Give the end date."), "missing")
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors.add("ends_on", _l("The end date is before the start date."), "ends before it starts")
    elif data.starts_on is not None and (data.ends_on - data.starts_on).days < MIN_DAYS:
        errors.add(
            "ends_on",
            _l("A pilot lasts at least %(n)d days.", n=MIN_DAYS),
            f"shorter than {MIN_DAYS} days",
        )
    lo, hi = TARGET_RANGE
    if data.target_patients is None or not lo <= data.target_patients <= hi:
        errors.add(
            "target_patients",
            _l("Give a target of %(a)d to %(b)d patients.", a=lo, b=hi),
            f"between {lo} and {hi}",
        )
    activity = _solution_activity(session, data.solution_id, errors)
    if activity is not None and data.movement in MOVEMENTS and activity.movements:
        if data.movement not in activity.movements:
            errors.add(
                "movement",
                _l("This solution does not train this movement."),
                f"{activity.key} does not train {data.movement}",
            )
    comparator_activity = None
    if data.comparator == PilotComparator.builtin_game and data.movement in MOVEMENTS:
        games = builtin_games_for(session, data.movement)
        if data.comparator_activity_key:
            games = [g for g in games if g.key == data.comparator_activity_key]
        if not games:
            errors.add(
                "comparator",
                _l("No built-in game trains this movement: compare with the patients' own weeks instead."),
                f"no built-in game for {data.movement}",
            )
        else:
            comparator_activity = games[0]
    errors.raise_if_any()
    assert activity is not None and data.starts_on is not None and data.ends_on is not None
    clean = {
        "title": title,
        "question": question,
        "consent_text": consent_text,
        "comparator": data.comparator,
        "condition": data.condition,
        "movement": data.movement,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "target_patients": data.target_patients,
        "solution_id": data.solution_id,
    }
    return clean, activity, comparator_activity


def create_pilot(session: Session, *, actor: User, data: PilotForm, ip: str | None = None) -> Pilot:
    """Create a pilot (status ``recruiting``); :class:`PilotInvalid` with every problem, and
    nothing stored, when the input is wrong; :class:`Forbidden` for other roles."""
    if not can_create(actor):
        raise Forbidden("only therapists and challenge managers create pilots")
    clean, activity, comparator_activity = _check(session, data)
    pilot = Pilot(
        **clean,
        activity_id=pk(activity),
        comparator_activity_id=comparator_activity.id if comparator_activity else None,
        consent_sha256=consent_hash(clean["consent_text"]),
        random_seed=secrets.randbelow(2**31),
        created_by_id=actor.id,
    )
    session.add(pilot)
    session.flush()
    audit.record(
        session,
        action="pilot.created",
        actor=actor,
        target_type="pilot",
        target_id=pilot.id,
        details={
            **{k: v for k, v in clean.items() if k != "consent_text"},
            "activity": activity.key,
            "comparator_activity": comparator_activity.key if comparator_activity else None,
            "consent_sha256": pilot.consent_sha256,
            "random_seed": pilot.random_seed,
        },
        ip=ip,
    )
    session.commit()
    session.refresh(pilot)
    return pilot


# ------------------------------------------------------------------ inviting
def _open_for(pilot: Pilot, today: date, field: str) -> None:
    if pilot.status == PilotStatus.closed:
        raise _invalid(field, _l("This pilot is closed."), "the pilot is closed")
    if today > pilot.ends_on:
        raise _invalid(field, _l("This pilot has ended."), f"the pilot ended on {pilot.ends_on}")


def close_pilot(session: Session, *, actor: User, pilot: Pilot, ip: str | None = None) -> Pilot:
    """End the pilot (its creator, a challenge manager or an administrator)."""
    if not can_manage(actor, pilot):
        raise Forbidden("only the pilot's creator and challenge managers close it")
    if pilot.status == PilotStatus.closed:
        return pilot
    pilot.status = PilotStatus.closed
    pilot.closed_at = utcnow()
    session.add(pilot)
    audit.record(session, action="pilot.closed", actor=actor, target_type="pilot", target_id=pilot.id, ip=ip)
    session.commit()
    session.refresh(pilot)
    return pilot


def managers(session: Session, *, pilot: Pilot) -> Sequence[User]:
    """Who is told about the pilot (safety flags): its creator, challenge managers, admins."""
    users = session.exec(select(User).where(col(User.is_active).is_(True))).all()
    return [u for u in users if can_manage(u, pilot)]
