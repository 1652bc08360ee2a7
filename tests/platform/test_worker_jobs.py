"""``smarttouch worker --jobs``: a worker for uploaded sessions alone starts where bubblewrap
cannot run; one that runs evaluations or analyses still refuses, and says what to do. A
worker that does not run a job type leaves its messages (and rows) to the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from huey.consumer import Consumer
from sqlmodel import Session, select

import smarttouch.challenges.sandbox as sandbox_module
from smarttouch.platform import create_app
from smarttouch.platform.jobs.queue import DEFER_S, HubQueue
from smarttouch.platform.models import ScoringJob
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories, hub_config

from .apihelp import pair_patient, session_meta, upload
from .conftest import fresh_sqlite_url


@pytest.fixture
def no_bwrap(monkeypatch) -> None:
    monkeypatch.setattr(sandbox_module, "bwrap_path", lambda: None)


@pytest.fixture
def consumer_runs(monkeypatch) -> list[Consumer]:
    """The huey consumers the command would run (returning at once instead of serving)."""
    started: list[Consumer] = []
    monkeypatch.setattr(Consumer, "run", lambda self: started.append(self))
    return started


def test_a_worker_running_evaluations_refuses_to_start_without_bubblewrap(runner, no_bwrap, consumer_runs):
    for jobs in ("all", "scoring,evaluation", "analysis"):
        result = runner.invoke("worker", "--jobs", jobs)
        assert result.exit_code == 1, result.output
        assert "refusing to start" in result.output and "bubblewrap" in result.output
        assert "--jobs scoring" in result.output  # what to do instead
    assert consumer_runs == []


def test_a_scoring_worker_starts_without_bubblewrap(runner, no_bwrap, consumer_runs):
    result = runner.invoke("worker", "--jobs", "scoring")
    assert result.exit_code == 0, result.output
    assert "runs scoring" in result.output
    assert len(consumer_runs) == 1


def test_a_worker_warms_up_the_job_types_it_runs_before_it_says_it_serves(
    runner, no_bwrap, consumer_runs, monkeypatch
):
    import dataclasses

    from smarttouch.platform.jobs import registry

    events: list[str] = []
    scoring = dataclasses.replace(registry.JOB_TYPES["scoring"], warm_up=lambda: events.append("warm"))
    monkeypatch.setitem(registry.JOB_TYPES, "scoring", scoring)
    monkeypatch.setattr(Consumer, "run", lambda self: events.append("serve"))
    result = runner.invoke("worker", "--jobs", "scoring")
    assert result.exit_code == 0, result.output
    assert events == ["warm", "serve"]


def test_unknown_job_types_are_refused(runner, consumer_runs):
    result = runner.invoke("worker", "--jobs", "scoring,mining")
    assert result.exit_code == 2 and "mining" in result.output
    assert consumer_runs == []


def test_messages_of_a_type_not_run_here_are_left_for_another_worker(tmp_path: Path, sqlite_template):
    url = fresh_sqlite_url(sqlite_template, tmp_path / "hub")
    app: Flask = create_app(hub_config(tmp_path / "hub", url, SCORING="queue"))
    paired = pair_patient(app, Factories(app))
    assert upload(app.test_client(), paired, session_meta(paired)).status_code == 201
    evaluator = HubQueue(app, runs=["evaluation"])
    message = evaluator.huey.dequeue()
    assert message is not None
    evaluator.huey.execute(message)
    with Session(get_engine(app)) as s:
        (job,) = s.exec(select(ScoringJob)).all()
    assert (job.status, job.attempts) == ("queued", 0)  # not claimed
    scorer = HubQueue(app, runs=["scoring"])  # another worker on the same queue
    later = scorer.huey.dequeue()  # sent again, due in DEFER_S seconds
    assert later is not None and later.eta is not None
    assert later.eta > datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=DEFER_S - 5)
    later.eta = None  # DEFER_S later: due
    scorer.huey.execute(later)
    with Session(get_engine(app)) as s:
        (job,) = s.exec(select(ScoringJob)).all()
    assert job.status == "scored"
    get_engine(app).dispose()


def test_a_queue_refuses_to_run_an_unknown_type(app):
    with pytest.raises(KeyError, match="mining"):
        HubQueue(app, runs=["scoring", "mining"])
