"""``SessionResult``: everything one play session produced, as the patient client uploads it.

On disk a result is two files side by side: ``NAME.json`` (targets, calibration, game
events, client metrics, quit reason...) and ``NAME.npz`` (the IMU recording, written with the
sensors room's ``save_recording``; absent for keyboard previews). Both are written atomically
and the JSON names the recording file and its sha256, so a torn pair is detected on load.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smarttouch.files import atomic_write_json
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.feelings import Rating
from smarttouch.sensors.types import Phase, Recording

SCHEMA = "smarttouch.session/1"
QUIT_REASONS = ("completed", "pain", "fatigue", "other", "time_limit", "disconnected", "closed")


class SessionFileError(ValueError):
    """A session file that cannot be read back; the message names the file and the problem."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class SessionResult:
    """One session.

    Attributes:
        game, movement: what was played, with which movement.
        targets: the PlanTargets of the session.
        quit_reason: one of QUIT_REASONS; ``quit_note`` free text (e.g. for "other").
        calibration: neutral pose and comfortable maximum as recorded (tracker's Calibration
            dict plus ``rom_max_deg`` in degrees).
        events: the game and framework events, in order (times on the recording's clock, s).
        phases: the session's phases (calibration, instructions, play per set, rest, stop,
            summary) on the recording's clock, s; the reps the game counted are the reps
            inside the play phases. Also stored in the recording.
        reps: reps the game counted; ``sets_completed``; ``score`` (points).
        success_rate: share of reps that reached the target (0..1) or None.
        client_metrics: numbers computed on the device (per-rep ROM in degrees, etc.).
        metrics: ``smarttouch.scoring.analyze(recording).to_dict()`` or None.
        recording: the IMU recording, or None (keyboard preview).
        duration_s: session length on the session clock, seconds.
        feelings: how the patient felt: pain (0-10) and effort (Borg CR10) before and after,
            one :class:`~.feelings.Rating` per question asked (skipped ones included); empty
            when the session did not ask.
    """

    game: str
    movement: str
    targets: PlanTargets
    quit_reason: str = "completed"
    quit_note: str = ""
    calibration: dict[str, Any] = field(default_factory=dict)
    events: list[GameEvent] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    reps: int = 0
    sets_completed: int = 0
    score: int = 0
    success_rate: float | None = None
    client_metrics: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] | None = None
    recording: Recording | None = None
    duration_s: float = 0.0
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: str = field(default_factory=utc_now)
    ended_at: str = ""
    lang: str = "en"
    feelings: list[Rating] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.quit_reason not in QUIT_REASONS:
            raise ValueError(
                f"quit_reason must be one of {', '.join(QUIT_REASONS)}, got {self.quit_reason!r}"
            )

    def rep_events(self) -> list[GameEvent]:
        return [e for e in self.events if e.kind == "rep"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, without the recording arrays (see ``save``)."""
        return {
            "schema": SCHEMA,
            "session_id": self.session_id,
            "game": self.game,
            "movement": self.movement,
            "targets": self.targets.to_dict(),
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": round(self.duration_s, 3),
            "quit_reason": self.quit_reason,
            "quit_note": self.quit_note,
            "calibration": self.calibration,
            "reps": self.reps,
            "sets_completed": self.sets_completed,
            "score": self.score,
            "success_rate": self.success_rate,
            "client_metrics": self.client_metrics,
            "metrics": self.metrics,
            "events": [e.to_dict() for e in self.events],
            "phases": [p.to_dict() for p in self.phases],
            "lang": self.lang,
            "feelings": [r.to_dict() for r in self.feelings],
            "has_recording": self.recording is not None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], recording: Recording | None = None) -> SessionResult:
        if d.get("schema") != SCHEMA:
            raise SessionFileError(f"unknown session schema {d.get('schema')!r} (expected {SCHEMA})")
        return cls(
            game=d["game"],
            movement=d["movement"],
            targets=PlanTargets.from_dict(d["targets"]),
            quit_reason=d["quit_reason"],
            quit_note=d.get("quit_note", ""),
            calibration=d.get("calibration") or {},
            events=[GameEvent.from_dict(e) for e in d.get("events", [])],
            phases=[Phase.from_dict(p) for p in d.get("phases") or []],
            reps=int(d.get("reps", 0)),
            sets_completed=int(d.get("sets_completed", 0)),
            score=int(d.get("score", 0)),
            success_rate=d.get("success_rate"),
            client_metrics=d.get("client_metrics") or {},
            metrics=d.get("metrics"),
            recording=recording,
            duration_s=float(d.get("duration_s", 0.0)),
            session_id=d["session_id"],
            started_at=d.get("started_at", ""),
            ended_at=d.get("ended_at", ""),
            lang=d.get("lang", "en"),
            feelings=[Rating.from_dict(r) for r in d.get("feelings") or []],
        )

    def save(self, path: str | Path) -> Path:
        """Write ``path`` (JSON) and, with a recording, ``path`` with suffix ``.npz``. Returns the JSON path."""
        from smarttouch.sensors.recording_io import save_recording

        json_path = Path(path)
        if json_path.suffix.lower() != ".json":
            raise ValueError(f"{json_path}: a session result is saved as a .json file")
        data = self.to_dict()
        if self.recording is not None:
            rec_path = save_recording(self.recording, json_path.with_suffix(".npz"))
            data["recording_file"] = rec_path.name
            data["recording_sha256"] = hashlib.sha256(rec_path.read_bytes()).hexdigest()
        atomic_write_json(json_path, data)
        return json_path

    @classmethod
    def load(cls, path: str | Path) -> SessionResult:
        """Read a result written by ``save`` (checking the recording's sha256)."""
        from smarttouch.sensors.recording_io import load_recording

        json_path = Path(path)
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SessionFileError(f"{json_path}: no such session file") from exc
        except ValueError as exc:
            raise SessionFileError(f"{json_path}: not valid JSON ({exc})") from exc
        recording = None
        if data.get("recording_file"):
            rec_path = json_path.parent / data["recording_file"]
            if not rec_path.is_file():
                raise SessionFileError(f"{json_path}: its recording {rec_path.name} is missing")
            digest = hashlib.sha256(rec_path.read_bytes()).hexdigest()
            if digest != data.get("recording_sha256"):
                raise SessionFileError(f"{json_path}: recording {rec_path.name} does not match its sha256")
            recording = load_recording(rec_path)
        try:
            return cls.from_dict(data, recording)
        except (KeyError, TypeError, ValueError) as exc:
            raise SessionFileError(f"{json_path}: {exc}") from exc
