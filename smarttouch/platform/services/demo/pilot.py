"""The demo's running pilot (issue #19), all synthetic and labelled so.

The demo developer (Luca Verdi) has a game for the shoulder-reach challenge: the code of the
challenge's reference balloon game, stored as his solution and approved by the demo reviewer
(Giulia Rossi) **without running the evaluation harness** (the submission's message and the
review note say so; it has no scores). Giulia pilots it against the built-in Balloons game
with four synthetic post-stroke patients (``DEMO-PIL1`` to ``DEMO-PIL4``) who consented on
paper four weeks ago; the allocation is the pilot's own seeded one. Each then plays two
sessions a week of their arm's game through the real ingest
(:func:`.sessions.play_synthetic`: simulated recordings, scored by the hub); the solution's
patients gain range of motion a little faster. One patient withdrew after two weeks.
Idempotent: nothing is added when the pilot exists.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlmodel import Session, select

from ...models import (
    Activity,
    Assignment,
    Challenge,
    Patient,
    PatientCreate,
    Pilot,
    PilotEnrolment,
    Solution,
    Submission,
    SubmissionStatus,
    User,
    pk,
)
from ...storage.blobstore import BlobStore
from ..challenges import review
from ..clinic import patients
from ..pilots import enrolment as pilot_enrolment
from ..pilots import pilots
from . import sessions as demo_sessions

TITLE = "Balloon reach after stroke (demo, synthetic)"
SOLUTION_NAME = "Balloon reach (demo developer game)"
CHALLENGE = "shoulder-reach-game"
DEVELOPER = "developer@example.org"
REVIEWER = "therapist@example.org"
CONSENT_DAYS_AGO = 28
WITHDRAWN_AFTER_DAYS = 14
UUID_NAMESPACE = uuid.UUID("0b7f6c1e-8f2d-4a55-9f5e-1c9d3a7e2b10")
# code, name, birth year, starting ROM (deg), weekdays with a session
PILOT_PATIENTS = (
    ("DEMO-PIL1", "Carla Fontana", 1954, 58.0, (0, 3)),
    ("DEMO-PIL2", "Bruno Conti", 1960, 64.0, (1, 4)),
    ("DEMO-PIL3", "Lucia Moretti", 1948, 52.0, (0, 3)),
    ("DEMO-PIL4", "Dario Villa", 1957, 61.0, (1, 4)),
)
GAIN_DEG = {"pilot": 16.0, "comparator": 7.0}
"""synthetic ROM gained over the four weeks by arm"""


def _approved_game(session: Session, blobs: BlobStore, developer: User, reviewer: User) -> Solution | None:
    """The demo developer's game, approved (see the module docstring); None without the
    built-in challenge (a seed without blobs)."""
    from smarttouch.challenges.solution import stage_solution

    challenge = session.exec(select(Challenge).where(Challenge.slug == CHALLENGE)).first()
    if challenge is None:
        return None
    solution = session.exec(select(Solution).where(Solution.name == SOLUTION_NAME)).first()
    if solution is not None:
        return solution
    source = Path(__file__).resolve().parents[3] / "challenges" / "baselines" / "balloons"
    with tempfile.TemporaryDirectory(prefix="st-demo-") as tmp:
        staged = stage_solution(source, Path(tmp) / "s")
    blobs.put(staged.archive)
    solution = Solution(
        challenge_id=pk(challenge),
        developer_id=developer.id,
        name=SOLUTION_NAME,
        kind=challenge.kind,
        description="Demo (synthetic): the challenge's reference balloon game, as a developer's solution.",
    )
    session.add(solution)
    session.flush()
    submission = Submission(
        solution_id=pk(solution),
        code_sha256=staged.sha256,
        entrypoint=staged.manifest.entrypoint,
        status=SubmissionStatus.scored,
        message="demo seed (synthetic): the reference game's code, not evaluated by the harness",
        submitted_by_id=developer.id,
    )
    session.add(submission)
    session.commit()
    review.decide(
        session,
        reviewer=reviewer,
        submission_id=pk(submission),
        decision="approved",
        note="Demo (synthetic): approved so the demo clinic has a pilot; not a real review.",
    )
    return solution


@dataclass
class DemoPilotReport:
    patients: int = 0
    assignments: int = 0
    sessions: int = 0


def seed_demo_pilot(session: Session, *, blobs: BlobStore, today: date, tz: ZoneInfo) -> DemoPilotReport:
    """Create the demo pilot and its synthetic sessions; says what was added."""
    report = DemoPilotReport()
    if session.exec(select(Pilot).where(Pilot.title == TITLE)).first() is not None:
        return report
    developer = session.exec(select(User).where(User.email == DEVELOPER)).first()
    therapist = session.exec(select(User).where(User.email == REVIEWER)).first()
    if developer is None or therapist is None:
        return report
    solution = _approved_game(session, blobs, developer, therapist)
    if solution is None:
        return report
    consent_day = today - timedelta(days=CONSENT_DAYS_AGO)
    pilot = pilots.create_pilot(
        session,
        actor=therapist,
        data=pilots.PilotForm(
            title=TITLE,
            question=(
                "Do patients after a stroke gain more shoulder flexion with the developer's balloon "
                "game than with the built-in Balloons game? (demo with synthetic patients)"
            ),
            solution_id=pk(solution),
            comparator="builtin_game",
            condition="post_stroke",
            movement="shoulder_flexion",
            starts_on=consent_day - timedelta(days=1),
            ends_on=today + timedelta(days=28),
            target_patients=20,
            consent_text=(
                "I agree to play the game my therapist assigns me for eight weeks, and that my "
                "exercise sessions are used, under a code and without my name, to find out whether "
                "the new game helps. I can withdraw at any time."
            ),
        ),
    )
    rng = np.random.default_rng(1904)
    feel_rng = np.random.default_rng(1905)
    for code, name, year, rom0, weekdays in PILOT_PATIENTS:
        patient = session.exec(select(Patient).where(Patient.code == code)).first()
        if patient is None:
            patient = patients.create_patient(
                session,
                therapist=therapist,
                data=PatientCreate(
                    code=code,
                    condition="post_stroke",
                    affected_side="right",
                    display_name=f"{name} (synthetic)",
                    birth_year=year,
                    notes="Synthetic demo patient of the demo pilot.",
                ),
            )
            report.patients += 1
        pilot_enrolment.invite(session, actor=therapist, pilot=pilot, patient=patient, today=consent_day)
        enrolment = pilot_enrolment.record_consent(
            session,
            pilot=pilot,
            patient=patient,
            by=therapist,
            note="demo paper form (synthetic)",
            today=consent_day,
        )
        consented_at = datetime.combine(consent_day, time(8, 30), tzinfo=tz)
        enrolment.consented_at = consented_at  # the synthetic history starts four weeks ago
        session.add(enrolment)
        session.commit()
        report.assignments += 1  # the arm's game, added to the plan at consent
        withdraws = code == "DEMO-PIL4"
        assignment = session.get_one(Assignment, enrolment.assignment_id)
        activity = session.get_one(Activity, assignment.activity_id)
        days = [
            consent_day + timedelta(days=d)
            for d in range(1, CONSENT_DAYS_AGO)
            if (consent_day + timedelta(days=d)).weekday() in weekdays
        ]
        if withdraws:
            days = [d for d in days if d < consent_day + timedelta(days=WITHDRAWN_AFTER_DAYS)]
        gain = GAIN_DEG[enrolment.arm or "pilot"]
        for i, day in enumerate(days):
            rom = (rom0 + gain * (day - consent_day).days / CONSENT_DAYS_AGO) * float(rng.normal(1.0, 0.03))
            fatigue = bool(rng.random() < 0.1)
            demo_sessions.play_synthetic(
                session,
                patient=patient,
                assignment=assignment,
                activity=activity,
                device=demo_sessions.device_for(session, patient),
                blobs=blobs,
                day=day,
                rom_deg=rom,
                reps=max(3, assignment.reps - 3) if fatigue else assignment.reps,
                quit_reason="fatigue" if fatigue else "completed",
                client_uuid=uuid.uuid5(UUID_NAMESPACE, f"{code}/{day}/{i}"),
                rng=rng,
                feel_rng=feel_rng,
                tz=tz,
            )
            report.sessions += 1
        if withdraws:
            pilot_enrolment.withdraw(
                session,
                pilot=pilot,
                patient=patient,
                by=therapist,
                reason="moved to another city (synthetic)",
            )
            row = session.get_one(PilotEnrolment, enrolment.id)
            row.withdrawn_at = datetime.combine(
                consent_day + timedelta(days=WITHDRAWN_AFTER_DAYS), time(18), tzinfo=tz
            )
            session.add(row)
            session.commit()
    return report
