"""A pilot's outcomes, computed by the hub from the stored sessions (never typed).

Which sessions count: those of each consented patient from the consent (or the pilot's
start, if later) to the withdrawal, the pilot's end or now, of the pilot's movement and the
patient's arm's game (the solution, or the built-in comparator game). A patient who withdrew
keeps the sessions before the withdrawal; nothing after it is used. ROM numbers use only
scored sessions whose repetition count is trusted (as everywhere on the hub,
:mod:`smarttouch.scoring.progress`).

Per patient: adherence (sessions done / sessions prescribed over the days so far),
sessions completed vs stopped for pain, fatigue or another reason, repetitions per session,
ROM change (mean of the last 3 trusted sessions minus the first 3, Welch 95 % CI), whether
it reaches the ROM MCID (10 degrees, :mod:`smarttouch.scoring.mcid`), pain and effort before
and after (means of the ratings given), and the game's own numbers (score, success rate,
sets completed). Per arm: the means of the patients' values with t-based 95 % CIs and the
share improving beyond the MCID with a Wilson score interval (Wilson 1927).

The between-arm (or paired) estimate depends on the design, see :func:`compare` and
docs/pilots.md. Units: degrees, degrees per week, sessions; pain 0-10 NRS, effort Borg CR10.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from smarttouch.scoring.mcid import MCID_RULES
from smarttouch.scoring.progress import RECENT_N

from ...models import (
    Assignment,
    ExerciseSession,
    Patient,
    Pilot,
    PilotArm,
    PilotComparator,
    PilotEnrolment,
    SessionFeeling,
    SessionMetricsRecord,
    pk,
    utcnow,
)
from ..clinic.progress import local_day
from . import enrolment as pilot_enrolment
from . import pilots


def _stats() -> Any:
    """scipy.stats, loaded when a pilot's numbers are computed (not at hub start: issue 16's
    memory budget)."""
    from scipy import stats

    return stats


SMALL_N = 10
"""fewer patients than this in an arm: the page says plainly that the sample is small"""
MCID_ROM_DEG = float(MCID_RULES["rom_deg"].fixed or 10.0)
GAME_METRICS = ("score", "success_rate", "sets_completed")
"""the game's own numbers, from each session's ``game_result``"""
FEELINGS = ("pain_before", "pain_after", "effort_before", "effort_after")
STOP_KINDS = ("completed", "pain", "fatigue")


# ------------------------------------------------------------------ result types
@dataclass(frozen=True)
class Interval:
    """An estimate with its 95 % confidence interval. ``n``: observations behind it. With
    one observation there is a value and no interval; with none, everything is None."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class Share:
    """``k`` of ``n`` with a Wilson score 95 % interval (``low``/``high`` None when n = 0)."""

    k: int
    n: int
    low: float | None
    high: float | None

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None


@dataclass(frozen=True)
class PatientOutcome:
    """One consented patient's numbers (``patient_id`` is for the page to decide whether to
    name them, :func:`.pilots.may_identify`; everyone else sees ``pseudonym``)."""

    enrolment_id: int
    patient_id: int
    pseudonym: str
    """``S01``, ``S02``... in invitation order, stable for the pilot"""
    arm: str
    withdrawn: bool
    window_start: datetime
    window_end: datetime
    sessions: int
    completed: int
    stopped_pain: int
    stopped_fatigue: int
    stopped_other: int
    prescribed: float | None
    """sessions prescribed from consent to today/withdrawal/end (sessions per week x days / 7)"""
    adherence: float | None
    """sessions / prescribed (1.0 = as prescribed)"""
    reps_per_session: float | None
    rom_sessions: int
    """trusted scored sessions with a ROM"""
    rom_first: float | None
    """mean ROM (deg) of the first 3 trusted sessions (needs 6)"""
    rom_last: float | None
    rom_change: Interval
    """rom_last - rom_first (deg) with a Welch 95 % CI"""
    improved_mcid: bool | None
    """rom_change >= 10 deg (None with fewer than 6 trusted sessions)"""
    pilot_rom: float | None
    """mean ROM (deg) over all trusted sessions in the window"""
    baseline_sessions: int
    """own_baseline: trusted sessions of the movement in the weeks before consent"""
    baseline_rom: float | None
    pain_before: float | None
    pain_after: float | None
    effort_before: float | None
    effort_after: float | None
    game_metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ArmSummary:
    """Pooled over an arm's patients: means of their values with t-based 95 % CIs."""

    arm: str
    patients: int
    withdrawn: int
    sessions: int
    completed: int
    stopped_pain: int
    stopped_fatigue: int
    stopped_other: int
    adherence: Interval
    reps_per_session: Interval
    rom_change: Interval
    improved_mcid: Share
    pain_before: Interval
    pain_after: Interval
    effort_before: Interval
    effort_after: Interval
    game_metrics: dict[str, Interval]
    small_sample: bool


@dataclass(frozen=True)
class Comparison:
    """The design's estimate.

    ``analysis``: ``paired`` (own_baseline: pilot-window mean ROM minus baseline mean ROM per
    patient, paired t with CI, Wilcoxon signed-rank p), ``mixed`` (builtin_game: MixedLM
    ``rom ~ week * arm`` with a random intercept per patient; the estimate is the week x arm
    coefficient, the difference in ROM gained per week, pilot minus comparator), ``welch``
    (builtin_game fallback: difference in mean per-patient ROM change, Welch t) or ``none``
    (not enough data). ``reason``: why a fallback or none (translated)."""

    analysis: str
    estimate: Interval
    unit: str
    """``deg`` or ``deg/week``"""
    p_value: float | None
    wilcoxon_p: float | None
    reason: Any = None


@dataclass(frozen=True)
class PilotOutcomes:
    pilot_id: int
    comparator: str
    as_of: date
    invited: int
    consented: int
    """patients who ever consented"""
    withdrawn: int
    """of those, how many withdrew"""
    declined: int
    """invited patients who withdrew before consenting"""
    pending: int
    """invited, not yet answered"""
    patients: list[PatientOutcome]
    arms: dict[str, ArmSummary]
    """``pilot`` always; ``comparator`` for builtin_game pilots"""
    comparison: Comparison
    method: Any
    """how the numbers were computed, in words (translated)"""
    small_sample: bool
    small_sample_note: Any


# ------------------------------------------------------------------ statistics helpers
def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def mean_ci(values: Sequence[float | None]) -> Interval:
    """Mean with a t-based 95 % CI (None bounds with fewer than 2 values)."""
    xs = _finite(values)
    n = len(xs)
    if n == 0:
        return Interval(None, None, None, 0)
    m = float(np.mean(xs))
    if n == 1:
        return Interval(m, None, None, 1)
    half = float(_stats().t.ppf(0.975, n - 1)) * float(np.std(xs, ddof=1)) / math.sqrt(n)
    return Interval(m, m - half, m + half, n)


def welch_diff(a: Sequence[float], b: Sequence[float]) -> Interval:
    """mean(a) - mean(b) with a Welch-Satterthwaite 95 % CI (needs 2 values in each)."""
    xa, xb = _finite(a), _finite(b)
    if len(xa) < 2 or len(xb) < 2:
        diff = float(np.mean(xa) - np.mean(xb)) if xa and xb else None
        return Interval(diff, None, None, len(xa) + len(xb))
    va, vb = np.var(xa, ddof=1) / len(xa), np.var(xb, ddof=1) / len(xb)
    diff = float(np.mean(xa) - np.mean(xb))
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Interval(diff, diff, diff, len(xa) + len(xb))
    dof = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    half = float(_stats().t.ppf(0.975, dof)) * se
    return Interval(diff, diff - half, diff + half, len(xa) + len(xb))


def wilson(k: int, n: int, z: float = 1.959963984540054) -> Share:
    """Wilson score interval for k successes in n (Wilson 1927, JASA 22:209-212)."""
    if n == 0:
        return Share(0, 0, None, None)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Share(k, n, max(0.0, centre - half), min(1.0, centre + half))


# ------------------------------------------------------------------ reading the sessions
@dataclass(frozen=True)
class _Row:
    session: ExerciseSession
    metrics: SessionMetricsRecord | None

    @property
    def trusted_rom(self) -> float | None:
        m = self.metrics
        if m is None or m.count_uncertain or not math.isfinite(m.rom_deg):
            return None
        return float(m.rom_deg)


def _sessions(session: Session, patient_id: int, start: datetime, end: datetime) -> list[_Row]:
    rows = session.exec(
        select(ExerciseSession, SessionMetricsRecord)
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .where(
            ExerciseSession.patient_id == patient_id,
            col(ExerciseSession.started_at) >= start,
            col(ExerciseSession.started_at) < end,
        )
        .order_by(col(ExerciseSession.started_at), col(ExerciseSession.id))
    ).all()
    return [_Row(s, m) for s, m in rows]


def pilot_sessions(
    session: Session, *, pilot: Pilot, enrolment: PilotEnrolment, now: datetime, tz: tzinfo | str
) -> list[_Row]:
    """The enrolment's counted sessions (see the module docstring), oldest first."""
    window = pilots.data_window(enrolment, pilot, _zone(tz))
    if window is None or enrolment.arm is None:
        return []
    start, end = window[0], min(window[1], now)
    activity_id = pilot_enrolment.arm_activity_id(pilot, enrolment.arm)
    return [
        r
        for r in _sessions(session, enrolment.patient_id, start, end)
        if r.session.activity_id == activity_id and r.session.movement in (pilot.movement, None)
    ]


def baseline_rows(session: Session, *, pilot: Pilot, enrolment: PilotEnrolment) -> list[_Row]:
    """own_baseline: the patient's sessions of the movement in the weeks before consent."""
    if enrolment.consented_at is None:
        return []
    start = enrolment.consented_at - timedelta(weeks=pilots.BASELINE_WEEKS)
    rows = _sessions(session, enrolment.patient_id, start, enrolment.consented_at)
    return [r for r in rows if r.session.movement == pilot.movement]


def _feelings(session: Session, session_ids: list[int]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in FEELINGS}
    if not session_ids:
        return out
    for f in session.exec(select(SessionFeeling).where(col(SessionFeeling.session_id).in_(session_ids))):
        if f.value is None or f.skipped:
            continue
        kind = "pain" if f.scale == "pain_nrs" else "effort"
        out[f"{kind}_{f.moment}"].append(float(f.value))
    return out


def _zone(tz: tzinfo | str) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _mean(xs: Sequence[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def _game_metrics(rows: list[_Row]) -> dict[str, float]:
    out = {}
    for key in GAME_METRICS:
        vals = [
            float(v)
            for r in rows
            if isinstance(v := (r.session.game_result or {}).get(key), (int, float))
            and not isinstance(v, bool)
        ]
        if vals:
            out[key] = float(np.mean(vals))
    return out


def _prescribed(
    session: Session, enrolment: PilotEnrolment, start: datetime, end: datetime, tz: tzinfo
) -> float | None:
    assignment = session.get(Assignment, enrolment.assignment_id) if enrolment.assignment_id else None
    if assignment is None:
        return None
    first, last = local_day(start, tz), local_day(end - timedelta(microseconds=1), tz)
    days = (last - first).days + 1
    return assignment.sessions_per_week * max(days, 0) / 7.0


def patient_outcome(
    session: Session,
    *,
    pilot: Pilot,
    enrolment: PilotEnrolment,
    pseudonym: str,
    now: datetime,
    tz: tzinfo | str,
) -> PatientOutcome:
    zone = _zone(tz)
    window = pilots.data_window(enrolment, pilot, zone)
    assert window is not None  # only consented enrolments come here
    start, end = window[0], min(window[1], now)
    rows = pilot_sessions(session, pilot=pilot, enrolment=enrolment, now=now, tz=zone)
    quits = [r.session.quit_reason for r in rows]
    prescribed = _prescribed(session, enrolment, start, end, zone) if end > start else 0.0
    roms = _finite([r.trusted_rom for r in rows])
    first = last = None
    change = Interval(None, None, None, len(roms))
    improved = None
    if len(roms) >= 2 * RECENT_N:
        first, last = float(np.mean(roms[:RECENT_N])), float(np.mean(roms[-RECENT_N:]))
        change = welch_diff(roms[-RECENT_N:], roms[:RECENT_N])
        improved = (last - first) >= MCID_ROM_DEG
    reps = [float(r.metrics.reps) for r in rows if r.metrics is not None and not r.metrics.count_uncertain]
    base = (
        _finite([r.trusted_rom for r in baseline_rows(session, pilot=pilot, enrolment=enrolment)])
        if pilot.comparator == PilotComparator.own_baseline
        else []
    )
    feel = _feelings(session, [pk(r.session) for r in rows])
    return PatientOutcome(
        enrolment_id=pk(enrolment),
        patient_id=enrolment.patient_id,
        pseudonym=pseudonym,
        arm=enrolment.arm or PilotArm.pilot,
        withdrawn=enrolment.withdrawn_at is not None,
        window_start=start,
        window_end=end,
        sessions=len(rows),
        completed=sum(q == "completed" for q in quits),
        stopped_pain=sum(q == "pain" for q in quits),
        stopped_fatigue=sum(q == "fatigue" for q in quits),
        stopped_other=sum(q not in STOP_KINDS for q in quits),
        prescribed=prescribed,
        adherence=len(rows) / prescribed if prescribed else None,
        reps_per_session=_mean(reps),
        rom_sessions=len(roms),
        rom_first=first,
        rom_last=last,
        rom_change=change,
        improved_mcid=improved,
        pilot_rom=_mean(roms),
        baseline_sessions=len(base),
        baseline_rom=_mean(base),
        pain_before=_mean(feel["pain_before"]),
        pain_after=_mean(feel["pain_after"]),
        effort_before=_mean(feel["effort_before"]),
        effort_after=_mean(feel["effort_after"]),
        game_metrics=_game_metrics(rows),
    )


def arm_summary(arm: str, people: list[PatientOutcome]) -> ArmSummary:
    verdicts = [p.improved_mcid for p in people if p.improved_mcid is not None]
    keys = sorted({k for p in people for k in p.game_metrics})
    return ArmSummary(
        arm=arm,
        patients=len(people),
        withdrawn=sum(p.withdrawn for p in people),
        sessions=sum(p.sessions for p in people),
        completed=sum(p.completed for p in people),
        stopped_pain=sum(p.stopped_pain for p in people),
        stopped_fatigue=sum(p.stopped_fatigue for p in people),
        stopped_other=sum(p.stopped_other for p in people),
        adherence=mean_ci([p.adherence for p in people]),
        reps_per_session=mean_ci([p.reps_per_session for p in people]),
        rom_change=mean_ci([p.rom_change.value for p in people]),
        improved_mcid=wilson(sum(verdicts), len(verdicts)),
        pain_before=mean_ci([p.pain_before for p in people]),
        pain_after=mean_ci([p.pain_after for p in people]),
        effort_before=mean_ci([p.effort_before for p in people]),
        effort_after=mean_ci([p.effort_after for p in people]),
        game_metrics={k: mean_ci([p.game_metrics.get(k) for p in people]) for k in keys},
        small_sample=len(people) < SMALL_N,
    )


# ------------------------------------------------------------------ the design's estimate
def paired(people: list[PatientOutcome]) -> Comparison:
    """own_baseline: per patient, mean ROM in the pilot window minus the baseline weeks'."""
    pairs = [
        (p.pilot_rom, p.baseline_rom)
        for p in people
        if p.pilot_rom is not None and p.baseline_rom is not None
    ]
    d = [a - b for a, b in pairs]
    if len(d) < 2:
        return Comparison(
            "none",
            Interval(d[0] if d else None, None, None, len(d)),
            "deg",
            None,
            None,
            _l("Fewer than two patients have sessions both before and during the pilot: no paired test."),
        )
    ci = mean_ci(d)
    p_t = float(_stats().ttest_rel([a for a, _ in pairs], [b for _, b in pairs]).pvalue)
    p_w = float(_stats().wilcoxon(d).pvalue) if any(x != 0 for x in d) else None
    return Comparison("paired", ci, "deg", p_t if math.isfinite(p_t) else None, p_w)


def mixed_model_data(
    session: Session, *, pilot: Pilot, enrolments: list[PilotEnrolment], now: datetime, tz: tzinfo | str
) -> dict[str, list[float]]:
    """One row per trusted session: rom (deg), week (since the patient's window start),
    arm (1 = pilot, 0 = comparator), patient (enrolment id)."""
    data: dict[str, list[float]] = {"rom": [], "week": [], "arm": [], "patient": []}
    for e in enrolments:
        window = pilots.data_window(e, pilot, _zone(tz))
        if window is None:
            continue
        for r in pilot_sessions(session, pilot=pilot, enrolment=e, now=now, tz=tz):
            rom = r.trusted_rom
            if rom is None:
                continue
            data["rom"].append(rom)
            data["week"].append((r.session.started_at - window[0]).total_seconds() / (7 * 86400))
            data["arm"].append(1.0 if e.arm == PilotArm.pilot else 0.0)
            data["patient"].append(float(pk(e)))
    return data


def fit_mixed(data: dict[str, list[float]]) -> tuple[Interval, float | None] | str:
    """MixedLM ``rom ~ week * arm`` with a random intercept per patient (REML); the week x arm
    coefficient with its 95 % CI and p, or the reason it could not be fitted."""
    import pandas as pd
    import statsmodels.formula.api as smf

    frame = pd.DataFrame(data)
    if frame.empty:
        return "no sessions"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = smf.mixedlm("rom ~ week * arm", frame, groups=frame["patient"]).fit(reml=True)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return f"the model could not be fitted ({exc})"
    if not getattr(result, "converged", True):
        return "the model did not converge"
    name = "week:arm"
    if name not in result.params.index:
        return "the week x arm term could not be estimated"
    est = float(result.params[name])
    low, high = (float(v) for v in result.conf_int().loc[name])
    p = float(result.pvalues[name])
    if not all(math.isfinite(v) for v in (est, low, high)):
        return "the model gave no finite estimate"
    return Interval(est, low, high, len(frame)), (p if math.isfinite(p) else None)


def between_arms(
    session: Session,
    *,
    pilot: Pilot,
    enrolments: list[PilotEnrolment],
    people: list[PatientOutcome],
    now: datetime,
    tz: tzinfo | str,
) -> Comparison:
    """builtin_game: the mixed model, or Welch on the per-patient ROM change when it cannot
    be fitted (the reason is stated), or nothing with fewer than 2 patients per arm."""
    by_arm = {a: [p for p in people if p.arm == a] for a in (PilotArm.pilot, PilotArm.comparator)}
    if min(len(v) for v in by_arm.values()) < 2:
        return Comparison(
            "none",
            Interval(None, None, None, 0),
            "deg/week",
            None,
            None,
            _l("Fewer than two patients in an arm: no comparison between the arms yet."),
        )
    fitted = fit_mixed(mixed_model_data(session, pilot=pilot, enrolments=enrolments, now=now, tz=tz))
    if not isinstance(fitted, str):
        ci, p = fitted
        return Comparison("mixed", ci, "deg/week", p, None)
    a = [p.rom_change.value for p in by_arm[PilotArm.pilot] if p.rom_change.value is not None]
    b = [p.rom_change.value for p in by_arm[PilotArm.comparator] if p.rom_change.value is not None]
    if len(a) < 2 or len(b) < 2:
        return Comparison(
            "none",
            Interval(None, None, None, 0),
            "deg",
            None,
            None,
            _l(
                "The mixed model could not be used (%(why)s) and fewer than two patients per arm "
                "have a ROM change: no comparison yet.",
                why=fitted,
            ),
        )
    p_w = float(_stats().ttest_ind(a, b, equal_var=False).pvalue)
    return Comparison(
        "welch",
        welch_diff(a, b),
        "deg",
        p_w if math.isfinite(p_w) else None,
        None,
        _l(
            "The mixed model could not be used (%(why)s): Welch's t-test on the ROM change instead.",
            why=fitted,
        ),
    )


def method_text(pilot: Pilot, comparison: Comparison) -> Any:
    """How the numbers were computed, in words (translated)."""
    common = _l(
        "Sessions count from each patient's consent to their withdrawal or the end of the pilot. "
        "ROM change is the mean of the last 3 sessions minus the first 3 (95%% CI by Welch's t); "
        "improvement beyond the MCID means at least %(mcid)d degrees; shares have Wilson 95%% "
        "intervals; arm means have t-based 95%% intervals.",
        mcid=int(MCID_ROM_DEG),
    )
    design = {
        "paired": _l(
            "Design: every patient plays the solution and is compared with their own %(w)d weeks "
            "before enrolment: paired t-test on each patient's mean ROM (pilot weeks minus "
            "baseline weeks) with its 95%% CI, and the Wilcoxon signed-rank test.",
            w=pilots.BASELINE_WEEKS,
        ),
        "mixed": _l(
            "Design: patients randomised 1:1 (permuted blocks of two) to the solution or the "
            "built-in game. Linear mixed-effects model ROM ~ week x arm with a random intercept "
            "per patient (statsmodels MixedLM, REML); the estimate is the difference in ROM "
            "gained per week, solution minus built-in game."
        ),
        "welch": _l(
            "Design: patients randomised 1:1 (permuted blocks of two) to the solution or the "
            "built-in game; difference in mean ROM change between the arms with Welch's t-test."
        ),
        "none": _l("No statistical comparison yet."),
    }[comparison.analysis]
    return _l("%(design)s %(common)s", design=design, common=common)


# ------------------------------------------------------------------ the whole pilot
def compute_outcomes(
    session: Session, pilot: Pilot, *, tz: tzinfo | str = "UTC", now: datetime | None = None
) -> PilotOutcomes:
    """Everything the pilot page shows, from the sessions as stored now. ``tz``: the hub's
    time zone (settings ``TIMEZONE``) for days."""
    now = now or utcnow()
    zone = _zone(tz)
    rows = pilots.enrolments(session, pilot=pilot)
    names = {pk(e): f"S{i + 1:02d}" for i, (e, _p) in enumerate(rows)}
    consented = [e for e, _p in rows if e.consented_at is not None]
    people = [
        patient_outcome(session, pilot=pilot, enrolment=e, pseudonym=names[pk(e)], now=now, tz=zone)
        for e in consented
    ]
    arm_names = [PilotArm.pilot.value]
    if pilot.comparator == PilotComparator.builtin_game:
        arm_names.append(PilotArm.comparator.value)
    arms = {a: arm_summary(a, [p for p in people if p.arm == a]) for a in arm_names}
    if pilot.comparator == PilotComparator.own_baseline:
        comparison = paired(people)
    else:
        comparison = between_arms(session, pilot=pilot, enrolments=consented, people=people, now=now, tz=zone)
    small = any(a.small_sample for a in arms.values())
    return PilotOutcomes(
        pilot_id=pk(pilot),
        comparator=pilot.comparator,
        as_of=local_day(now, zone),
        invited=len(rows),
        consented=len(consented),
        withdrawn=sum(e.withdrawn_at is not None for e in consented),
        declined=sum(e.consented_at is None and e.withdrawn_at is not None for e, _p in rows),
        pending=sum(e.consented_at is None and e.withdrawn_at is None for e, _p in rows),
        patients=people,
        arms=arms,
        comparison=comparison,
        method=method_text(pilot, comparison),
        small_sample=small,
        small_sample_note=_l(
            "Small sample: fewer than %(n)d patients per arm. The estimates are imprecise; "
            "this pilot can neither show that the solution helps nor that it is safe.",
            n=SMALL_N,
        )
        if small
        else None,
    )


def patients_by_id(session: Session, outcomes: PilotOutcomes) -> dict[int, Patient]:
    """The patients behind the outcomes (for pages naming them to their own therapist)."""
    ids = [p.patient_id for p in outcomes.patients]
    if not ids:
        return {}
    return {pk(p): p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids)))}
