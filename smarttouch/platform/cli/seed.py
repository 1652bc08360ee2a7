"""``smarttouch seed --demo``: the demo clinic, and what ``demo`` reuses to seed and print it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from .common import hub_app

if TYPE_CHECKING:
    from ..services.demo.seed import DemoReport


def print_logins(logins: Any) -> None:
    if not logins:
        click.echo("No demo accounts in this database.")
        return
    click.echo("Demo logins:")
    for login in logins:
        password = login.password if login.works else "(password was changed)"
        click.echo(f"  {login.role:<10} {login.email:<28} {password}")


def _count(app: Any, model: Any, *where: Any) -> int:
    from sqlmodel import func, select

    from ..storage.db import session_scope

    with session_scope(app) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


@dataclass
class SeedOutcome:
    """The seeding service's report, plus how many alerts the new sessions raised and how
    many evaluations wait for a worker (both counted in the database afterwards)."""

    report: DemoReport
    alerts_created: int
    queued: int


def seed_demo_clinic(app: Any) -> SeedOutcome:
    """Seed the demo clinic and count what it left for the alerts and the worker."""
    from ..i18n.language import hub_tz, local_today
    from ..jobs.evaluations import EVALUATION
    from ..jobs.queue import get_queue
    from ..models import Alert, Submission
    from ..services.demo.seed import seed_demo
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    alerts_before = _count(app, Alert)
    with app.test_request_context(), session_scope(app) as session:
        report = seed_demo(
            session,
            today=local_today(),
            password_profile=app.config["ARGON2_PROFILE"],
            blobs=get_blobstore(app),
            tz=hub_tz(),
            enqueue=get_queue(app).enqueuer(EVALUATION.name),
        )
    return SeedOutcome(
        report=report,
        alerts_created=_count(app, Alert) - alerts_before,
        queued=_count(app, Submission, Submission.status == "queued"),
    )


def print_seeded(outcome: SeedOutcome) -> None:
    report = outcome.report
    click.echo(
        f"added {report.patients_created} patients, {report.assignments_created} "
        f"assignments, {report.activities_created} activities, "
        f"{report.sessions_created} synthetic sessions, {outcome.alerts_created} alerts"
    )


@click.command()
@click.option(
    "--demo",
    is_flag=True,
    required=True,
    help="Add the demo clinic: therapists, a developer, an admin, patients, plans, "
    "weeks of synthetic sessions and the built-in challenges.",
)
def seed(demo: bool) -> None:
    """Fill the hub with demo data (idempotent; run `smarttouch db upgrade` first)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    app = hub_app()
    try:
        outcome = seed_demo_clinic(app)
    except (OperationalError, ProgrammingError) as exc:
        raise click.ClickException(
            f"the database is not ready ({str(exc.orig).splitlines()[0]}); run `smarttouch db upgrade` first"
        ) from None
    print_seeded(outcome)
    if outcome.queued:
        click.echo(f"{outcome.queued} challenge evaluations are queued: `smarttouch worker` scores them")
    print_logins(outcome.report.logins)
