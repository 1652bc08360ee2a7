"""Helpers for the pilot tests: an approved game (through the reviewer's real decision) and
a pilot form with sensible values."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Activity, Solution, Submission, User, pk
from smarttouch.platform.services.challenges import review
from smarttouch.platform.services.pilots.pilots import PilotForm
from smarttouch.platform.storage.db import get_engine

CONSENT = "I agree that my exercise sessions are used, without my name, to evaluate this game."


def approved_game(
    app: Flask, make_challenge: Any, make_user: Any, *, approve: bool = True
) -> tuple[int, User]:
    """A developer's game for shoulder flexion with one scored submission; a reviewer
    approves it (publishing catalogue activity ``solution-<id>``) unless ``approve`` is False.
    Returns (solution id, developer)."""
    challenge = make_challenge(kind="game", movement="shoulder_flexion")
    developer = make_user("developer")
    reviewer = make_user("therapist", is_reviewer=True)
    with Session(get_engine(app), expire_on_commit=False) as s:
        sol = Solution(
            challenge_id=pk(challenge), developer_id=developer.id, name="Reach garden", kind="game"
        )
        s.add(sol)
        s.flush()
        sub = Submission(solution_id=pk(sol), code_sha256="b" * 64, entrypoint="game:Game", status="scored")
        s.add(sub)
        s.commit()
        if approve:
            review.decide(s, reviewer=reviewer, submission_id=pk(sub), decision="approved", note="")
        return pk(sol), developer


def activity_of(app: Flask, solution_id: int) -> Activity:
    with Session(get_engine(app), expire_on_commit=False) as s:
        from sqlmodel import select

        found = s.exec(select(Activity).where(Activity.key == f"solution-{solution_id}")).one()
        return found


def form(solution_id: int | None, **kw: Any) -> PilotForm:
    today = date.today()
    fields: dict[str, Any] = {
        "title": "Reach garden after stroke",
        "question": "Does Reach garden improve shoulder flexion more than Balloons?",
        "solution_id": solution_id,
        "comparator": "builtin_game",
        "condition": "post_stroke",
        "movement": "shoulder_flexion",
        "starts_on": today - timedelta(days=1),
        "ends_on": today + timedelta(days=41),
        "target_patients": 20,
        "consent_text": CONSENT,
    }
    fields.update(kw)
    return PilotForm(**fields)


def stored_session(
    s: Session,
    *,
    patient_id: int,
    activity_id: int | None,
    started: Any,
    rom: float,
    reps: int = 10,
    quit: str = "completed",
    pain_after: int | None = None,
    movement: str = "shoulder_flexion",
) -> int:
    """A scored session stored as ingest + scoring store one: the session row, its metrics
    row built by :func:`progress.metrics_row` from an analysis dict, and the feeling rows."""
    import uuid

    from smarttouch.platform.models import ExerciseSession
    from smarttouch.platform.services.clinic.feelings import FeelingIn, feeling_rows
    from smarttouch.platform.services.clinic.progress import metrics_row

    row = ExerciseSession(
        client_uuid=str(uuid.uuid4()),
        patient_id=patient_id,
        activity_id=activity_id,
        started_at=started,
        quit_reason=quit,
        movement=movement,
        status="scored",
        game_result={"score": 50, "sets_completed": 1},
    )
    s.add(row)
    s.flush()
    s.add(metrics_row(pk(row), {"reps": reps, "rom_deg": rom, "rom_deg_mean": rom - 2}))
    if pain_after is not None:
        for f in feeling_rows(
            pk(row), patient_id, [FeelingIn(moment="after", scale="pain_nrs", value=pain_after)]
        ):
            s.add(f)
    s.commit()
    return pk(row)
