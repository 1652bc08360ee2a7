"""``smarttouch alerts``: the daily e-mail digest of the patients who need attention."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import click

from .common import hub_app


@click.group()
def alerts() -> None:
    """Clinical alerts: the therapists' daily digest."""


@alerts.command("digest")
@click.option("--day", "day", default=None, help="The day the digest is for (YYYY-MM-DD; default: today).")
def digest(day: str | None) -> None:
    """E-mail each therapist the patients who need attention and their open alerts (with
    SMARTTOUCH_SMTP_URL; printed otherwise). Run it once a day, e.g. from cron."""
    from flask_babel import to_user_timezone

    from ..models import utcnow
    from ..patients.digest import send_digests
    from ..storage.db import session_scope

    app = hub_app()
    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"] or None):
        try:
            today = date.fromisoformat(day) if day else to_user_timezone(utcnow()).date()
        except ValueError:
            raise click.BadParameter(f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--day") from None
        with session_scope(app) as session:
            results = send_digests(
                session, today=today, tz=ZoneInfo(app.config["TIMEZONE"]), base_url=app.config["BASE_URL"]
            )
    if not results:
        click.echo("No therapist has a patient who needs attention: no digest sent.")
    for r in results:
        click.echo(f"{r.email}: {r.patients} patient(s), {r.alerts} open alert(s): {r.delivery}")
    if any(r.delivery.startswith("failed") for r in results):
        raise SystemExit(1)
