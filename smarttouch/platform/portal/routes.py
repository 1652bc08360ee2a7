"""``/my`` (and ``/`` for patients): the patient's own portal."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..models import Role, pk
from ..patients import figures
from ..services.clinic import dashboard, patients
from ..services.rights import access_log
from ..storage.db import get_session
from . import bp
from .badges import badges_for
from .words import progress_sentences

PORTAL_PERIOD = "12w"
READS_SHOWN = 1000  # the newest reads listed in the portal (the archive has them all)


def render_portal():
    """The logged-in patient's week plan, progress, streak, badges and messages."""
    db = get_session()
    patient = patients.patient_of_user(db, user=signed_in_user())
    today = local_today()
    if patient is None:
        return render_template("portal/index.html", patient=None, plan=[])
    tz = hub_tz()
    ov = dashboard.patient_overview(
        db, patient=patient, today=today, tz=tz, period=PORTAL_PERIOD, sync_alerts=False
    )
    plan = [(a, act) for a, act in ov.assignments if a.is_current(today)]
    monday = today - timedelta(days=today.weekday())
    week_days = [monday + timedelta(days=i) for i in range(7)]
    done_days = {p.day for p in ov.all_points if p.day >= monday}
    done_this_week = sum(1 for p in ov.all_points if p.day >= monday)
    charts = (
        [
            figures.rom_chart(ov.points, tz, targets=ov.targets, trend=None, chart_id="chart-my-rom"),
            figures.adherence_chart(ov.weeks),
        ]
        if ov.points
        else []
    )
    return render_template(
        "portal/index.html",
        patient=patient,
        plan=plan,
        ov=ov,
        today=today,
        week_days=week_days,
        done_days=done_days,
        done_this_week=done_this_week,
        planned_this_week=sum(a.sessions_per_week for a, _act in plan),
        sentences=progress_sentences(ov),
        badges=badges_for(ov),
        charts=charts,
    )


@bp.route("/my")
@role_required(Role.patient)
def index():
    return render_portal()


@bp.route("/my/access")
@role_required(Role.patient)
def access() -> str:
    """Who looked at the patient's record: one line per day, person and kind of read."""
    db = get_session()
    patient = patients.patient_of_user(db, user=signed_in_user())
    if patient is None:
        return render_template("portal/access.html", patient=None, lines=[], total=0, shown=0)
    entries = access_log.entries_for_patient(db, patient_id=pk(patient), limit=READS_SHOWN)
    return render_template(
        "portal/access.html",
        patient=patient,
        lines=access_log.by_day(entries, hub_tz()),
        total=access_log.count_for_patient(db, patient_id=pk(patient)),
        shown=len(entries),
    )
