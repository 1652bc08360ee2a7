"""Demo data: a small clinic with realistic patients, plans and several weeks of synthetic
exercise sessions (simulated recordings scored by :mod:`smarttouch.scoring`, see
:mod:`.sessions`). Idempotent: running it again adds only what is missing and never
changes existing accounts or passwords."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from smarttouch.sensors.placements import default_side

from ...models import (
    Alert,
    Assignment,
    AssignmentCreate,
    ClinicalNeed,
    Patient,
    PatientCreate,
    User,
    UserCreate,
    pk,
)
from ...storage.blobstore import BlobStore
from ..accounts import users
from ..accounts.passwords import verify_password
from ..challenges import importer
from ..clinic import catalogue, patients, plans
from ..needs import filing as needs_filing
from . import pilot as demo_pilot
from . import sessions as demo_sessions

PLAN_STARTED_DAYS_AGO = 49  # the demo plans began seven weeks ago


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    created: bool
    works: bool = True  # the demo password still logs in


@dataclass
class DemoReport:
    logins: list[DemoLogin] = field(default_factory=list)
    patients_created: int = 0
    assignments_created: int = 0
    activities_created: int = 0
    sessions_created: int = 0
    alerts_raised: int = 0


DEMO_USERS = (
    # role, email, password, full name, reviewer
    ("therapist", "therapist@example.org", "demo-therapist", "Giulia Rossi", True),
    ("therapist", "therapist2@example.org", "demo-therapist2", "Marco Bianchi", False),
    ("developer", "developer@example.org", "demo-developer", "Luca Verdi", False),
    ("admin", "admin@example.org", "demo-admin-1", "Anna Neri", False),
    ("patient", "patient@example.org", "demo-patient", "Paolo Esposito", False),
)

# code, therapist e-mail, condition, side, name, birth year, notes, patient login
DEMO_PATIENTS = (
    (
        "DEMO-STRK",
        "therapist@example.org",
        "post_stroke",
        "right",
        "Paolo Esposito",
        1956,
        "Ischaemic stroke 5 months ago, right hemiparesis. Shoulder flexion limited to about "
        "90 degrees; mild spasticity of the elbow flexors. Motivated, lives with his wife.",
        "patient@example.org",
    ),
    (
        "DEMO-PARK",
        "therapist@example.org",
        "parkinson",
        "both",
        "Rosa Colombo",
        1949,
        "Parkinson's disease, Hoehn and Yahr stage 2. Rest tremor of the left hand, "
        "bradykinesia. Exercises best in the morning after medication.",
        None,
    ),
    (
        "DEMO-COPD",
        "therapist@example.org",
        "copd",
        "none",
        "Franco Ricci",
        1951,
        "COPD GOLD 3, home oxygen at night. Short sets with rest between them; stop if breathless.",
        None,
    ),
    (
        "DEMO-MSCL",
        "therapist@example.org",
        "multiple_sclerosis",
        "left",
        "Elena Marino",
        1980,
        "Relapsing-remitting multiple sclerosis, fatigue in the afternoon. Left upper limb "
        "weakness and intention tremor.",
        None,
    ),
    (
        "DEMO-KNEE",
        "therapist@example.org",
        "knee_osteoarthritis",
        "left",
        "Giorgio Greco",
        1958,
        "Left knee osteoarthritis, Kellgren-Lawrence grade 3. Strengthening before a "
        "possible knee replacement.",
        None,
    ),
    (
        "DEMO-FRAI",
        "therapist@example.org",
        "frailty",
        "both",
        "Maria Bruno",
        1938,
        "Frail, one fall last winter. Sit-to-stand and balance to keep independence at home.",
        None,
    ),
    (
        "DEMO-ARM2",
        "therapist2@example.org",
        "post_stroke",
        "left",
        "Sergio Gallo",
        1962,
        "Haemorrhagic stroke 1 year ago, left hemiparesis.",
        None,
    ),
)

# patient code -> (activity key, movement, target ROM, max ROM, reps, sets, per week,
#                  difficulty, note to the patient)
DEMO_PLANS = {
    "DEMO-STRK": [
        (
            "balloons",
            "shoulder_flexion",
            80,
            100,
            10,
            2,
            5,
            2,
            "Lift your arm slowly and keep your shoulder down. Stop if it hurts.",
        )
    ],
    "DEMO-PARK": [
        (
            "lantern",
            "reach_forward",
            60,
            80,
            8,
            2,
            4,
            2,
            "Take your time: steady movements matter more than speed.",
        )
    ],
    "DEMO-KNEE": [
        (
            "garden",
            "sit_to_stand",
            80,
            95,
            8,
            3,
            3,
            2,
            "Use a firm chair without wheels. Rest a minute between sets.",
        )
    ],
    "DEMO-FRAI": [
        ("garden", "sit_to_stand", 70, 85, 5, 2, 5, 1, "Keep the walker within reach while you play.")
    ],
}


def _user(
    session: Session,
    report: DemoReport,
    role: str,
    email: str,
    password: str,
    name: str,
    reviewer: bool,
    password_profile: str,
) -> User:
    existing = users.get_by_email(session, email=email)
    if existing is not None:
        works = existing.is_active and verify_password(existing.password_hash, password)
        report.logins.append(DemoLogin(role, email, password, False, works))
        return existing
    report.logins.append(DemoLogin(role, email, password, True))
    data = UserCreate(email=email, full_name=name, role=role, is_reviewer=reviewer, password=password)
    # the demo's passwords are published (README, `smarttouch demo`): no policy makes them secret
    return users.create_user(session, data=data, password_profile=password_profile, check_strength=False)


def seed_demo(
    session: Session,
    *,
    today: date,
    password_profile: str = "default",
    blobs: BlobStore | None = None,
    tz: ZoneInfo | None = None,
    with_sessions: bool = True,
    enqueue: Callable[[int], object] | None = None,
) -> DemoReport:
    """Create the demo clinic; returns the logins (with passwords) and what was added.

    With ``blobs`` (the hub's blob store) it also creates weeks of synthetic sessions (unless
    ``with_sessions`` is false; days counted in ``tz``, default Europe/Rome) and the built-in
    challenges, whose reference evaluations are queued and handed to ``enqueue``; without
    ``blobs`` only people, patients and plans.
    """
    report = DemoReport()
    report.activities_created = catalogue.ensure_builtin_activities(session)
    accounts = {
        email: _user(session, report, role, email, pw, name, rev, password_profile)
        for role, email, pw, name, rev in DEMO_USERS
    }
    for code, therapist_email, condition, side, name, year, notes, login in DEMO_PATIENTS:
        patient = session.exec(select(Patient).where(Patient.code == code)).first()
        if patient is None:
            linked = accounts.get(login) if login else None
            if linked is not None and patients.patient_of_user(session, user=linked):
                linked = None
            patient = patients.create_patient(
                session,
                therapist=accounts[therapist_email],
                user=linked,
                data=PatientCreate(
                    code=code,
                    condition=condition,
                    affected_side=side,
                    display_name=name,
                    birth_year=year,
                    notes=notes,
                ),
            )
            report.patients_created += 1
        if code not in DEMO_PLANS:
            continue
        has_plan = session.exec(select(Assignment.id).where(Assignment.patient_id == patient.id)).first()
        if has_plan is not None:
            continue
        therapist = session.get(User, patient.therapist_id)
        for key, movement, target, max_rom, reps, sets, per_week, diff, note in DEMO_PLANS[code]:
            activity = catalogue.get_activity_by_key(session, key=key)
            if activity is None or therapist is None:
                raise RuntimeError(f"demo plan for {code} needs activity {key!r} and a therapist")
            plans.create_assignment(
                session,
                therapist=therapist,
                patient=patient,
                data=AssignmentCreate(
                    activity_id=pk(activity),
                    movement=movement,
                    side=default_side(movement, patient.affected_side),
                    target_rom_deg=target,
                    max_rom_deg=max_rom,
                    reps=reps,
                    sets=sets,
                    sessions_per_week=per_week,
                    difficulty=diff,
                    start_date=today - timedelta(days=PLAN_STARTED_DAYS_AGO),
                    end_date=today + timedelta(days=42),
                    therapist_note=note,
                ),
            )
            report.assignments_created += 1
    _seed_need(session, accounts["therapist2@example.org"], accounts["therapist@example.org"])
    if with_sessions and blobs is not None:
        _seed_sessions(session, report, blobs, today, tz or ZoneInfo("Europe/Rome"))
    if blobs is not None:  # reference rows wait for a worker
        importer.seed_builtin_challenges(session, blobs=blobs, enqueue=enqueue)
    if with_sessions and blobs is not None:  # the running pilot needs the game challenge
        added = demo_pilot.seed_demo_pilot(
            session, blobs=blobs, today=today, tz=tz or ZoneInfo("Europe/Rome")
        )
        report.patients_created += added.patients
        report.assignments_created += added.assignments
        report.sessions_created += added.sessions
    return report


def _seed_need(session: Session, proposer: User, supporter: User) -> None:
    """One clinical need, filed by a therapist and supported by another (once)."""
    if session.exec(select(ClinicalNeed.id)).first() is not None:
        return
    need = needs_filing.propose(
        session,
        therapist=proposer,
        condition="parkinson",
        movement="wrist_flexion",
        problem="Patients with Parkinson's stop the lantern game after 2 minutes: we need a "
        "steadier-hand game that tolerates tremor.",
        success="They keep playing for 10 minutes and the tremor never ends a round.",
        data_help="Wrist sessions of patients who consented to donate them.",
    )
    needs_filing.support(session, user=supporter, need=need)


def _seed_sessions(session: Session, report: DemoReport, blobs: BlobStore, today: date, tz: ZoneInfo) -> None:
    """Synthetic session history for the demo patients that have a plan (uploads raise the
    alerts as they arrive)."""
    for code in demo_sessions.TRAJECTORIES:
        patient = session.exec(select(Patient).where(Patient.code == code)).first()
        if patient is None:
            continue
        assignment = session.exec(
            select(Assignment).where(Assignment.patient_id == patient.id).order_by(col(Assignment.id))
        ).first()
        if assignment is None:
            continue
        added = demo_sessions.seed_patient_sessions(
            session, patient=patient, assignment=assignment, blobs=blobs, today=today, tz=tz
        )
        report.sessions_created += added
    report.alerts_raised = len(session.exec(select(Alert.id)).all())


def demo_logins(session: Session) -> list[DemoLogin]:
    """The demo accounts present in the database and whether their demo password works."""
    out = []
    for role, email, password, _name, _rev in DEMO_USERS:
        existing = users.get_by_email(session, email=email)
        if existing is not None:
            works = existing.is_active and verify_password(existing.password_hash, password)
            out.append(DemoLogin(role, email, password, False, works))
    return out
