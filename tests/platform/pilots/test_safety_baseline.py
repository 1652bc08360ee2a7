"""The interim safety check (flag + one e-mail when the solution's arm is clearly worse for
pain; nothing when the arms are alike) and the paired own-baseline analysis, recomputed with
scipy/statsmodels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flask import Flask
from scipy import stats
from sqlmodel import Session, col, select
from statsmodels.stats.proportion import confint_proportions_2indep

from smarttouch.platform.models import Alert, AuditEvent, Pilot, PilotEnrolment
from smarttouch.platform.pilots.safety_mail import SafetyMailer
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import outcomes, pilots, safety
from smarttouch.platform.storage.db import get_engine

from .support import approved_game, form, stored_session


def _pilot(app: Flask, world: dict[str, Any], comparator: str, n: int) -> tuple[Pilot, list[PilotEnrolment]]:
    therapist = world["therapist"]
    today = datetime.now(UTC).date()
    with Session(get_engine(app), expire_on_commit=False) as s:
        patients = [world["make_patient"](therapist) for _ in range(n)]
        if comparator == "own_baseline":  # each has sessions before the pilot
            for p in patients:
                stored_session(
                    s,
                    patient_id=p.id,
                    activity_id=None,
                    started=datetime.now(UTC) - timedelta(days=3),
                    rom=50,
                )
        pilot = pilots.create_pilot(
            s,
            actor=world["creator"],
            data=form(world["solution"], comparator=comparator, starts_on=today - timedelta(days=40)),
        )
        pilot.random_seed = 99
        s.add(pilot)
        s.commit()
        out = []
        for i, p in enumerate(patients):
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=p)
            e = pilot_enrolment.record_consent(s, pilot=pilot, patient=p, by=therapist, note=f"form {i}")
            e.consented_at = datetime.now(UTC) - timedelta(days=30)
            s.add(e)
            s.commit()
            out.append(e)
        return s.get_one(Pilot, pilot.id), out


@pytest.fixture
def world(app: Flask, make_challenge: Any, make_user: Any, make_patient: Any) -> dict[str, Any]:
    solution_id, _ = approved_game(app, make_challenge, make_user)
    return {
        "solution": solution_id,
        "therapist": make_user("therapist"),
        "creator": make_user("therapist", email="creator@example.org"),
        "manager": make_user("developer", is_challenge_manager=True, email="manager@example.org"),
        "make_patient": make_patient,
    }


def _play(
    app: Flask, pilot: Pilot, enrolments: list[PilotEnrolment], stops: dict[str, int], pain: dict[str, int]
) -> None:
    with Session(get_engine(app)) as s:
        for e in enrolments:
            for i in range(10):
                stored_session(
                    s,
                    patient_id=e.patient_id,
                    activity_id=pilot_enrolment.arm_activity_id(pilot, e.arm),
                    started=datetime.now(UTC) - timedelta(days=20 - i),
                    rom=60 + i,
                    quit="pain" if i < stops[e.arm] else "completed",
                    pain_after=pain[e.arm] + (i % 2),
                )


def test_clearly_worse_pain_flags_once_and_mails_the_managers(
    app: Flask, world: dict[str, Any], smtp_server: Any
) -> None:
    pilot, enrolments = _pilot(app, world, "builtin_game", 4)
    _play(app, pilot, enrolments, stops={"pilot": 6, "comparator": 0}, pain={"pilot": 6, "comparator": 1})
    settings = {"SMTP_URL": smtp_server.url, "MAIL_FROM": "hub@example.org"}
    with Session(get_engine(app), expire_on_commit=False) as s:
        check = safety.check_safety(s, s.get_one(Pilot, pilot.id), notify=SafetyMailer(settings, ""))
        # one e-mail to each manager of the pilot: its creator and the challenge manager
        assert check.flagged and check.newly_flagged and check.mailed == 2 and len(check.reasons) == 2
        # the pain-stop difference and its Newcombe interval, recomputed by statsmodels
        a, b = check.pain_stops_pilot, check.pain_stops_comparison
        assert (a.k, a.n, b.k, b.n) == (12, 20, 0, 20)
        lo, hi = confint_proportions_2indep(a.k, a.n, b.k, b.n, method="newcomb", compare="diff")
        assert np.isclose(check.pain_stop_difference.low, lo) and np.isclose(
            check.pain_stop_difference.high, hi
        )
        welch = stats.ttest_ind([6, 7] * 10, [1, 2] * 10, equal_var=False).confidence_interval(0.95)
        assert np.isclose(check.pain_after_difference.low, welch.low)
        mails = smtp_server.wait_for(2)
        assert sorted(m["To"] for m in mails) == ["creator@example.org", "manager@example.org"]
        for mail in mails:
            assert pilot.title in mail["Subject"]
            assert "PT-" not in mail.get_content() and "T-0" not in mail.get_content()  # no patient codes
        stored = s.get_one(Pilot, pilot.id)
        assert stored.safety_flag_at is not None and "stopped for pain" in stored.safety_note
        # checked again while the flag stands: no second e-mail
        again = safety.check_safety(s, stored, notify=SafetyMailer(settings, ""))
        assert again.flagged and not again.newly_flagged and again.mailed == 0
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "pilot.safety_flagged")).all()) == 1
        # each patient in the pilot has one open pilot_safety alert for their therapist
        open_alerts = s.exec(
            select(Alert).where(Alert.kind == "pilot_safety", col(Alert.resolved_at).is_(None))
        ).all()
        assert sorted(a.patient_id for a in open_alerts) == sorted(e.patient_id for e in enrolments)
        # once the pilot closes, the alerts resolve at the next sync of the patients
        pilots.close_pilot(s, actor=world["manager"], pilot=stored)
        safety.sync_alerts(s, stored, UTC)
        assert not s.exec(
            select(Alert).where(Alert.kind == "pilot_safety", col(Alert.resolved_at).is_(None))
        ).all()
    assert len(smtp_server.messages) == 2


def test_similar_arms_are_not_flagged(app: Flask, world: dict[str, Any], smtp_server: Any) -> None:
    pilot, enrolments = _pilot(app, world, "builtin_game", 4)
    _play(app, pilot, enrolments, stops={"pilot": 1, "comparator": 1}, pain={"pilot": 2, "comparator": 2})
    with Session(get_engine(app), expire_on_commit=False) as s:
        check = safety.check_safety(
            s, s.get_one(Pilot, pilot.id), notify=SafetyMailer({"SMTP_URL": smtp_server.url}, "")
        )
        assert not check.flagged and check.mailed == 0
        assert check.pain_stop_difference.value == 0 and check.pain_stop_difference.low < 0
        assert s.get_one(Pilot, pilot.id).safety_flag_at is None
    assert smtp_server.messages == []


def test_own_baseline_is_a_paired_analysis(app: Flask, world: dict[str, Any]) -> None:
    pilot, enrolments = _pilot(app, world, "own_baseline", 4)
    rng = np.random.default_rng(3)
    with Session(get_engine(app)) as s:
        for k, e in enumerate(enrolments):
            for i in range(4):  # baseline weeks, before the (back-dated) consent
                stored_session(
                    s,
                    patient_id=e.patient_id,
                    activity_id=None,
                    started=datetime.now(UTC) - timedelta(days=50 - i),
                    rom=50 + k + float(rng.normal(0, 2)),
                )
            for i in range(6):
                stored_session(
                    s,
                    patient_id=e.patient_id,
                    activity_id=pilot.activity_id,
                    started=datetime.now(UTC) - timedelta(days=20 - i),
                    rom=58 + k + 2 * i + float(rng.normal(0, 2)),
                )
    with Session(get_engine(app), expire_on_commit=False) as s:
        out = outcomes.compute_outcomes(s, s.get_one(Pilot, pilot.id))
        assert set(out.arms) == {"pilot"} and out.comparison.analysis == "paired"
        base, during = [], []
        for p in out.patients:
            rows = s.exec(
                __import__("sqlmodel")
                .text(
                    "SELECT e.started_at, e.activity_id, m.rom_deg FROM exercise_session e "
                    "JOIN session_metrics m ON m.session_id = e.id WHERE e.patient_id = :p"
                )
                .bindparams(p=p.patient_id)
            ).all()
            consent = datetime.now(UTC) - timedelta(days=30)

            def when(v: Any) -> datetime:
                d = v if isinstance(v, datetime) else datetime.fromisoformat(v)
                return d if d.tzinfo else d.replace(tzinfo=UTC)

            b = [r[2] for r in rows if consent - timedelta(weeks=4) <= when(r[0]) < consent]
            d = [r[2] for r in rows if when(r[0]) >= consent and r[1] == pilot.activity_id]
            assert p.baseline_sessions == len(b) and np.isclose(p.baseline_rom, np.mean(b))
            assert np.isclose(p.pilot_rom, np.mean(d))
            base.append(float(np.mean(b)))
            during.append(float(np.mean(d)))
        res = stats.ttest_rel(during, base)
        ci = res.confidence_interval(0.95)
        est = out.comparison.estimate
        assert np.isclose(est.value, np.mean(np.subtract(during, base)))
        assert np.isclose(est.low, ci.low) and np.isclose(est.high, ci.high)
        assert np.isclose(out.comparison.p_value, res.pvalue)
        assert np.isclose(out.comparison.wilcoxon_p, stats.wilcoxon(np.subtract(during, base)).pvalue)
        assert out.small_sample and "Wilcoxon" in str(out.method)
