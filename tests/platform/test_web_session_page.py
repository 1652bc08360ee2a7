"""The session page: the angle trace recomputed from the stored recording with the reps
marked, the per-rep table, quit reason, data-quality flags and device information."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import ExerciseSession, SessionMetricsRecord
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine

from .test_web_support import add_session, add_simulated_session, days_ago


def _trace(html: str) -> dict:
    body = re.search(r'id="chart-trace-figure">(.*?)</script>', html, flags=re.S).group(1)
    return json.loads(body)


def test_trace_reps_and_device(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    assignment = make_assignment(patient, movement="shoulder_flexion")
    sid = add_simulated_session(app, patient, assignment, reps=5, rom_deg=70, quit_reason="pain")
    html = client.get(f"/sessions/{sid}").get_data(as_text=True)
    fig = _trace(html)
    go.Figure(fig)
    angle, peaks = fig["data"]
    assert peaks["text"] == ["1", "2", "3", "4", "5"]  # every rep numbered at its peak
    assert len(fig["layout"]["shapes"]) == 5  # and shaded from start to end
    assert 60 < max(v for v in angle["y"] if v is not None) < 85
    assert html.count('<th scope="row" class="num">') == 5  # the per-rep table
    assert "Stopped for pain" in html
    assert "Test PC" in html and "Synthetic data" in html and "50 Hz" in html
    assert "No problems found" in html


def test_quality_flags_and_missing_recording(client: FlaskClient, login_as, make_patient, app: Flask) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    sid = add_session(app, patient, days_ago(1), rom=50)
    with Session(get_engine(app)) as db:
        metrics = db.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == sid)).one()
        metrics.quality_flags = {
            "gaps": 3,
            "max_gap_s": 0.25,
            "clipped_gyr": True,
            "warnings": ["3 gap(s)", "gyroscope clipping"],
        }
        metrics.per_rep = [
            {
                "index": 0,
                "t_start": 1.0,
                "t_end": 3.5,
                "duration_s": 2.5,
                "rom_deg": 50.0,
                "peak_angle_deg": 50.0,
                "peak_speed_dps": 80.0,
                "sparc": None,
                "ldlj": -5.0,
            }
        ]
        db.add(metrics)
        row = db.get(ExerciseSession, sid)
        row.recording_sha256 = get_blobstore(app).key_for(b"never stored")
        db.add(row)
        db.commit()
    html = client.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "3 gap(s), the longest 0.25 s" in html
    assert "Gyroscope range exceeded" in html
    assert "raw recording of this session is not available" in html
    assert "chart-trace-figure" not in html
    assert "2.5" in html and "—" in html  # rep row with a missing SPARC


def test_sessions_of_other_patients_are_not_found(
    client: FlaskClient, login_as, make_patient, make_user, app: Flask
) -> None:
    login_as("therapist")
    other = make_patient(make_user("therapist"))
    sid = add_session(app, other, days_ago(1))
    assert client.get(f"/sessions/{sid}").status_code == 404
    assert client.get("/sessions/999999").status_code == 404


def _analyzer_run(
    app: Flask,
    challenge,
    session_id: int,
    name: str,
    outputs: dict,
    status: str = "scored",
    failure_reason: str | None = None,
) -> None:
    """An approved developer's analyzer and its stored run over one session (rows written
    directly: the sandboxed run itself is tested in test_review_flow)."""
    from smarttouch.platform.models import AnalyzerRun, Solution, Submission

    sha = (name.encode().hex() * 64)[:64]
    with Session(get_engine(app)) as db:
        sol = Solution(challenge_id=challenge.id, name=name, kind="analyzer")
        db.add(sol)
        db.flush()
        sub = Submission(solution_id=sol.id, code_sha256=sha, entrypoint="solution:Solution", status="scored")
        db.add(sub)
        db.flush()
        db.add(
            AnalyzerRun(
                session_id=session_id,
                submission_id=sub.id,
                code_sha256=sha,
                status=status,
                failure_reason=failure_reason,
                outputs=outputs,
            )
        )
        db.commit()


def test_analyzer_outputs_beside_the_metrics_never_another_patients(
    client: FlaskClient, login_as, make_patient, make_user, make_challenge, app: Flask
) -> None:
    me = login_as("therapist")
    mine = add_session(app, make_patient(me), days_ago(1), rom=60)
    theirs = add_session(app, make_patient(make_user("therapist")), days_ago(1), rom=60)
    challenge = make_challenge()
    _analyzer_run(app, challenge, mine, "Peak counter", {"reps": 7, "rom_mean_deg": 58.5})
    _analyzer_run(app, challenge, mine, "Broken counter", {}, status="failed", failure_reason="timeout")
    _analyzer_run(app, challenge, theirs, "Other clinic counter", {"reps": 99})
    html = client.get(f"/sessions/{mine}").get_data(as_text=True)
    assert "Other analyzers" in html and "Peak counter" in html
    assert "reps = 7, rom_mean_deg = 58.5" in html
    assert "Could not compute: timeout" in html
    assert "Other clinic counter" not in html and "reps = 99" not in html
    assert client.get(f"/sessions/{theirs}").status_code == 404
    # a session without runs shows no analyzer section at all
    plain = add_session(app, make_patient(me), days_ago(2), rom=50)
    assert "Other analyzers" not in client.get(f"/sessions/{plain}").get_data(as_text=True)
