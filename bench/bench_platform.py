"""Hub foundation figures: password hashing cost, login round trip, landing pages.

Runs on a throw-away SQLite database (or PostgreSQL when SMARTTOUCH_BENCH_DATABASE_URL is set)
filled with synthetic patients generated here, labelled as such.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlmodel import Session

from bench.common import report, time_calls


def _fill(app, n_patients: int) -> str:
    """Synthetic clinic: one therapist with ``n_patients`` patients, each with a plan."""
    from smarttouch.platform.models import Assignment, ExerciseSession, Patient, UserCreate, utcnow
    from smarttouch.platform.services.accounts import users
    from smarttouch.platform.services.clinic import catalogue
    from smarttouch.platform.storage.db import get_engine

    rng = np.random.default_rng(7)
    conditions = ["post_stroke", "parkinson", "copd", "multiple_sclerosis", "knee_osteoarthritis", "frailty"]
    with Session(get_engine(app)) as session:
        catalogue.ensure_builtin_activities(session)
        therapist = users.create_user(
            session,
            data=UserCreate(
                email="bench-therapist@example.org",
                full_name="Bench Therapist",
                role="therapist",
                password="bench-password-1",
            ),
            password_profile="fast",
        )
        activity = catalogue.get_activity_by_key(session, key="balloons")
        for i in range(n_patients):
            p = Patient(
                code=f"SYN-{i:04d}",
                condition=conditions[i % 6],
                affected_side="right",
                therapist_id=therapist.id,
            )
            session.add(p)
            session.flush()
            session.add(
                Assignment(
                    patient_id=p.id,
                    activity_id=activity.id,
                    movement="shoulder_flexion",
                    target_rom_deg=80,
                    reps=10,
                    start_date=date.today() - timedelta(days=10),
                )
            )
            for d in rng.choice(60, size=5, replace=False):
                session.add(
                    ExerciseSession(
                        client_uuid=f"{i}-{d}", patient_id=p.id, started_at=utcnow() - timedelta(days=int(d))
                    )
                )
        session.commit()
    return "bench-therapist@example.org"


def main() -> None:
    from smarttouch.platform import create_app
    from smarttouch.platform.services.accounts import passwords
    from smarttouch.platform.storage import migrate
    from smarttouch.platform.testing import csrf_token, hub_config

    t = time_calls(lambda: passwords.hash_password("a-realistic-password"), repeat=5)
    report(
        "argon2id hash, default (RFC 9106 low-mem) [median]",
        float(np.median(t)) * 1e3,
        "ms",
        "50-500 ms: slow for attackers, fine for a login",
    )

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("SMARTTOUCH_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'b.db'}"
        migrate.upgrade(url)
        app = create_app(hub_config(Path(tmp) / "inst", url, ARGON2_PROFILE="fast"))
        email = _fill(app, 500)
        client = app.test_client()
        token = csrf_token(client)

        def login_once() -> None:
            client.post("/login", data={"email": email, "password": "bench-password-1", "csrf_token": token})

        login_once()
        for page, needle in (("/", "SYN-0499"), ("/patients/1", "SYN-0000")):
            response = client.get(page)
            if response.status_code != 200 or needle not in response.get_data(as_text=True):
                raise RuntimeError(f"{page} did not render the synthetic data")
        t = time_calls(lambda: client.get("/"), repeat=20)
        report(
            "therapist landing, 500 synthetic patients [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 200 ms (issue 7 list)",
            ok=float(np.median(t)) <= 0.2,
        )
        t = time_calls(lambda: client.get("/patients/1"), repeat=20)
        report(
            "patient page with plan and history [median]",
            float(np.median(t)) * 1e3,
            "ms",
            "<= 150 ms (issue 7)",
            ok=float(np.median(t)) <= 0.15,
        )
        t = time_calls(lambda: client.get("/healthz"), repeat=50)
        report("health check [median]", float(np.median(t)) * 1e3, "ms")


if __name__ == "__main__":
    main()
