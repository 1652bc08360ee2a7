"""Uploads with session phases: stored with the session, checked against the recording, and
any inconsistent, corrupt, NaN or complex-valued upload is a 400 that stores nothing."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import ExerciseSession
from smarttouch.platform.services.clinic.session_phases import PhaseKind, label_sets
from smarttouch.platform.storage.db import get_engine
from smarttouch.sensors.recording_io import recording_to_bytes
from smarttouch.sensors.types import PHASE_KINDS, Phase

from .apihelp import blob_files, pair_patient, session_meta, simulated, upload


@pytest.fixture
def paired(app, factories):
    return pair_patient(app, factories)


def _rows(app) -> list[ExerciseSession]:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(ExerciseSession)))


def phases_for(rec) -> list[Phase]:
    """Calibration over the lead-in, one play set over the movement, an empty summary."""
    end = float(rec.t[-1])
    return [Phase("calibration", 0.0, 1.5), Phase("play", 1.5, end, 0), Phase("summary", end, end)]


def recording_with(phases) -> bytes:
    rec = simulated().recording
    rec = type(rec)(**{**rec.__dict__, "phases": tuple(phases)})
    return recording_to_bytes(rec)


def as_json(phases) -> list[dict]:
    return [p.to_dict() for p in phases]


def test_the_upload_kinds_are_the_sensors_rooms():
    assert PhaseKind.__args__ == PHASE_KINDS  # type: ignore[attr-defined]


@pytest.mark.parametrize("where", ["both", "metadata", "recording"])
def test_phases_are_stored_from_the_metadata_or_the_recording(client, app, paired, where):
    phases = phases_for(simulated().recording)
    meta = session_meta(paired, phases=as_json(phases) if where != "recording" else [])
    recording = recording_with(phases) if where != "metadata" else None
    res = upload(client, paired, meta, **({"recording": recording} if recording else {}))
    assert res.status_code == 201, res.get_json()
    (row,) = _rows(app)
    assert [Phase.from_dict(p) for p in row.phases] == phases


def test_an_upload_without_phases_keeps_none(client, app, paired):
    assert upload(client, paired, session_meta(paired)).status_code == 201
    assert _rows(app)[0].phases == []


def _complex_recording() -> bytes:
    rec = simulated().recording
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        t=rec.t,
        acc=rec.acc,
        gyr=rec.gyr * (1 + 1j),
        meta=np.array(json.dumps({"sample_rate_hz": 100.0})),
    )
    return buf.getvalue()


def _end() -> float:
    return float(simulated().recording.t[-1])


BAD = {
    "a phase after the recording ends": (
        lambda: [Phase("play", 1.5, _end() + 5.0, 0)],
        None,
        "phases: phase 0 (play, 1.5-",
    ),
    "overlapping phases": (
        lambda: [Phase("calibration", 0.0, 3.0), Phase("play", 2.0, 5.0, 0)],
        None,
        "phase 1 (play, from 2 s) overlaps phase 0",
    ),
    "phases out of order": (
        lambda: [Phase("play", 4.0, 6.0, 0), Phase("calibration", 0.0, 2.0)],
        None,
        "phase 1 (calibration, from 0 s) comes before phase 0",
    ),
    "the metadata and the recording disagree": (
        lambda: [Phase("play", 1.5, 6.0, 0)],
        lambda: recording_with([Phase("play", 1.5, 7.0, 0)]),
        "the metadata's phases differ from the phases stored in the recording",
    ),
    "the recording's own phases are inconsistent": (
        lambda: [],
        lambda: _npz_phases('[{"kind": "play", "t_start": 1, "t_end": 999, "set_index": 0}]'),
        "is outside the recording's time range",
    ),
    "an unknown kind inside the recording": (
        lambda: [],
        lambda: _npz_phases('[{"kind": "warmup", "t_start": 1, "t_end": 2}]'),
        "unknown phase kind 'warmup'",
    ),
    "a complex-valued recording": (lambda: [], _complex_recording, "column gyr holds complex numbers"),
}


def _npz_phases(text: str) -> bytes:
    rec = simulated().recording
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        t=rec.t,
        acc=rec.acc,
        gyr=rec.gyr,
        meta=np.array(json.dumps({"sample_rate_hz": 100.0})),
        phases=np.array(text),
    )
    return buf.getvalue()


@pytest.mark.parametrize("case", sorted(BAD))
def test_inconsistent_phases_are_a_400_and_store_nothing(client, app, paired, case):
    make_phases, make_recording, words = BAD[case]
    meta = session_meta(paired, phases=as_json(make_phases()))
    res = upload(client, paired, meta, **({"recording": make_recording()} if make_recording else {}))
    assert res.status_code == 400, res.get_json()
    assert words in res.get_json()["error"]["message"]
    assert _rows(app) == [] and blob_files(app) == []


@pytest.mark.parametrize(
    "phase, words",
    [
        ({"kind": "warmup", "t_start": 0, "t_end": 1}, "phases.0.kind"),
        ({"kind": "play", "t_start": 0, "t_end": 1}, "phase 0: play phase: set_index is required"),
        (
            {"kind": "rest", "t_start": 3, "t_end": 1},
            "phase 0: rest phase ends at 1 s, before it starts at 3 s",
        ),
        ({"kind": "rest", "t_start": 0, "t_end": 1, "colour": "red"}, "phases.0.colour"),
    ],
)
def test_malformed_phases_in_the_metadata_are_a_400(client, app, paired, phase, words):
    res = upload(client, paired, session_meta(paired, phases=[phase]))
    assert res.status_code == 400, res.get_json()
    assert words in res.get_json()["error"]["message"]
    assert _rows(app) == [] and blob_files(app) == []


def test_nan_phase_times_are_a_400(client, app, paired):
    meta = json.dumps(session_meta(paired, phases=[{"kind": "rest", "t_start": 0.0, "t_end": 1.0}]))
    res = upload(client, paired, meta.replace('"t_end": 1.0', '"t_end": NaN'))
    assert res.status_code == 400 and "phases.0.t_end" in res.get_json()["error"]["message"]
    assert _rows(app) == [] and blob_files(app) == []


def test_sets_are_labelled_with_the_games_set_index():
    phases = [
        Phase("play", 1.0, 5.0, 0),
        Phase("stop", 5.0, 6.0),
        Phase("play", 6.0, 9.0, 0),
        Phase("rest", 9.0, 12.0, 1),
        Phase("play", 12.0, 20.0, 1),
    ]
    sets = [{"reps": 2}, {"reps": 1}, {"reps": 3}]
    assert [s["set_index"] for s in label_sets(sets, phases)] == [0, 0, 1]
    assert label_sets([{"reps": 6}], []) == [{"reps": 6, "set_index": None}]


def test_only_the_play_phases_count_and_the_sets_are_reported(client, app, paired):
    """Four simulated reps; the phases put reps 1-2 in set 0, rep 3 in a rest and rep 4 in
    set 1 (edges between reps): the hub counts 3, per set 2 and 1."""
    sim = simulated()
    (a0, b0), (a1, b1), (a2, b2), (a3, b3) = sim.rep_bounds
    end = float(sim.recording.t[-1])
    phases = [
        Phase("calibration", 0.0, a0 - 0.5),
        Phase("play", a0 - 0.5, (b1 + a2) / 2, 0),
        Phase("rest", (b1 + a2) / 2, (b2 + a3) / 2, 1),
        Phase("play", (b2 + a3) / 2, end, 1),
        Phase("summary", end, end),
    ]
    meta = session_meta(paired, phases=as_json(phases), reps=3)
    res = upload(client, paired, meta, recording=recording_with(phases))
    assert res.status_code == 201, res.get_json()
    metrics = res.get_json()["metrics"]
    assert metrics["reps"] == 3
    assert [(s["set_index"], s["reps"]) for s in metrics["sets"]] == [(0, 2), (1, 1)]
    assert metrics["count_uncertain"] is False and metrics["uncertain_reason"] is None
    truth = sim.rep_rom_deg
    assert metrics["sets"][0]["rom_deg"] == pytest.approx(max(truth[:2]), abs=3.0)
    assert metrics["sets"][1]["rom_deg"] == pytest.approx(truth[3], abs=3.0)
    got = client.get(f"/api/v1/sessions/{meta['session_id']}", headers=paired.auth).get_json()
    assert got["metrics"]["sets"] == metrics["sets"]


def test_a_session_stopped_before_any_play_counts_nothing(client, app, paired):
    end = float(simulated().recording.t[-1])
    phases = [Phase("calibration", 0.0, end - 1.0), Phase("stop", end - 1.0, end), Phase("summary", end, end)]
    res = upload(client, paired, session_meta(paired, phases=as_json(phases), reps=0, quit_reason="pain"))
    assert res.status_code == 201, res.get_json()
    metrics = res.get_json()["metrics"]
    assert metrics["reps"] == 0 and metrics["sets"] == []
    assert metrics["count_uncertain"] is True and "too short" in metrics["uncertain_reason"]
