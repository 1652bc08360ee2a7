"""Turning a finished ``SessionApp`` into a ``SessionResult`` and the summary's plain words.

Metrics come from the scoring room's ``analyze`` on the session's recording (the same code
the hub runs); the client's own per-rep numbers are kept alongside for comparison.
"""

from __future__ import annotations

import statistics
from datetime import date
from typing import TYPE_CHECKING, Any

from smarttouch.games.session.history import HistoryEntry
from smarttouch.games.session.result import SessionResult, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.games.session.app import SessionApp

# SPARC of a single minimum-jerk reach is about -1.41 (Balasubramanian et al. 2015); more
# negative is less smooth. Thresholds for the plain-words summary.
SPARC_VERY_SMOOTH = -1.8
SPARC_SMOOTH = -2.6


def session_metrics(recording: Any, movement: str, calibration: dict[str, Any]) -> dict[str, Any] | None:
    """``analyze(recording).to_dict()`` from scoring over the recording's play phases (the
    whole recording when it has none), or None without a recording/analyzer."""
    if recording is None or len(recording) < 10:
        return None
    try:
        from smarttouch.scoring import Calibration, analyze
    except ImportError:
        return None
    try:
        cal = Calibration.from_dict(calibration) if calibration.get("neutral_quat") is not None else None
    except (TypeError, ValueError):
        cal = None
    from smarttouch.sensors.types import play_spans

    spans = play_spans(recording.phases) if recording.phases else None
    try:
        return analyze(recording, movement=movement or None, calibration=cal, play_spans=spans).to_dict()
    except Exception as exc:  # the session must still be saved; the hub recomputes anyway
        return {"error": f"{type(exc).__name__}: {exc}"}


def build_result(app: SessionApp) -> SessionResult:
    """The SessionResult of ``app`` at this moment."""
    rec = app.device.recording()
    calibration = dict(app.calibration)
    if rec is not None and len(rec):
        phases = app.phase_log.phases(float(rec.t[0]), float(rec.t[-1]))
        rec.phases = phases
    else:
        phases = app.phase_log.phases(float("-inf"), app.control.t)
    if rec is not None:
        rec.calibration = calibration
        if app.targets.sensor_placement:  # the plan says where the sensor is worn
            rec.placement = app.targets.sensor_placement
    reps = [e for e in app.events if e.kind == "rep"]
    successes = [bool(e.data.get("success")) for e in reps]
    roms = app.rep_roms
    client = {
        "rep_rom_deg": [round(r, 2) for r in roms],
        "rom_deg_max": round(max(roms), 2) if roms else None,
        "rom_deg_mean": round(statistics.fmean(roms), 2) if roms else None,
        "final_target_rom_deg": round(app.adapter.difficulty.target_rom_deg, 2) if app.adapter else None,
        "game_snapshot": app.game.snapshot() if app.game_started else {},
    }
    if app.trophy is not None:
        client["trophy"] = {"count": int(app.trophy.count), "text": app.trophy.text("en")}
    return SessionResult(
        session_id=app.session_id,
        game=app.game.info.key,
        movement=app.movement,
        targets=app.targets,
        quit_reason=app.quit_reason or "closed",
        quit_note=app.quit_note,
        calibration=calibration,
        events=list(app.events),
        phases=list(phases),
        reps=app.reps,
        sets_completed=app.sets_completed,
        score=app.score,
        success_rate=round(sum(successes) / len(successes), 4) if successes else None,
        client_metrics=client,
        metrics=session_metrics(rec, app.movement, calibration),
        recording=rec,
        duration_s=app.now,
        started_at=app.started_at,
        ended_at=utc_now(),
        lang=app.targets.lang,
        feelings=list(app.feelings),
    )


def session_rom(result: SessionResult) -> float | None:
    """The session's range for the summary, degrees: the widest repetition counted in the play
    phases, or None without one. The hub's analysis (over the play phases) when the session
    has play phases, else the game's own per-rep ranges (which only ever count reps inside
    the play phases). Never the calibration's reach or a 0-rep wiggle."""
    if result.reps <= 0:
        return None
    m = result.metrics or {}
    played = any(p.kind == "play" and p.t_end > p.t_start for p in result.phases)
    rom = m.get("rom_deg")
    if played and isinstance(rom, (int, float)) and int(m.get("reps") or 0) > 0:
        return float(rom)
    client = result.client_metrics.get("rom_deg_max")
    return float(client) if isinstance(client, (int, float)) else None


def history_entry(result: SessionResult, today: date | None = None) -> HistoryEntry:
    """What the local history keeps of a session."""
    m = result.metrics or {}
    rom = session_rom(result)
    sparc = m.get("sparc") if isinstance(m.get("sparc"), (int, float)) and result.reps > 0 else None
    return HistoryEntry(
        day=(today or date.today()).isoformat(),
        game=result.game,
        reps=result.reps,
        rom_deg=None if rom is None else round(float(rom), 1),
        sparc=None if sparc is None else round(float(sparc), 3),
        success_rate=result.success_rate,
        goal_met=result.reps >= result.targets.total_reps,
        quit_reason=result.quit_reason,
        movement=result.movement,
        week_goal=result.targets.sessions_per_week,
        session_id=result.session_id,
    )


def smoothness_key(sparc: float | None) -> str | None:
    """Plain-words message key for a SPARC value (None when unknown)."""
    if sparc is None:
        return None
    if sparc >= SPARC_VERY_SMOOTH:
        return "summary.smooth.very"
    if sparc >= SPARC_SMOOTH:
        return "summary.smooth.good"
    return "summary.smooth.fair"
