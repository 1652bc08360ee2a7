"""Every number of a pilot's outcomes, recomputed from the stored sessions with plain SQL,
numpy and scipy (not through outcomes.py), field by field.

The sessions go through the real ingest and scoring (:func:`...demo.sessions.play_synthetic`:
simulated IMU recordings uploaded with :func:`ingest_session` and scored by the hub), so the
ROM is the hub's own measurement, read back here from ``session_metrics``."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask
from scipy import stats
from sqlmodel import Session

from smarttouch.platform.models import Assignment, PilotEnrolment
from smarttouch.platform.services.demo.sessions import device_for, play_synthetic
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import outcomes, pilots
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine

from .support import approved_game, form

TZ = ZoneInfo("Europe/Rome")
Z = 1.959963984540054


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# ------------------------------------------------------------------ independent calculations
def t_ci(xs: list[float]) -> tuple[float | None, float | None, float | None]:
    if not xs:
        return None, None, None
    m = float(np.mean(xs))
    if len(xs) < 2:
        return m, None, None
    if np.std(xs) == 0:  # no spread: a zero-width interval (scipy gives NaN)
        return m, m, m
    lo, hi = stats.t.interval(0.95, len(xs) - 1, loc=m, scale=stats.sem(xs))
    return m, float(lo), float(hi)


def welch(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """mean(a) - mean(b) and its Welch CI, through scipy's own Welch test."""
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(0.95)
    return float(np.mean(a) - np.mean(b)), float(ci.low), float(ci.high)


def wilson(k: int, n: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def sessions_sql(s: Session, patient_id: int, start: datetime, end: datetime, activity_id: int) -> list[Any]:
    return list(
        s.execute(
            sa.text(
                "SELECT e.id, e.quit_reason, e.game_result, m.rom_deg, m.reps, m.count_uncertain "
                "FROM exercise_session e LEFT JOIN session_metrics m ON m.session_id = e.id "
                "WHERE e.patient_id = :p AND e.activity_id = :a AND e.started_at >= :s AND e.started_at < :e "
                "ORDER BY e.started_at, e.id"
            ),
            {"p": patient_id, "a": activity_id, "s": start, "e": end},
        )
    )


def feelings_sql(s: Session, ids: list[int], moment: str, scale: str) -> list[float]:
    if not ids:
        return []
    rows = s.execute(
        sa.text(
            "SELECT value FROM session_feeling WHERE moment = :m AND scale = :sc AND value IS NOT NULL "
            f"AND session_id IN ({','.join(str(i) for i in ids)})"
        ),
        {"m": moment, "sc": scale},
    )
    return [float(v) for (v,) in rows]


# ------------------------------------------------------------------ the pilot
@pytest.fixture
def pilot_world(app: Flask, make_challenge: Any, make_user: Any, make_patient: Any) -> dict[str, Any]:
    solution_id, _ = approved_game(app, make_challenge, make_user)
    therapist = make_user("therapist")
    today = datetime.now(TZ).date()
    start = today - timedelta(days=30)
    people = [make_patient(therapist) for _ in range(5)]
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = pilots.create_pilot(
            s, actor=therapist, data=form(solution_id, starts_on=start, ends_on=today + timedelta(days=10))
        )
        pilot.random_seed = 20261204  # a fixed allocation sequence: the same arms on every run
        s.add(pilot)
        s.commit()
        for p in people:
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=p)
        enrolled = [
            pilot_enrolment.record_consent(s, pilot=pilot, patient=p, by=therapist, note=f"form {i}")
            for i, p in enumerate(people[:4])
        ]
        consent_at = datetime.combine(start, time(8, 0), tzinfo=TZ)
        for e in enrolled:  # they consented a month ago
            row = s.get_one(PilotEnrolment, e.id)
            row.consented_at = consent_at
            s.add(row)
        s.commit()
        # the patient who never consents also gets the game (by hand) and plays it: not counted
        stray = Assignment(
            patient_id=people[4].id,
            activity_id=pilot.activity_id,
            movement="shoulder_flexion",
            target_rom_deg=60,
            reps=6,
            start_date=start,
        )
        s.add(stray)
        s.commit()
        blobs = get_blobstore(app)
        rng = np.random.default_rng(7)
        feel = np.random.default_rng(8)

        def play(patient: Any, assignment: Assignment, day: date, rom: float, quit: str, n: int) -> None:
            play_synthetic(
                s,
                patient=patient,
                assignment=assignment,
                activity=s.get_one(
                    __import__("smarttouch.platform.models", fromlist=["Activity"]).Activity,
                    assignment.activity_id,
                ),
                device=device_for(s, patient),
                blobs=blobs,
                day=day,
                rom_deg=rom,
                reps=4 if quit == "pain" else 6,
                quit_reason=quit,
                client_uuid=__import__("uuid").uuid4(),
                rng=rng,
                feel_rng=feel,
                tz=TZ,
                at=time(10, n % 50),
            )

        for k, e in enumerate(enrolled):
            patient = people[k]
            a = s.get_one(Assignment, e.assignment_id)
            gain = 25.0 if e.arm == "pilot" else 4.0
            for i in range(7):
                quit = "pain" if (k, i) == (1, 3) else ("fatigue" if (k, i) == (2, 5) else "completed")
                first = 45.0 + 10.0 * k  # patients differ in their starting ROM
                play(patient, a, start + timedelta(days=1 + 3 * i), first + gain * i / 6, quit, i)
        # before the consent: not counted
        play(
            people[0],
            s.get_one(Assignment, enrolled[0].assignment_id),
            start - timedelta(days=2),
            80.0,
            "completed",
            1,
        )
        play(people[4], stray, start + timedelta(days=2), 90.0, "completed", 2)
        # patient 3 withdraws; the sessions after the withdrawal are not counted
        pilot_enrolment.withdraw(s, pilot=pilot, patient=people[3], by=therapist, reason="moved away")
        row = s.get_one(PilotEnrolment, enrolled[3].id)
        row.withdrawn_at = datetime.combine(start + timedelta(days=11), time(20, 0), tzinfo=TZ)
        s.add(row)
        s.commit()
        return {
            "pilot": s.get_one(type(pilot), pilot.id),
            "enrolled": [e.id for e in enrolled],
            "people": people,
            "today": today,
        }


def test_every_number_is_recomputed_independently(app: Flask, pilot_world: dict[str, Any]) -> None:
    pilot = pilot_world["pilot"]
    now = datetime.now(TZ)
    with Session(get_engine(app), expire_on_commit=False) as s:
        out = outcomes.compute_outcomes(s, pilot, tz=TZ, now=now)
        enrols = {eid: s.get_one(PilotEnrolment, eid) for eid in pilot_world["enrolled"]}
        assert (out.invited, out.consented, out.withdrawn, out.declined, out.pending) == (5, 4, 1, 0, 1)
        assert [p.pseudonym for p in out.patients] == ["S01", "S02", "S03", "S04"]
        end_of_pilot = datetime.combine(pilot.ends_on + timedelta(days=1), time(0), tzinfo=TZ)
        per_patient: dict[int, dict[str, Any]] = {}
        for p in out.patients:
            e = enrols[p.enrolment_id]
            start = max(e.consented_at, datetime.combine(pilot.starts_on, time(0), tzinfo=TZ))
            end = min(e.withdrawn_at or end_of_pilot, end_of_pilot, now)
            activity = pilot.activity_id if e.arm == "pilot" else pilot.comparator_activity_id
            rows = sessions_sql(s, e.patient_id, start, end, activity)
            quits = [r.quit_reason for r in rows]
            roms = [float(r.rom_deg) for r in rows if r.rom_deg is not None and not r.count_uncertain]
            reps = [float(r.reps) for r in rows if r.reps is not None and not r.count_uncertain]
            spw = s.get_one(Assignment, e.assignment_id).sessions_per_week
            days = (end.astimezone(TZ).date() - start.astimezone(TZ).date()).days + (
                0 if end.astimezone(TZ).time() == time(0) else 1
            )
            prescribed = spw * days / 7
            assert p.sessions == len(rows) and p.arm == e.arm
            assert p.withdrawn == (e.withdrawn_at is not None)
            assert (p.completed, p.stopped_pain, p.stopped_fatigue, p.stopped_other) == (
                quits.count("completed"),
                quits.count("pain"),
                quits.count("fatigue"),
                len(quits) - quits.count("completed") - quits.count("pain") - quits.count("fatigue"),
            )
            assert close(p.prescribed, prescribed) and close(p.adherence, len(rows) / prescribed)
            assert close(p.reps_per_session, float(np.mean(reps)))
            assert close(p.pilot_rom, float(np.mean(roms)))
            if len(roms) >= 6:
                d, lo, hi = welch(roms[-3:], roms[:3])
                assert close(p.rom_first, float(np.mean(roms[:3]))) and close(
                    p.rom_last, float(np.mean(roms[-3:]))
                )
                assert (
                    close(p.rom_change.value, d)
                    and close(p.rom_change.low, lo)
                    and close(p.rom_change.high, hi)
                )
                assert p.improved_mcid == (d >= 10.0)
            else:
                assert p.improved_mcid is None and p.rom_first is None
            ids = [r.id for r in rows]
            for name, (moment, scale) in {
                "pain_before": ("before", "pain_nrs"),
                "pain_after": ("after", "pain_nrs"),
                "effort_before": ("before", "effort_cr10"),
                "effort_after": ("after", "effort_cr10"),
            }.items():
                vals = feelings_sql(s, ids, moment, scale)
                assert close(getattr(p, name), float(np.mean(vals)) if vals else None), name
            import json

            results = [
                r.game_result if isinstance(r.game_result, dict) else json.loads(r.game_result) for r in rows
            ]
            assert close(p.game_metrics["score"], float(np.mean([g["score"] for g in results])))
            assert close(
                p.game_metrics["sets_completed"], float(np.mean([g["sets_completed"] for g in results]))
            )
            per_patient[p.enrolment_id] = {"roms": roms, "start": start}
        # the withdrawn patient keeps only the sessions before the withdrawal (4 of 7)
        withdrawn = next(p for p in out.patients if p.withdrawn)
        assert withdrawn.sessions == 4
        assert sum(p.sessions for p in out.patients) == 3 * 7 + 4  # neither the early nor the stray session

        # pooled per arm
        for arm, summary in out.arms.items():
            people = [p for p in out.patients if p.arm == arm]
            assert summary.patients == len(people) and summary.small_sample
            for field in (
                "adherence",
                "reps_per_session",
                "pain_before",
                "pain_after",
                "effort_before",
                "effort_after",
            ):
                m, lo, hi = t_ci([getattr(p, field) for p in people if getattr(p, field) is not None])
                got = getattr(summary, field)
                assert close(got.value, m) and close(got.low, lo) and close(got.high, hi), field
            m, lo, hi = t_ci([p.rom_change.value for p in people if p.rom_change.value is not None])
            assert close(summary.rom_change.value, m) and close(summary.rom_change.low, lo)
            verdicts = [p.improved_mcid for p in people if p.improved_mcid is not None]
            k = sum(verdicts)
            lo, hi = wilson(k, len(verdicts))
            assert (summary.improved_mcid.k, summary.improved_mcid.n) == (k, len(verdicts))
            assert close(summary.improved_mcid.low, lo) and close(summary.improved_mcid.high, hi)
            assert summary.sessions == sum(p.sessions for p in people)
            assert summary.stopped_pain == sum(p.stopped_pain for p in people)

        # the between-arm estimate: the mixed model refitted here on the rows read by SQL
        import pandas as pd
        import statsmodels.formula.api as smf

        data = []
        for p in out.patients:
            for r in sessions_sql(
                s,
                p.patient_id,
                p.window_start,
                p.window_end,
                pilot.activity_id if p.arm == "pilot" else pilot.comparator_activity_id,
            ):
                started = s.execute(
                    sa.text("SELECT started_at FROM exercise_session WHERE id = :i"), {"i": r.id}
                ).scalar_one()
                started = started if isinstance(started, datetime) else datetime.fromisoformat(started)
                started = started if started.tzinfo else started.replace(tzinfo=ZoneInfo("UTC"))
                data.append(
                    {
                        "rom": float(r.rom_deg),
                        "week": (started - per_patient[p.enrolment_id]["start"]).total_seconds() / 604800,
                        "arm": 1.0 if p.arm == "pilot" else 0.0,
                        "patient": p.enrolment_id,
                    }
                )
        frame = pd.DataFrame(data)
        fit = smf.mixedlm("rom ~ week * arm", frame, groups=frame["patient"]).fit(reml=True)
        if out.comparison.analysis == "mixed":
            lo, hi = fit.conf_int().loc["week:arm"]
            assert math.isclose(out.comparison.estimate.value, fit.params["week:arm"], rel_tol=1e-6)
            assert math.isclose(out.comparison.estimate.low, lo, rel_tol=1e-6)
            assert math.isclose(out.comparison.estimate.high, hi, rel_tol=1e-6)
            assert out.comparison.estimate.value > 0  # the solution's patients gained faster
        else:  # the fallback must say why
            assert out.comparison.analysis == "welch" and str(out.comparison.reason)
        assert out.comparison.analysis == "mixed", out.comparison
        assert out.small_sample and str(out.small_sample_note) and str(out.method)
