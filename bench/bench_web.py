"""Therapist web pages under load: 500 patients, each with a year of daily sessions (issue 14
targets, server-side medians: the caseload <= 100 ms, the patient page <= 50 ms, the PDF
report of a year <= 300 ms; the progress tab with 1-year charts and the caseload sorted or
searched against issue 7's older targets), and a typical patient's page with its read
recorded for the patient's "who looked at my record" list (issue 13: <= 50 ms median), with
the cost of that recording on its own.

Runs on a throw-away SQLite database (or PostgreSQL when SMARTTOUCH_BENCH_DATABASE_URL is set,
which must point at an empty database). The sessions and their metrics are synthetic, generated
here (a slow ROM gain with noise, occasional pain stops), and labelled ``synthetic``.
Measured with the Flask test client: routing, queries, scoring's progress functions, chart
JSON and template rendering, without network. The three issue-14 figures also print this
process's CPU time, which a loaded machine does not inflate.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import process_time

import numpy as np
from sqlalchemy import insert
from sqlmodel import Session

from bench.common import report, time_calls

N_PATIENTS = 500
YEAR_DAYS = 365  # every patient: a session a day for a year (182,500 sessions)


def _metrics_row(session_id: int, rng: np.random.Generator, rom: float, detail: bool = True) -> dict:
    reps = int(rng.integers(8, 13))
    per_rep = [
        {
            "index": i,
            "t_start": 2.0 + 4 * i,
            "t_end": 5.0 + 4 * i,
            "t_peak": 3.5 + 4 * i,
            "duration_s": 3.0,
            "rom_deg": rom + float(rng.normal(0, 3)),
            "start_angle_deg": 0.0,
            "peak_angle_deg": rom,
            "peak_speed_dps": 90.0,
            "sparc": -1.6,
            "ldlj": -6.0,
            "ldlj_accl": -9.0,
        }
        for i in range(reps if detail else 0)
    ]
    return {
        "session_id": session_id,
        "reps": reps,
        "rom_deg": rom,
        "rom_deg_mean": rom - 6 + float(rng.normal(0, 2)),
        "peak_speed_dps": 110 + float(rng.normal(0, 8)),
        "sparc": -1.8 + float(rng.normal(0, 0.08)),
        "ldlj": -6.5 + float(rng.normal(0, 0.3)),
        "tremor_power_ratio": 0.05,
        "tremor_freq_hz": 5.0,
        "tremor_amplitude_deg": 0.4 + float(rng.normal(0, 0.05)),
        "duration_s": 45.0,
        "active_time_s": 30.0,
        "quality_flags": {"ok": True, "warnings": [], "synthetic": True},
        "per_rep": per_rep,
        "extra": {"synthetic": True},
        "analyzer": "bench (synthetic)",
        "computed_at": datetime.now(UTC),
    }


def _fill(app) -> tuple[str, int, int]:
    """One therapist with N_PATIENTS patients, each with a year of daily sessions (only the
    first patient's metrics keep per-repetition detail, which no timed page reads for the
    others; the last one returned is a typical patient)."""
    from smarttouch.platform.models import (
        Assignment,
        ExerciseSession,
        Patient,
        SessionMetricsRecord,
        UserCreate,
    )
    from smarttouch.platform.services.accounts import users
    from smarttouch.platform.services.clinic import catalogue
    from smarttouch.platform.storage.db import get_engine

    rng = np.random.default_rng(11)
    today = date.today()
    conditions = ["post_stroke", "parkinson", "copd", "multiple_sclerosis", "knee_osteoarthritis", "frailty"]
    sessions, metrics = [], []
    done = 0
    with Session(get_engine(app)) as db:
        catalogue.ensure_builtin_activities(db)
        therapist = users.create_user(
            db,
            data=UserCreate(
                email="bench-web@example.org",
                full_name="Bench Therapist",
                role="therapist",
                password="bench-password-1",
            ),
            password_profile="fast",
        )
        activity = catalogue.get_activity_by_key(db, key="balloons")
        year_patient = typical = None
        for i in range(N_PATIENTS):
            p = Patient(
                code=f"SYN-{i:04d}",
                condition=conditions[i % 6],
                affected_side="right",
                display_name=f"Synthetic {i}",
                therapist_id=therapist.id,
            )
            db.add(p)
            db.flush()
            year_patient = year_patient or p.id
            typical = p.id
            a = Assignment(
                patient_id=p.id,
                activity_id=activity.id,
                movement="shoulder_flexion",
                target_rom_deg=80,
                max_rom_deg=100,
                reps=10,
                sets=2,
                sessions_per_week=5,
                start_date=today - timedelta(days=400),
                created_by_id=therapist.id,
            )
            db.add(a)
            db.flush()
            for k, d in enumerate(range(YEAR_DAYS)):
                sid = done + len(sessions) + 1
                day = today - timedelta(days=int(d))
                started = datetime.combine(day, time(9, 30), tzinfo=UTC)
                sessions.append(
                    {
                        "id": sid,
                        "client_uuid": f"bench-{p.id}-{k}",
                        "patient_id": p.id,
                        "assignment_id": a.id,
                        "activity_id": activity.id,
                        "status": "scored",
                        "started_at": started,
                        "ended_at": started + timedelta(seconds=45),
                        "received_at": started,
                        "quit_reason": "pain" if rng.random() < 0.02 else "completed",
                        "game_score": float(rng.integers(400, 1000)),
                        "client_metrics": {"synthetic": True},
                    }
                )
                rom = 60 + 20 * (1 - int(d) / YEAR_DAYS) + float(rng.normal(0, 4))
                metrics.append(_metrics_row(sid, rng, rom, detail=p.id == year_patient))
            if len(sessions) >= 20_000:  # in batches: bounded memory
                db.commit()
                db.execute(insert(ExerciseSession), sessions)
                db.execute(insert(SessionMetricsRecord), metrics)
                db.commit()
                done += len(sessions)
                sessions, metrics = [], []
        db.commit()
        db.execute(insert(ExerciseSession), sessions)
        db.execute(insert(SessionMetricsRecord), metrics)
        db.commit()
    return "bench-web@example.org", year_patient, typical


def main() -> None:
    from smarttouch.platform import create_app
    from smarttouch.platform.storage import migrate
    from smarttouch.platform.testing import login

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("SMARTTOUCH_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'w.db'}"
        migrate.upgrade(url)
        from smarttouch.platform.testing import hub_config

        app = create_app(hub_config(Path(tmp) / "inst", url, ARGON2_PROFILE="fast"))
        email, year_patient, typical = _fill(app)
        if not url.startswith("sqlite"):  # planner statistics, as autovacuum keeps them after a bulk load
            from smarttouch.platform.storage.db import get_engine

            with get_engine(app).connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE")
        client = app.test_client()
        if login(client, email, "bench-password-1").status_code != 302:
            raise RuntimeError("bench login failed")
        checks = (
            (f"/patients/{year_patient}?tab=progress&period=52w", "chart-rom"),
            (f"/patients/{year_patient}", "Latest sessions against the plan"),
            ("/", "SYN-0499"),
        )
        for page, needle in checks:
            response = client.get(page)
            if response.status_code != 200 or needle not in response.get_data(as_text=True):
                raise RuntimeError(f"{page} did not render the synthetic data")
        t = time_calls(lambda: client.get("/"), repeat=30, warmup=3)
        report(
            f"caseload, {N_PATIENTS} patients x {YEAR_DAYS} daily sessions [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 100 ms",
            ok=float(np.median(t)) <= 0.1,
        )
        report("  same, 95th percentile", float(np.percentile(t, 95)) * 1e3, "ms")
        _cpu(lambda: client.get("/"), repeat=30)
        t = time_calls(lambda: client.get(f"/patients/{year_patient}"), repeat=30, warmup=3)
        report(
            "patient page (overview), 365 daily sessions [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 50 ms",
            ok=float(np.median(t)) <= 0.05,
        )
        report("  same, 95th percentile", float(np.percentile(t, 95)) * 1e3, "ms")
        _cpu(lambda: client.get(f"/patients/{year_patient}"), repeat=30)
        year_pdf = f"/patients/{year_patient}/report.pdf?start={date.today() - timedelta(days=364)}&end={date.today()}"
        t = time_calls(lambda: client.get(year_pdf), repeat=7, warmup=1)
        report(
            "PDF report, a year of daily sessions [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 300 ms",
            ok=float(np.median(t)) <= 0.3,
        )
        _cpu(lambda: client.get(year_pdf), repeat=7)
        year = f"/patients/{year_patient}?tab=progress&period=52w"
        t = time_calls(lambda: client.get(year), repeat=30, warmup=3)
        report(
            "patient page, progress tab, 1-year charts [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 150 ms",
            ok=float(np.median(t)) <= 0.15,
        )
        t = time_calls(lambda: client.get(f"/patients/{year_patient}?tab=sessions"), repeat=30, warmup=2)
        report(
            "patient page, sessions tab (60 newest vs their plan) [median]", float(np.median(t)) * 1e3, "ms"
        )
        from smarttouch.platform.services.clinic.caseload import clear_caches

        def cold() -> None:  # as on a process's first visit: no memoised window or trend
            clear_caches()
            client.get("/")

        t = time_calls(cold, repeat=15)
        report(
            "caseload, first visit (trends not memoised) [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 200 ms",
            ok=float(np.median(t)) <= 0.2,
        )
        t = time_calls(lambda: client.get("/?sort=trend&dir=desc&q=parkinson"), repeat=30)
        report(
            "caseload sorted by trend, searched [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 200 ms",
            ok=float(np.median(t)) <= 0.2,
        )
        first_session = 1
        t = time_calls(lambda: client.get(f"/sessions/{first_session}"), repeat=20)
        report("session page (no recording stored) [median]", float(np.median(t)) * 1e3, "ms")
        _reads(app, client, typical)


def _cpu(call, repeat: int) -> None:
    """The median CPU time of this process for ``call``: what the page costs, which the wall
    time above shows inflated when other processes share the cores (see ``uptime``)."""
    t = time_calls(call, repeat=repeat, clock=process_time)
    report("  same, CPU time of this process [median]", float(np.median(t)) * 1e3, "ms")


def _reads(app, client, typical: int) -> None:
    """A typical patient's page, whose read is written in the request's teardown, and that
    write timed alone (one read; the 500 reads of a caseload visit)."""
    from sqlmodel import Session, func, select

    from smarttouch.platform.models import RecordAccess, User, utcnow
    from smarttouch.platform.services.rights import access_log
    from smarttouch.platform.storage.db import get_engine

    engine = get_engine(app)

    def stored() -> int:
        with Session(engine) as db:
            return int(db.exec(select(func.count()).select_from(RecordAccess)).one())

    before = stored()
    t = time_calls(lambda: client.get(f"/patients/{typical}"), repeat=30, warmup=3)
    if stored() - before < 33:
        raise RuntimeError("the patient page did not record its reads")
    report(
        f"patient page, another patient ({YEAR_DAYS} sessions), read recorded [median]",
        float(np.median(t)) * 1e3,
        "ms",
        "<= 50 ms",
        ok=float(np.median(t)) <= 0.05,
    )
    with Session(engine) as db:
        therapist = db.exec(select(User).where(User.email == "bench-web@example.org")).one()

    def write(n: int) -> None:
        ids = [typical] if n == 1 else range(1, n + 1)  # patients are rows 1..N_PATIENTS
        reads = [access_log.Read(pid, "caseload" if n > 1 else "patient_page") for pid in ids]
        rows = access_log.row_values(reads, actor=therapist, via="web", ip="127.0.0.1", at=utcnow())
        with engine.connect() as connection:  # as the request's teardown does
            access_log.store(connection, rows)

    t = time_calls(lambda: write(1), repeat=50, warmup=3)
    report(
        "  of which recording the read (INSERT + commit, no disk wait) [median]",
        float(np.median(t)) * 1e3,
        "ms",
    )
    t = time_calls(lambda: write(N_PATIENTS), repeat=15, warmup=2)
    report(
        f"  recording a caseload visit ({N_PATIENTS} reads, 1 INSERT) [median]",
        float(np.median(t)) * 1e3,
        "ms",
    )


if __name__ == "__main__":
    main()
