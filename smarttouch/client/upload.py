"""What the client uploads for a finished session: the device API's metadata document
(``POST /api/v1/sessions``, part ``metadata``) and the compact recording bytes."""

from __future__ import annotations

import math
from typing import Any, NotRequired, TypedDict

from smarttouch.games.session.result import SessionResult
from smarttouch.sensors.recording_io import RecordingError, recording_to_bytes

CLIENT_NAME = "smarttouch-play/1"


class SessionUpload(TypedDict):
    """The metadata of one uploaded session (the hub's ``SessionUpload`` schema).

    Times are ISO 8601 UTC text; ``duration_s`` seconds; ``targets`` a PlanTargets dict;
    ``client_metrics`` the device's own numbers (the hub recomputes its metrics); ``progress``
    the patient's lasting game progress after the session (worlds, week, daily challenge)."""

    session_id: str
    assignment_id: int | None
    game: str
    movement: str
    started_at: str
    ended_at: str | None
    duration_s: float
    quit_reason: str
    quit_note: str
    calibration: dict[str, Any]
    events: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    reps: int
    sets_completed: int
    score: int
    success_rate: float | None
    client_metrics: dict[str, Any]
    targets: dict[str, Any]
    sample_rate_hz: float | None
    lang: str
    client: str
    feelings: list[dict[str, Any]]
    side: NotRequired[str]
    placement: NotRequired[str]
    progress: NotRequired[dict[str, Any]]


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/infinity to None (client numbers only)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def upload_payload(result: SessionResult) -> tuple[SessionUpload, bytes | None]:
    """The API metadata and the compact recording bytes of a finished session."""
    recording = None
    client_metrics = {**result.client_metrics, "analysis": result.metrics}
    if result.recording is not None and len(result.recording) >= 2:
        try:
            recording = recording_to_bytes(result.recording)
        except RecordingError as exc:
            client_metrics["recording_error"] = str(exc)
    assignment_id = result.targets.assignment_id
    if assignment_id is not None:  # the hub knows the game by its activity key (solution-<id>)
        client_metrics["game_key"] = result.game
    meta: SessionUpload = {
        "session_id": result.session_id,
        "assignment_id": int(assignment_id) if assignment_id is not None else None,
        "game": result.targets.game if assignment_id is not None else result.game,
        "movement": result.movement,
        "started_at": result.started_at,
        "ended_at": result.ended_at or None,
        "duration_s": round(max(0.0, result.duration_s), 3),
        "quit_reason": result.quit_reason,
        "quit_note": result.quit_note[:500],
        "calibration": result.calibration,
        "events": [e.to_dict() for e in result.events],
        "phases": [p.to_dict() for p in result.phases],
        "reps": result.reps,
        "sets_completed": result.sets_completed,
        "score": max(0, int(result.score)),
        "success_rate": result.success_rate,
        "client_metrics": client_metrics,
        "targets": result.targets.to_dict(),
        "sample_rate_hz": result.recording.sample_rate_hz if recording and result.recording else None,
        "lang": result.lang,
        "client": CLIENT_NAME,
        "feelings": [r.to_dict() for r in result.feelings],
    }
    if result.targets.side and result.targets.placement:  # where the plan had the sensor worn
        meta["side"] = result.targets.side
        meta["placement"] = result.targets.placement
    if result.progress is not None:  # the patient's lasting progress, kept on the hub too
        meta["progress"] = result.progress
    safe: SessionUpload = plain(meta)
    return safe, recording
