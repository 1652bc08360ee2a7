"""Progress of one patient over sessions: trends, adherence, streaks, MCID flags and alerts.

Pure functions over a list of plain per-session records (no database): the hub builds the
records from its tables and shows the results. See docs/scoring.md for the MCID choices.

A session whose analysis flagged its repetition count as uncertain (``count_uncertain``) still
counts as a session done (adherence, streaks, quit reasons, the no-session and pain alerts),
but its numbers are left out of trends, MCID verdicts and decline alerts; the report says how
many sessions were left out and why.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from smarttouch.scoring.mcid import MCID_RULES, mcid_for

RECENT_N = 3  # sessions averaged for "recent" and "baseline"
NO_SESSION_DAYS = 4
PAIN_REASONS = {"pain"}
PAIN_RISE_POINTS = 2.0  # NRS points above the patient's usual pain that deserve attention
PAIN_USUAL_N = 10  # recent pain ratings whose median is "the usual"
PAIN_USUAL_MIN = 3  # fewer earlier ratings than this: no usual level yet, no alert


@dataclass(frozen=True)
class SessionRecord:
    """One exercise session as the progress functions need it.

    Attributes:
        day: date of the session.
        metrics: metric name -> value (e.g. rom_deg, sparc, reps), units as in SessionMetrics.
        quit_reason: why the session ended ("completed", "pain", "fatigue", ...), or None.
        count_uncertain: the analysis could not count this session's repetitions reliably
            (SessionMetrics.count_uncertain); its metrics stay out of trends and verdicts.
        uncertain_reason: the analysis's reason in plain words, or None.
    """

    day: date
    metrics: dict[str, float] = field(default_factory=dict)
    quit_reason: str | None = None
    count_uncertain: bool = False
    uncertain_reason: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionRecord:
        """From ``{"day" or "date": "2024-05-01" | date | datetime, "metrics": {...},
        "quit_reason": ..., "count_uncertain": bool, "uncertain_reason": ...}``; the two
        uncertainty keys may also sit inside ``metrics`` (as in ``SessionMetrics.to_dict()``)."""
        raw = d.get("day", d.get("date"))
        if isinstance(raw, datetime):
            day = raw.date()
        elif isinstance(raw, date):
            day = raw
        elif isinstance(raw, str):
            try:
                day = date.fromisoformat(raw[:10])
            except ValueError:
                raise ValueError(f"session record: day {raw!r} is not an ISO date (YYYY-MM-DD)") from None
        else:
            raise ValueError(f"session record needs a 'day' date, got {raw!r}")
        raw_metrics = d.get("metrics") or {}
        metrics = {
            k: float(v)
            for k, v in raw_metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
        }
        uncertain = d.get("count_uncertain", raw_metrics.get("count_uncertain", False))
        reason = d.get("uncertain_reason", raw_metrics.get("uncertain_reason"))
        return cls(
            day=day,
            metrics=metrics,
            quit_reason=d.get("quit_reason"),
            count_uncertain=bool(uncertain),
            uncertain_reason=str(reason) if reason else None,
        )


@dataclass(frozen=True)
class Trend:
    """Linear trend of a metric: slope per week with its 95 % confidence interval."""

    metric: str
    n: int
    slope_per_week: float
    ci_low: float
    ci_high: float

    @property
    def significant(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class WeekAdherence:
    week_start: date
    done: int
    prescribed: int

    @property
    def ratio(self) -> float:
        return self.done / self.prescribed if self.prescribed else float("nan")


@dataclass(frozen=True)
class Alert:
    kind: str  # "decline", "no_session", "pain_stop", "pain_rise"
    message: str
    metric: str | None = None


def _sorted(records: list[SessionRecord]) -> list[SessionRecord]:
    return sorted(records, key=lambda r: r.day)


def _trusted(records: list[SessionRecord]) -> list[SessionRecord]:
    """The sessions whose numbers may enter trends and verdicts (count not flagged uncertain)."""
    return [r for r in records if not r.count_uncertain]


@lru_cache(maxsize=512)
def _t975(dof: int) -> float:
    """Two-sided 95 % critical value of Student's t with ``dof`` degrees of freedom (cached:
    a caseload asks for the same few values hundreds of times)."""
    from scipy import stats  # here, not at import: the hub's web processes rarely need it

    return float(stats.t.ppf(0.975, dof))


def trend(records: list[SessionRecord], metric: str) -> Trend | None:
    """OLS slope of ``metric`` against time in weeks with a t-based 95 % CI (needs >= 3
    sessions on >= 2 different days; sessions with an uncertain count are left out). Units:
    the metric's unit per week.

    Closed form on centred sums (the same estimates as ``scipy.stats.linregress``: slope
    ``Sxy / Sxx`` and standard error ``sqrt((Syy - Sxy^2 / Sxx) / (n - 2) / Sxx)``), without
    its per-call overhead: a caseload computes one trend per patient."""
    records = _trusted(records)
    xs = [r.day.toordinal() / 7.0 for r in records if metric in r.metrics]
    n = len(xs)
    if n < 3:
        return None
    ys = [r.metrics[metric] for r in records if metric in r.metrics]
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    dx = [x - mx for x in xs]
    dy = [y - my for y in ys]
    sxx = math.fsum(d * d for d in dx)
    if sxx <= 0.0:  # every session on the same day: no slope
        return None
    sxy = math.fsum(a * b for a, b in zip(dx, dy))
    syy = math.fsum(d * d for d in dy)
    slope = sxy / sxx
    residual = max(0.0, syy - slope * sxy)  # sum of squared residuals; rounding can dip below 0
    half = _t975(n - 2) * math.sqrt(residual / (n - 2) / sxx)
    return Trend(metric, n, slope, slope - half, slope + half)


def adherence(
    records: list[SessionRecord], sessions_per_week: int, start: date, end: date
) -> list[WeekAdherence]:
    """Sessions done vs prescribed for each week (Monday-based) from ``start`` to ``end``."""
    if sessions_per_week < 0:
        raise ValueError(f"sessions_per_week must be >= 0, got {sessions_per_week}")
    monday = start - timedelta(days=start.weekday())
    counts = Counter(r.day - timedelta(days=r.day.weekday()) for r in records if start <= r.day <= end)
    weeks = []
    while monday <= end:
        weeks.append(WeekAdherence(monday, counts.get(monday, 0), sessions_per_week))
        monday += timedelta(days=7)
    return weeks


def streak(records: list[SessionRecord], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days with a session; the current run may end
    today or yesterday."""
    days = sorted({r.day for r in records})
    longest = run = 0
    prev = None
    for d in days:
        run = run + 1 if prev is not None and (d - prev).days == 1 else 1
        longest = max(longest, run)
        prev = d
    current = run if days and (today - days[-1]).days <= 1 else 0
    return current, longest


def week_streak(
    records: list[SessionRecord], prescribed: Callable[[date], int], today: date, first: date | None = None
) -> tuple[int, int]:
    """(current, longest) runs of consecutive Monday-based weeks in which the sessions done
    met that week's prescription (``prescribed(monday)``, sessions per week). Weeks with
    nothing prescribed neither count nor break a run; the current week counts once met and
    does not break the run while it is not over. ``first``: the first day to look at (default:
    the first session)."""
    days = sorted(r.day for r in records)
    start = first or (days[0] if days else today)
    monday = start - timedelta(days=start.weekday())
    this_monday = today - timedelta(days=today.weekday())
    counts = Counter(d - timedelta(days=d.weekday()) for d in days)
    run = longest = 0
    while monday <= this_monday:
        p = prescribed(monday)
        if p > 0:
            if counts.get(monday, 0) >= p:
                run += 1
                longest = max(longest, run)
            elif monday != this_monday:
                run = 0
        monday += timedelta(days=7)
    return run, longest


def _mcid_series(recs: list[SessionRecord]) -> dict[str, tuple[list[float], float]]:
    """Per MCID metric with at least ``2 * RECENT_N`` trusted sessions: its values in the
    order of ``recs`` (already sorted by day) and its MCID from the baseline (first
    ``RECENT_N``). Sessions with an uncertain count are left out."""
    recs = _trusted(recs)
    out = {}
    for metric in MCID_RULES:
        vals = [r.metrics[metric] for r in recs if metric in r.metrics]
        if len(vals) >= 2 * RECENT_N:
            out[metric] = (vals, mcid_for(metric, np.array(vals[:RECENT_N])))
    return out


def mcid_flags(records: list[SessionRecord]) -> dict[str, dict[str, Any]]:
    """Per metric: baseline (first 3 sessions) vs recent (last 3) change, the MCID and whether
    the change is an improvement or a decline beyond it (sessions with an uncertain count
    left out)."""
    return _mcid_flags(_mcid_series(_sorted(records)))


def _mcid_flags(series: dict[str, tuple[list[float], float]]) -> dict[str, dict[str, Any]]:
    out = {}
    for metric, (vals, mcid) in series.items():
        base, recent = np.array(vals[:RECENT_N]), np.array(vals[-RECENT_N:])
        change = float(recent.mean() - base.mean())
        better = change if MCID_RULES[metric].higher_is_better else -change
        out[metric] = {
            "baseline": float(base.mean()),
            "recent": float(recent.mean()),
            "change": change,
            "mcid": mcid,
            "improved": better >= mcid,
            "declined": -better >= mcid,
        }
    return out


def usual_pain(earlier: list[float]) -> float | None:
    """The patient's usual pain: the median of the last :data:`PAIN_USUAL_N` ratings (0-10
    NRS) before the latest session, or None with fewer than :data:`PAIN_USUAL_MIN`."""
    recent = [float(v) for v in earlier][-PAIN_USUAL_N:]
    if len(recent) < PAIN_USUAL_MIN:
        return None
    return float(np.median(recent))


def pain_rise(earlier: list[float], latest: float) -> Alert | None:
    """A pain-rise alert when the latest session's pain (0-10 NRS, its highest rating) is at
    least :data:`PAIN_RISE_POINTS` above the patient's usual (:func:`usual_pain` of the
    ratings before it, oldest first); else None. Two NRS points is the change commonly
    taken as clinically important in chronic pain (Farrar et al., Pain 2001;94:149-158)."""
    usual = usual_pain(earlier)
    if usual is None or latest - usual < PAIN_RISE_POINTS:
        return None
    return Alert("pain_rise", f"pain {latest:g}/10 against a usual {usual:g}/10 (median of recent ratings)")


def alerts(records: list[SessionRecord], today: date, no_session_days: int = NO_SESSION_DAYS) -> list[Alert]:
    """Decline (last 3 trusted sessions worse than the 3 before by at least the MCID), no
    session for ``no_session_days`` days, and a stop for pain in the last session."""
    recs = _sorted(records)
    return _alerts(recs, today, no_session_days, _mcid_series(recs))


def _alerts(
    recs: list[SessionRecord], today: date, no_session_days: int, series: dict[str, tuple[list[float], float]]
) -> list[Alert]:
    out: list[Alert] = []
    if not recs:
        return out
    gap = (today - recs[-1].day).days
    if gap >= no_session_days:
        out.append(Alert("no_session", f"no session for {gap} days (last on {recs[-1].day.isoformat()})"))
    if recs[-1].quit_reason in PAIN_REASONS:
        out.append(Alert("pain_stop", f"the last session ({recs[-1].day.isoformat()}) was stopped for pain"))
    for metric, (vals, mcid) in series.items():
        rule = MCID_RULES[metric]
        prev, recent = np.array(vals[-2 * RECENT_N : -RECENT_N]), np.array(vals[-RECENT_N:])
        worse = (prev.mean() - recent.mean()) if rule.higher_is_better else (recent.mean() - prev.mean())
        if worse >= mcid:
            out.append(
                Alert(
                    "decline",
                    f"{rule.label} fell from {prev.mean():.1f} to {recent.mean():.1f} "
                    f"over the last {RECENT_N} sessions (MCID {mcid:.2f})",
                    metric,
                )
            )
    return out


def quit_reasons(records: list[SessionRecord]) -> dict[str, int]:
    """How often each quit reason occurred (None counted as "unknown")."""
    return dict(Counter(r.quit_reason or "unknown" for r in records))


def excluded_sessions(records: list[SessionRecord]) -> list[dict[str, Any]]:
    """The sessions left out of trends and verdicts, oldest first: day (ISO) and reason."""
    return [
        {"day": r.day.isoformat(), "reason": r.uncertain_reason or "repetition count uncertain"}
        for r in _sorted(records)
        if r.count_uncertain
    ]


def progress_report(
    records: list[SessionRecord] | list[dict[str, Any]],
    sessions_per_week: int,
    today: date,
    start: date | None = None,
) -> dict[str, Any]:
    """Everything above in one JSON-serialisable dict. ``excluded_uncertain`` counts (and
    ``excluded_sessions`` lists) the sessions whose count was uncertain, left out of
    ``trends``, ``mcid`` and the decline alerts."""
    recs = [r if isinstance(r, SessionRecord) else SessionRecord.from_dict(r) for r in records]
    recs = _sorted(recs)
    start = start or (recs[0].day if recs else today)
    trends = {m: trend(recs, m) for m in MCID_RULES}
    current, longest = streak(recs, today)
    series = _mcid_series(recs)  # sorted once; shared by the MCID flags and the decline alerts
    return {
        "sessions": len(recs),
        "trends": {m: asdict(t) | {"significant": t.significant} for m, t in trends.items() if t},
        "adherence": [
            {
                "week_start": w.week_start.isoformat(),
                "done": w.done,
                "prescribed": w.prescribed,
                "ratio": None if not w.prescribed else w.ratio,
            }
            for w in adherence(recs, sessions_per_week, start, today)
        ],
        "streak_days": current,
        "longest_streak_days": longest,
        "mcid": _mcid_flags(series),
        "alerts": [asdict(a) for a in _alerts(recs, today, NO_SESSION_DAYS, series)],
        "quit_reasons": quit_reasons(recs),
        "excluded_uncertain": sum(r.count_uncertain for r in recs),
        "excluded_sessions": excluded_sessions(recs),
    }
