"""Today's plan as the hub's device API sends it (``GET /api/v1/plan/today``), and the pure
choices made on it: which exercise to play and the session targets it asks for.

The shapes mirror the hub's ``TodayPlan`` / ``PlannedExerciseOut`` / ``ActivityOut`` schemas
(``/api/v1/openapi.json``); dates arrive as ISO text.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from smarttouch.client.errors import PlayError
from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.targets import PlanTargets


class PlanActivity(TypedDict):
    """What to play: a built-in game by registry key, or an approved developer's game
    (``source`` "solution", downloaded by ``code_sha256``)."""

    key: str
    title: str
    kind: str  # "game" or "analyzer"
    source: Literal["builtin", "solution"]
    code_sha256: NotRequired[str | None]


class PlannedExercise(TypedDict):
    """One assignment of today's plan (ROM in degrees, difficulty 1 = easiest .. 5)."""

    assignment_id: int
    activity: PlanActivity
    movement: str
    target_rom_deg: float
    max_rom_deg: float | None
    reps: int
    sets: int
    difficulty: int
    therapist_note: str
    due_today: bool
    side: NotRequired[str]
    placement: NotRequired[str]
    sessions_per_week: NotRequired[int]
    start_date: NotRequired[str]
    end_date: NotRequired[str | None]
    done_today: NotRequired[int]
    done_this_week: NotRequired[int]


class PlanMessage(TypedDict):
    """A message from the therapist (``sent_at`` ISO text), shown before the session."""

    id: int
    sent_at: str
    body: str
    read: bool


class TodayPlan(TypedDict):
    """The patient's plan for today."""

    exercises: list[PlannedExercise]
    messages: NotRequired[list[PlanMessage]]
    patient_code: NotRequired[str]
    date: NotRequired[str]
    timezone: NotRequired[str]


def is_solution(exercise: PlannedExercise) -> bool:
    """The plan exercise is an approved developer's game (not a built-in)."""
    return exercise.get("activity", {}).get("source") == "solution"


def playable_keys(plan: TodayPlan, builtin_keys: set[str]) -> set[str]:
    """Activity keys this computer can play: its built-in games plus the approved solution
    games of the plan that name their code hash."""
    keys = set(builtin_keys)
    for exercise in plan.get("exercises", []):
        activity = exercise.get("activity", {})
        if is_solution(exercise) and activity.get("kind", "game") == "game" and activity.get("code_sha256"):
            keys.add(activity["key"])
    return keys


def choose_exercise(plan: TodayPlan, playable: set[str], assignment_id: int | None = None) -> PlannedExercise:
    """The exercise to play: the one asked for, else the first still due today, else the
    first playable one."""
    exercises = [e for e in plan.get("exercises", []) if e["activity"]["key"] in playable]
    if assignment_id is not None:
        for e in exercises:
            if e["assignment_id"] == assignment_id:
                return e
        ids = ", ".join(str(e["assignment_id"]) for e in exercises) or "none"
        raise PlayError(f"assignment {assignment_id} is not in today's plan (playable: {ids})")
    if not exercises:
        raise PlayError("there is no game to play in today's plan: enjoy your rest day")
    due = [e for e in exercises if e.get("due_today")]
    return (due or exercises)[0]


def unread_messages(plan: TodayPlan) -> list[PlanMessage]:
    """The therapist's messages of the plan the patient has not read yet, oldest first."""
    return [m for m in plan.get("messages", []) if not m.get("read")]


def targets_for(
    exercise: PlannedExercise, info: GameInfo, lang: str, messages: list[PlanMessage] | None = None
) -> PlanTargets:
    """The session's targets from a plan exercise (hub difficulty 1..5 -> 0..1); ``messages``
    (the therapist's, from the plan) are shown with the instructions."""
    target = float(exercise["target_rom_deg"])
    ceiling = exercise.get("max_rom_deg") or max(float(info.max_rom_deg), target)
    return PlanTargets(
        game=exercise["activity"]["key"],
        movement=exercise["movement"],
        target_rom_deg=target,
        max_rom_deg=float(ceiling),
        reps=int(exercise["reps"]),
        sets=int(exercise["sets"]),
        difficulty=(int(exercise["difficulty"]) - 1) / 4.0,
        therapist_note=exercise.get("therapist_note", ""),
        messages=tuple(m["body"] for m in messages or ()),
        lang=lang,
        assignment_id=int(exercise["assignment_id"]),
        sessions_per_week=int(exercise["sessions_per_week"]) if exercise.get("sessions_per_week") else None,
        side=exercise.get("side", ""),
        placement=exercise.get("placement", ""),
    )
