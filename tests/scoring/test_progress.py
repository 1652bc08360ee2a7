"""Progress per patient: trends with CIs, adherence, streaks, MCID flags, alerts, quit reasons."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from smarttouch.scoring.progress import (
    SessionRecord,
    adherence,
    alerts,
    mcid_flags,
    progress_report,
    quit_reasons,
    streak,
    trend,
)

D0 = date(2024, 3, 4)  # a Monday


def _records(roms: list[float], every_days: int = 2, **extra) -> list[SessionRecord]:
    return [
        SessionRecord(D0 + timedelta(days=every_days * i), {"rom_deg": r, **extra})
        for i, r in enumerate(roms)
    ]


def test_trend_slope_per_week_with_ci() -> None:
    rng = np.random.default_rng(0)
    # +7 deg per week (1 deg/day), sessions every day, noise 2 deg
    recs = [SessionRecord(D0 + timedelta(days=i), {"rom_deg": 60 + i + rng.normal(0, 2)}) for i in range(28)]
    t = trend(recs, "rom_deg")
    assert t is not None and t.n == 28
    assert t.ci_low < 7.0 < t.ci_high
    assert t.slope_per_week == pytest.approx(7.0, abs=1.0)
    assert t.significant
    flat = trend(_records([60, 61, 59, 60, 60.5, 59.5]), "rom_deg")
    assert flat is not None and not flat.significant
    assert trend(_records([60, 61]), "rom_deg") is None


def test_adherence_per_week() -> None:
    days = [D0, D0 + timedelta(1), D0 + timedelta(3), D0 + timedelta(8)]
    recs = [SessionRecord(d) for d in days]
    weeks = adherence(recs, 3, D0, D0 + timedelta(13))
    assert [(w.done, w.prescribed) for w in weeks] == [(3, 3), (1, 3)]
    assert weeks[1].ratio == pytest.approx(1 / 3)


def test_streaks() -> None:
    days = [D0, D0 + timedelta(1), D0 + timedelta(2), D0 + timedelta(5), D0 + timedelta(6)]
    recs = [SessionRecord(d) for d in days]
    assert streak(recs, D0 + timedelta(6)) == (2, 3)
    assert streak(recs, D0 + timedelta(7)) == (2, 3)
    assert streak(recs, D0 + timedelta(9)) == (0, 3)
    assert streak([], D0) == (0, 0)


def test_mcid_flags_improvement_and_stability() -> None:
    flags = mcid_flags(_records([60, 62, 61, 75, 76, 74]))
    assert flags["rom_deg"]["improved"] and not flags["rom_deg"]["declined"]
    assert flags["rom_deg"]["mcid"] == 10.0
    small = mcid_flags(_records([60, 62, 61, 64, 65, 63]))
    assert not small["rom_deg"]["improved"] and not small["rom_deg"]["declined"]


def test_alerts() -> None:
    recs = _records([80, 82, 81, 80, 66, 65, 64])
    kinds = {a.kind for a in alerts(recs, recs[-1].day)}
    assert kinds == {"decline"}
    late = alerts(recs, recs[-1].day + timedelta(days=6))
    assert any(a.kind == "no_session" and "6 days" in a.message for a in late)
    pain = recs[:-1] + [SessionRecord(recs[-1].day, recs[-1].metrics, quit_reason="pain")]
    assert any(a.kind == "pain_stop" for a in alerts(pain, recs[-1].day))
    tremor = _records([70] * 6, tremor_amplitude_deg=1.0)
    worse = tremor[:3] + [
        SessionRecord(r.day, {**r.metrics, "tremor_amplitude_deg": 2.0}) for r in tremor[3:]
    ]
    assert any(a.metric == "tremor_amplitude_deg" for a in alerts(worse, worse[-1].day))


def test_quit_reasons_and_report_from_plain_dicts() -> None:
    plain = [
        {
            "day": (D0 + timedelta(i)).isoformat(),
            "metrics": {"rom_deg": 60 + i, "sparc": -1.8, "x": "bad"},
            "quit_reason": r,
        }
        for i, r in enumerate(["completed", "fatigue", "completed", None, "pain", "completed"])
    ]
    report = progress_report(plain, sessions_per_week=5, today=D0 + timedelta(6))
    json.dumps(report)
    assert report["sessions"] == 6
    assert report["quit_reasons"] == {"completed": 3, "fatigue": 1, "unknown": 1, "pain": 1}
    assert report["trends"]["rom_deg"]["slope_per_week"] == pytest.approx(7.0)
    assert report["streak_days"] == 6
    assert quit_reasons([]) == {}
    with pytest.raises(ValueError, match="ISO date"):
        SessionRecord.from_dict({"day": "yesterday"})


def test_trend_matches_scipy_linregress_on_random_data() -> None:
    """The closed-form slope and t-based CI equal linregress's to 1e-9 (random gaps,
    several sessions on one day, offsets far from the epoch)."""
    from scipy import stats

    rng = np.random.default_rng(2024)
    for _ in range(300):
        n = int(rng.integers(3, 200))
        offsets = np.sort(rng.integers(0, 400, size=n))
        if len(set(offsets.tolist())) < 2:
            continue
        first = D0 + timedelta(days=int(rng.integers(-5000, 5000)))
        values = rng.normal(60, 15, size=n) + rng.normal(0, 0.5) * offsets
        recs = [
            SessionRecord(first + timedelta(days=int(o)), {"rom_deg": float(v)})
            for o, v in zip(offsets, values)
        ]
        recs.append(SessionRecord(first, {"sparc": -1.5}))  # another metric: ignored
        got = trend(recs, "rom_deg")
        x = np.array([(first + timedelta(days=int(o))).toordinal() / 7.0 for o in offsets])
        ref = stats.linregress(x, values)
        half = stats.t.ppf(0.975, n - 2) * ref.stderr
        assert got is not None and got.n == n
        assert got.slope_per_week == pytest.approx(ref.slope, rel=1e-9, abs=1e-9)
        assert got.ci_low == pytest.approx(ref.slope - half, rel=1e-9, abs=1e-9)
        assert got.ci_high == pytest.approx(ref.slope + half, rel=1e-9, abs=1e-9)


def test_trend_edge_cases() -> None:
    same_day = [SessionRecord(D0, {"rom_deg": v}) for v in (60.0, 65.0, 70.0)]
    assert trend(same_day, "rom_deg") is None  # no time span: no slope
    constant = trend(_records([70.0] * 5), "rom_deg")
    assert constant is not None
    assert (constant.slope_per_week, constant.ci_low, constant.ci_high) == (0.0, 0.0, 0.0)
    exact = trend(_records([60.0, 62.0, 64.0, 66.0]), "rom_deg")  # 2 deg per 2 days
    assert exact.slope_per_week == pytest.approx(7.0)
    assert exact.ci_high - exact.ci_low == pytest.approx(0.0, abs=1e-9)
    assert trend(_records([60.0, 61.0, 62.0]), "sparc") is None


def test_sessions_with_an_uncertain_count_stay_out_of_trends_and_verdicts() -> None:
    """A flagged session counts as done (adherence, streak) but its numbers do not move the
    trend, the MCID verdict or the decline alert; the report says how many were left out."""
    steady = _records([70.0, 71.0, 69.0, 70.0, 70.5, 69.5])
    flagged = [
        SessionRecord(
            steady[-1].day + timedelta(days=1 + i),
            {"rom_deg": 20.0},
            count_uncertain=True,
            uncertain_reason="no clear rest level",
        )
        for i in range(3)
    ]
    recs = steady + flagged
    assert trend(recs, "rom_deg") == trend(steady, "rom_deg")
    assert mcid_flags(recs) == mcid_flags(steady)
    today = flagged[-1].day
    assert not [a for a in alerts(recs, today) if a.kind == "decline"]
    naive = [SessionRecord(r.day, r.metrics) for r in recs]  # the same numbers, trusted
    assert [a for a in alerts(naive, today) if a.kind == "decline"]
    report = progress_report(recs, sessions_per_week=5, today=today)
    assert report["sessions"] == 9 and report["excluded_uncertain"] == 3
    assert report["excluded_sessions"][0] == {
        "day": flagged[0].day.isoformat(),
        "reason": "no clear rest level",
    }
    assert report["streak_days"] == 4  # the last trusted session and the three flagged ones
    assert sum(w["done"] for w in report["adherence"]) == 9
    json.dumps(report)


def test_uncertainty_is_read_from_plain_dicts_and_analysis_output() -> None:
    top = SessionRecord.from_dict(
        {"day": "2024-03-04", "count_uncertain": True, "uncertain_reason": "too short"}
    )
    assert top.count_uncertain and top.uncertain_reason == "too short"
    nested = SessionRecord.from_dict(
        {
            "day": "2024-03-04",
            "metrics": {"reps": 3, "count_uncertain": True, "uncertain_reason": "poor signal"},
        }
    )
    assert nested.count_uncertain and nested.uncertain_reason == "poor signal"
    assert nested.metrics == {"reps": 3.0}
    plain = SessionRecord.from_dict({"day": "2024-03-04", "metrics": {"reps": 3}})
    assert not plain.count_uncertain and plain.uncertain_reason is None


def test_week_streak_follows_the_prescription_not_consecutive_days() -> None:
    """3 sessions a week on Monday, Wednesday and Friday is a perfect run of weeks (no two
    days in a row); a short week breaks it; a week with nothing prescribed neither counts nor
    breaks; the current week counts once met and does not break the run before it is over."""
    from datetime import date, timedelta

    from smarttouch.scoring.progress import SessionRecord, streak, week_streak

    monday = date(2026, 11, 2)
    days = [monday + timedelta(weeks=w, days=d) for w in range(3) for d in (0, 2, 4)]
    records = [SessionRecord(d) for d in days]
    today = monday + timedelta(weeks=2, days=5)
    assert streak(records, today)[1] == 1  # never two days in a row ...
    assert week_streak(records, lambda m: 3, today) == (3, 3)  # ... yet three full weeks
    # a short second week breaks the run
    short = [r for r in records if r.day != monday + timedelta(weeks=1, days=4)]
    assert week_streak(short, lambda m: 3, today) == (1, 1)
    # the second week had nothing prescribed: it neither counts nor breaks
    holiday = monday + timedelta(weeks=1)
    assert week_streak(short, lambda m: 0 if m == holiday else 3, today) == (2, 2)
    # this week (the fourth) is not over: one session so far does not break the run
    later = [*records, SessionRecord(monday + timedelta(weeks=3))]
    assert week_streak(later, lambda m: 3, monday + timedelta(weeks=3, days=1)) == (3, 3)
    assert week_streak(later, lambda m: 3, monday + timedelta(weeks=4, days=1)) == (0, 3)
