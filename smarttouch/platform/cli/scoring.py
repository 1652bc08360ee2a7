"""``smarttouch rescore``: score stored sessions again (after an upgrade of the scoring
algorithm), through the same scoring jobs as uploads, with a progress bar."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from .common import hub_app

FINISHED = ("scored", "failed", "timed_out", "rejected", "gone")  # gone: erased meanwhile


@click.command("rescore")
@click.option("--all", "everyone", is_flag=True, help="Every session with a recording.")
@click.option("--patient", "patient_code", default=None, help="Only this patient's sessions (patient code).")
@click.option(
    "--outdated",
    is_flag=True,
    help="Only sessions whose metrics were not computed by the current algorithm version.",
)
@click.option(
    "--here",
    is_flag=True,
    help="Run the jobs in this process instead of sending them to `smarttouch worker`.",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Follow the workers' progress until every job has finished.",
)
@click.option(
    "--timeout", default=3600.0, show_default=True, type=click.FloatRange(1.0), help="Seconds to wait."
)
def rescore(
    everyone: bool, patient_code: str | None, outdated: bool, here: bool, wait: bool, timeout: float
) -> None:
    """Re-run the hub's scoring over stored sessions (--all or --patient CODE).

    Each session gets a scoring job; the workers (or this process, with --here) recompute its
    metrics from the raw recording and replace its one result, keeping the algorithm version
    (smarttouch.scoring.ALGORITHM_VERSION) with it. Sessions whose scoring is already queued or
    running are skipped."""
    from sqlmodel import Session, select

    from smarttouch.scoring import ALGORITHM_VERSION

    from ..jobs.queue import get_queue
    from ..models import Patient
    from ..services.clinic import rescoring
    from ..storage.db import get_engine

    if everyone == (patient_code is not None):
        raise click.UsageError("give exactly one of --all or --patient CODE")
    app = hub_app()
    queue = get_queue(app)
    with Session(get_engine(app)) as session:
        patient_id = None
        if patient_code is not None:
            patient = session.exec(select(Patient).where(Patient.code == patient_code)).first()
            if patient is None:
                raise click.ClickException(f"no patient with code {patient_code!r}")
            patient_id = patient.id
        ids = rescoring.sessions_to_rescore(session, patient_id=patient_id, outdated_only=outdated)
        send = (lambda job_id: None) if here else queue.enqueuer("scoring")
        jobs = rescoring.queue_rescoring(session, session_ids=ids, enqueue=send)
    click.echo(f"{len(jobs)} session(s) to score with algorithm {ALGORITHM_VERSION}", err=True)
    if not jobs:
        return
    if here:
        with click.progressbar(jobs, label="scoring", file=sys.stderr) as bar:
            for job_id in bar:
                queue.run("scoring", str(job_id))
    elif wait:
        _follow(app, jobs, timeout)
    else:
        click.echo("sent to the workers (smarttouch worker)", err=True)
        return
    with Session(get_engine(app)) as session:
        states = rescoring.job_states(session, jobs)
    click.echo(", ".join(f"{n} {state}" for state, n in sorted(states.items())))
    if any(state not in FINISHED for state in states):
        raise click.ClickException("some jobs have not finished (is a worker running?)")


def _follow(app: Any, jobs: list[int], timeout: float) -> None:
    """A progress bar over the jobs the workers finish, until all have or ``timeout``."""
    from sqlmodel import Session

    from ..services.clinic import rescoring
    from ..storage.db import get_engine

    deadline = time.monotonic() + timeout
    pending = list(jobs)  # asked about again: only the jobs not yet finished
    with click.progressbar(length=len(jobs), label="scoring", file=sys.stderr) as bar:
        while pending and time.monotonic() < deadline:
            time.sleep(0.5)
            with Session(get_engine(app)) as session:
                still = rescoring.unfinished_jobs(session, pending)
            bar.update(len(pending) - len(still))
            pending = still
