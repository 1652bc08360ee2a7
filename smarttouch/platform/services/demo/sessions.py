"""Synthetic exercise history for the demo clinic (labelled ``synthetic`` everywhere).

Each demo patient with a plan gets several weeks of sessions: the motion simulator
(:func:`smarttouch.sensors.simulator.simulate`) produces a physically consistent IMU recording
from a trajectory (ROM, smoothness, tremor changing over the weeks), and each session goes
through :func:`.ingest.ingest_session` exactly like an upload from a patient's computer (the
recording into the blob store, a queued scoring job); the seed then runs that job at once
(:func:`.scoring.score_now`: :func:`smarttouch.scoring.analyze` for the metrics, the alerts as
of the session's day) instead of waiting for a worker. The trajectories are chosen so the
dashboards show every situation: steady
improvement, a decline beyond the MCID, a missed week with a stop for pain, and a patient who
stopped exercising. Deterministic (fixed seeds), short recordings (about 30 s at 50 Hz).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlmodel import Session, select

from smarttouch.sensors.placements import placement_text, simulated_placement
from smarttouch.sensors.recording_io import recording_to_bytes
from smarttouch.sensors.simulator import PLACEMENTS, simulate

from ...models import Activity, Assignment, Device, ExerciseSession, Patient, pk
from ...storage.blobstore import BlobStore
from ..clinic import alerts, progress, scoring
from ..clinic.feelings import FeelingIn
from ..clinic.ingest import ingest_session
from ..clinic.upload import QuitReason, SessionUpload

SAMPLE_RATE_HZ = 50.0
UUID_NAMESPACE = uuid.UUID("6f1c7c52-3f0a-4d7e-9a41-2b6f0c1d9e55")


@dataclass(frozen=True)
class Trajectory:
    """How one demo patient's sessions evolve. ROM in degrees, tremor in Hz and degrees.

    weekdays: days of the week with a session (0 = Monday). skip_week: index of a week with
    no sessions (counted from the first week). stop_days: days without sessions before today.
    decline_last: the last N sessions fall to ``decline_rom_deg``. pain_last: the last
    session is stopped for pain after a few repetitions.
    """

    weeks: int
    weekdays: tuple[int, ...]
    rom_start: float
    rom_end: float
    submovements_start: int = 1
    submovements_end: int = 1
    tremor_hz: float = 0.0
    tremor_deg: float = 0.0
    skip_week: int | None = None
    stop_days: int = 0
    decline_last: int = 0
    decline_rom_deg: float = 0.0
    pain_last: bool = False
    tempo_s: float = 2.6


TRAJECTORIES: dict[str, Trajectory] = {
    # improving after stroke: larger and smoother shoulder flexion
    "DEMO-STRK": Trajectory(6, (0, 1, 2, 3, 4), 55.0, 86.0, 3, 1),
    # Parkinson's: steady reaching with rest tremor, then a clear decline in the last sessions
    "DEMO-PARK": Trajectory(
        6,
        (0, 1, 3, 4),
        66.0,
        68.0,
        2,
        2,
        tremor_hz=5.0,
        tremor_deg=1.2,
        decline_last=3,
        decline_rom_deg=47.0,
        tempo_s=3.0,
    ),
    # knee osteoarthritis: a missed week, then the last session stopped for pain
    "DEMO-KNEE": Trajectory(6, (0, 2, 4), 74.0, 82.0, skip_week=3, pain_last=True, tempo_s=3.2),
    # frailty: regular at first, no session for the last six days
    "DEMO-FRAI": Trajectory(5, (0, 1, 2, 3, 4), 62.0, 70.0, 2, 1, stop_days=6, tempo_s=3.4),
}


def _days(traj: Trajectory, today: date) -> list[date]:
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=traj.weeks - 1)
    out = []
    for week in range(traj.weeks):
        if week == traj.skip_week:
            continue
        for wd in traj.weekdays:
            day = first_monday + timedelta(weeks=week, days=wd)
            if day < today - timedelta(days=traj.stop_days) and day <= today:
                out.append(day)
    if traj.pain_last and out and out[-1] >= today - timedelta(days=1):
        out.pop()  # the stop for pain happened a couple of days ago
    return out


def device_for(session: Session, patient: Patient) -> Device:
    """A demo home PC for the patient; its token is random and never shown (unusable)."""
    existing = session.exec(select(Device).where(Device.patient_id == patient.id)).first()
    if existing is not None:
        return existing
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    device = Device(
        patient_id=pk(patient),
        label="Home PC (demo, synthetic)",
        token_hash=hashlib.sha256(secret.encode()).hexdigest(),
        token_prefix="stt_demo",
        created_by_id=patient.therapist_id,
    )
    session.add(device)
    session.flush()
    return device


def _feelings(rng: np.random.Generator, started: datetime, *, pain: bool) -> list[FeelingIn]:
    """Synthetic pain (0-10) and effort (Borg CR10) ratings: low and steady, now and then a
    skipped question; a session stopped for pain ends with pain well above the usual."""
    usual = int(rng.integers(1, 3))
    after = 7 if pain else max(0, usual - int(rng.integers(0, 2)))  # never above "before"
    skip_effort_before = bool(rng.random() < 0.15)
    return [
        FeelingIn(moment="before", scale="pain_nrs", value=usual, at=started),
        FeelingIn(
            moment="before",
            scale="effort_cr10",
            value=None if skip_effort_before else int(rng.integers(0, 2)),
            skipped=skip_effort_before,
            at=started,
        ),
        FeelingIn(moment="after", scale="pain_nrs", value=after, at=started),
        FeelingIn(moment="after", scale="effort_cr10", value=int(rng.integers(3, 6)), at=started),
    ]


def play_synthetic(
    session: Session,
    *,
    patient: Patient,
    assignment: Assignment,
    activity: Activity,
    device: Device,
    blobs: BlobStore,
    day: date,
    rom_deg: float,
    reps: int,
    quit_reason: QuitReason,
    client_uuid: uuid.UUID,
    rng: np.random.Generator,
    feel_rng: np.random.Generator,
    tz: ZoneInfo,
    tempo_s: float = 3.0,
    submovements: int = 1,
    tremor_hz: float = 0.0,
    tremor_deg: float = 0.0,
    at: time | None = None,
) -> int:
    """One synthetic session of ``assignment`` on ``day`` (at ``at`` local time, or between
    9:00 and 11:30 drawn from ``rng``): the motion
    simulator's recording of ``reps`` repetitions of about ``rom_deg`` degrees, uploaded
    through :func:`.ingest.ingest_session` and scored at once (:func:`.scoring.score_now`)
    with that day's alerts, with pain and effort ratings (a stop for pain ends in pain).
    Returns the stored session's id."""
    pain = quit_reason == "pain"
    site = assignment.sensor_site()
    sim = simulate(
        assignment.movement,
        reps=reps,
        rom_deg=min(rom_deg, 170.0),
        tempo_s=tempo_s * float(rng.normal(1.0, 0.02)),
        pause_s=0.6,
        submovements=max(1, submovements),
        tremor_hz=tremor_hz,
        tremor_deg=tremor_deg,
        fs=SAMPLE_RATE_HZ,
        lead_in_s=1.5,
        seed=int(rng.integers(1 << 31)),
        placement=simulated_placement(
            assignment.movement, site, assignment.side, PLACEMENTS[assignment.movement]
        ),
    )
    rec = sim.recording
    rec.placement = placement_text(site, assignment.side)  # where the plan has it worn
    rec.labels.update(demo=True, patient_code=patient.code)
    if at is None:
        started = datetime.combine(day, time(9, 0), tzinfo=tz) + timedelta(minutes=int(rng.integers(0, 150)))
    else:
        started = datetime.combine(day, at, tzinfo=tz)
    reached = sum(min(1.0, r / assignment.target_rom_deg) for r in sim.rep_rom_deg)
    meta = SessionUpload(
        session_id=client_uuid,
        assignment_id=pk(assignment),
        game=activity.key,
        movement=assignment.movement,
        started_at=started,
        ended_at=started + timedelta(seconds=rec.duration_s),
        duration_s=rec.duration_s,
        quit_reason=quit_reason,
        reps=reps,
        sets_completed=1 if quit_reason == "completed" else 0,
        score=round(100 * reached),
        sample_rate_hz=SAMPLE_RATE_HZ,
        client_metrics={"synthetic": True},
        client="smarttouch demo seed (synthetic)",
        feelings=_feelings(feel_rng, started, pain=pain),
    )
    stored = ingest_session(
        session,
        store=blobs,
        device=device,
        patient=patient,
        meta=meta,
        recording=recording_to_bytes(rec),
        today=day,
        tz=tz,
    )  # uploaded that day, and scored at once (as a worker would) with that day's alerts
    if stored.job_id is not None:
        scoring.score_now(session, blobs=blobs, job_id=stored.job_id, today=day, tz=tz)
    return pk(stored.session)


def seed_patient_sessions(
    session: Session, *, patient: Patient, assignment: Assignment, blobs: BlobStore, today: date, tz: ZoneInfo
) -> int:
    """Create the demo history of ``patient`` (none if they already have sessions)."""
    traj = TRAJECTORIES.get(patient.code)
    has_any = session.exec(select(ExerciseSession.id).where(ExerciseSession.patient_id == patient.id)).first()
    if traj is None or has_any is not None:
        return 0
    device = device_for(session, patient)
    activity = session.get_one(Activity, assignment.activity_id)
    days = _days(traj, today)
    rng = np.random.default_rng(sum(map(ord, patient.code)))
    feel_rng = np.random.default_rng(sum(map(ord, patient.code)) + 1)  # apart: the motion stays as it was
    for i, day in enumerate(days):
        frac = i / max(1, len(days) - 1)
        rom = traj.rom_start + (traj.rom_end - traj.rom_start) * frac
        if traj.decline_last and i >= len(days) - traj.decline_last:
            rom = traj.decline_rom_deg
        rom *= float(rng.normal(1.0, 0.03))
        subs = round(traj.submovements_start + (traj.submovements_end - traj.submovements_start) * frac)
        pain = traj.pain_last and i == len(days) - 1
        fatigue = not pain and rng.random() < 0.08
        reps = 4 if pain else (max(3, assignment.reps - 3) if fatigue else assignment.reps)
        play_synthetic(
            session,
            patient=patient,
            assignment=assignment,
            activity=activity,
            device=device,
            blobs=blobs,
            day=day,
            rom_deg=rom,
            reps=reps,
            quit_reason="pain" if pain else ("fatigue" if fatigue else "completed"),
            client_uuid=uuid.uuid5(UUID_NAMESPACE, f"{patient.code}/{day}/{i}"),
            rng=rng,
            feel_rng=feel_rng,
            tz=tz,
            tempo_s=traj.tempo_s,
            submovements=subs,
            tremor_hz=traj.tremor_hz,
            tremor_deg=traj.tremor_deg,
        )
    if days:  # time has passed since the last upload: "no session" alerts as of today
        entries = progress.patient_sessions(session, patient_id=pk(patient), tz=tz)
        alerts.sync_patient_alerts(
            session,
            patient=patient,
            facts=progress.session_facts(entries),
            today=today,
            has_plan=assignment.is_current(today),
        )
    return len(days)
