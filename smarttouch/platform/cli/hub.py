"""The hub's commands: ``db``, ``user``, ``seed``, ``serve``, ``demo`` (wired into the
top-level ``smarttouch`` group by :mod:`smarttouch.cli`). Configuration comes from the same
``SMARTTOUCH_*`` variables as the web app."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..core.config import ConfigError

if TYPE_CHECKING:
    from ..services.demo.seed import DemoReport

ROLES = ("therapist", "patient", "developer", "admin")


def _app() -> Any:
    from ..core.app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _fail(exc: BaseException) -> click.ClickException:
    return click.ClickException(str(getattr(exc, "message", exc)).splitlines()[0])


def _upgrade(app: Any, revision: str = "head") -> None:
    from sqlalchemy.exc import OperationalError

    from ..services.clinic.catalogue import ensure_builtin_activities
    from ..storage import migrate
    from ..storage.db import session_scope

    try:
        migrate.upgrade(app.config["DATABASE_URL"], revision)
    except OperationalError as exc:
        raise click.ClickException(f"cannot migrate {_safe_url(app)}: {exc.orig}") from None
    if revision == "head":
        with session_scope(app) as session:
            ensure_builtin_activities(session)


def _safe_url(app: Any) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)


# ---------------------------------------------------------------------------- db
@click.group()
def db() -> None:
    """Manage the hub database (Alembic migrations for SQLite and PostgreSQL)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION and refresh the built-in activity catalogue."""
    app = _app()
    _upgrade(app, revision)
    click.echo(f"database {_safe_url(app)} is at revision {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` empties the database)."""
    from ..storage import migrate

    app = _app()
    migrate.downgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database {_safe_url(app)} downgraded to {revision}")


@db.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one available."""
    from ..storage import migrate
    from ..storage.db import get_engine

    app = _app()
    with get_engine(app).connect() as conn:
        current = migrate.current_revision(conn)
    click.echo(f"current: {current or 'empty database'}\nhead:    {migrate.head_revision()}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option(
    "--autogenerate/--empty",
    default=True,
    show_default=True,
    help="Diff the models against an up-to-date database, or write an empty script.",
)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration script (run `db upgrade` first so the diff is against head)."""
    from ..storage import migrate

    app = _app()
    click.echo(f"wrote {migrate.revision(app.config['DATABASE_URL'], message, autogenerate)}")


# -------------------------------------------------------------------------- user
@click.group()
def user() -> None:
    """Create, list, disable and enable hub user accounts; set a password."""


@user.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="Full name (default: from e-mail).")
@click.option("--reviewer", is_flag=True, help="Therapist who reviews developers' solutions.")
@click.option(
    "--challenge-manager",
    "challenge_manager",
    is_flag=True,
    help="Therapist or developer who reads clinical needs and authors challenges.",
)
@click.option("--locale", type=click.Choice(["en", "it"]), default=None)
@click.option(
    "--patient",
    "patient_code",
    default=None,
    metavar="CODE",
    help="With --role patient: the patient record the account belongs to (required).",
)
@click.password_option("--password", help="Prompted (hidden, twice) when not given.")
def user_create(
    role: str,
    email: str,
    full_name: str | None,
    reviewer: bool,
    challenge_manager: bool,
    locale: str | None,
    patient_code: str | None,
    password: str,
) -> None:
    """Create an account; the password is prompted for and stored as an argon2id hash. A
    patient account is linked to its patient record (--patient CODE)."""
    from ..services.accounts import users
    from ..services.errors import ServiceError
    from ..storage.db import session_scope

    if reviewer and role != "therapist":
        raise click.ClickException("--reviewer is only for therapists")
    if challenge_manager and role not in ("therapist", "developer"):
        raise click.ClickException("--challenge-manager is only for therapists and developers")
    if (role == "patient") != (patient_code is not None):
        raise click.ClickException("--patient CODE is required with --role patient, and only with it")
    app = _app()
    if patient_code is not None:
        _create_patient_account(app, patient_code, email, full_name, locale, password)
        return
    name = full_name or email.split("@")[0].replace(".", " ").title()
    try:
        data = users.validate_user(
            email=email,
            full_name=name,
            role=role,
            is_reviewer=reviewer,
            is_challenge_manager=challenge_manager,
            locale=locale,
            password=password,
        )
        with session_scope(app) as session:
            created = users.create_user(session, data=data, password_profile=app.config["ARGON2_PROFILE"])
            click.echo(f"created {created.role} {created.email} (id {created.id})")
    except ServiceError as exc:
        raise _fail(exc) from None


def _create_patient_account(
    app: Any, code: str, email: str, full_name: str | None, locale: str | None, password: str
) -> None:
    from ..services.accounts import invitations
    from ..services.errors import ServiceError
    from ..services.rights import fhir_export
    from ..storage.db import session_scope

    try:
        with session_scope(app) as session:
            found = fhir_export.patient_by_code(session, code=code)
            created = invitations.create_patient_account(
                session,
                patient=found,
                email=email,
                password=password,
                full_name=full_name,
                locale=locale,
                password_profile=app.config["ARGON2_PROFILE"],
            )
            click.echo(f"created patient {created.email} (id {created.id}) for {found.code}")
    except ServiceError as exc:
        raise _fail(exc) from None


@user.command("invite")
@click.option("--patient", "code", required=True, metavar="CODE", help="The patient's code, e.g. PT-K7WM.")
@click.option("--email", required=True, help="The patient's e-mail address (their login).")
@click.option("--locale", type=click.Choice(["en", "it"]), default="it", show_default=True)
@click.option(
    "--qr", "qr_path", default=None, type=click.Path(dir_okay=False), help="Write the QR code (PNG)."
)
@click.option(
    "--sheet",
    "sheet_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the printable one-page sheet (HTML with the QR code).",
)
def user_invite(code: str, email: str, locale: str, qr_path: str | None, sheet_path: str | None) -> None:
    """Invite patient CODE to the portal: prints the one-time link and code (valid 7 days,
    single use; shown only now)."""
    from ..services.accounts import invitations
    from ..services.errors import ServiceError
    from ..services.rights import fhir_export
    from ..storage.db import session_scope
    from ..web.invitation_sheet import standalone_sheet
    from ..web.qr import save_qr_png
    from ..web.urls import external_url

    app = _app()
    try:
        with app.test_request_context(), session_scope(app) as session:
            found = fhir_export.patient_by_code(session, code=code)
            issued = invitations.invite_patient(
                session, actor=None, patient=found, email=email, locale=locale
            )
            link = external_url("onboarding.accept", token=issued.token)
            code_url = external_url("onboarding.enter_code")
            expires = issued.invitation.expires_at
            patient_code = found.code
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(
        f"invitation for {patient_code} ({email}), valid until {expires:%Y-%m-%d %H:%M} UTC, single use"
    )
    click.echo(f"link: {link}")
    click.echo(f"code: {issued.code}  (typed at {code_url})")
    if qr_path:
        click.echo(f"wrote {save_qr_png(link, qr_path)}")
    if sheet_path:
        with app.test_request_context():
            html = standalone_sheet(
                link=link, code=issued.code, code_url=code_url, email=email, expires=expires, lang=locale
            )
        size = _write_atomic(sheet_path, lambda fh: fh.write(html.encode("utf-8")))
        click.echo(f"wrote {sheet_path} ({size} bytes)")


@user.command("password")
@click.option("--email", required=True)
@click.password_option("--password", help="Prompted (hidden, twice) when not given.")
def user_password(email: str, password: str) -> None:
    """Set an account's password (same policy as everywhere); its web logins end."""
    from ..services.accounts import users
    from ..services.errors import ServiceError
    from ..storage.db import session_scope

    app = _app()
    with session_scope(app) as session:
        account = _account(session, email)
        try:
            users.set_password(
                session,
                user=account,
                password=password,
                actor=None,
                password_profile=app.config["ARGON2_PROFILE"],
            )
        except ServiceError as exc:
            raise _fail(exc) from None
        click.echo(f"password of {account.email} changed; its web logins were ended")


@user.command("disable")
@click.option("--email", required=True)
def user_disable(email: str) -> None:
    """Disable an account: it can no longer log in and its web logins end at once."""
    _set_active(email, False)


@user.command("enable")
@click.option("--email", required=True)
def user_enable(email: str) -> None:
    """Enable a disabled account again (it logs in afresh)."""
    _set_active(email, True)


def _account(session: Any, email: str) -> Any:
    from ..services.accounts import users

    account = users.get_by_email(session, email=email)
    if account is None:
        raise click.ClickException(f"no account with e-mail {email}")
    return account


def _set_active(email: str, active: bool) -> None:
    from ..services.accounts import users
    from ..storage.db import session_scope

    with session_scope(_app()) as session:
        account = users.set_active(session, user=_account(session, email), active=active, actor=None)
        click.echo(f"{account.email} {'enabled' if active else 'disabled; its web logins were ended'}")


@user.command("list")
def user_list() -> None:
    """List accounts: e-mail, role, name."""
    from ..services.accounts import users
    from ..storage.db import session_scope

    with session_scope(_app()) as session:
        for u in users.list_users(session):
            flags = " reviewer" if u.is_reviewer else ""
            flags += " challenge-manager" if u.is_challenge_manager else ""
            flags += "" if u.is_active else " disabled"
            click.echo(f"{u.email:<36} {u.role:<10} {u.full_name}{flags}")


# -------------------------------------------------------------------------- seed
def _print_logins(logins: Any) -> None:
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


def _seed(app: Any) -> SeedOutcome:
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


def _print_seeded(outcome: SeedOutcome) -> None:
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

    app = _app()
    try:
        outcome = _seed(app)
    except (OperationalError, ProgrammingError) as exc:
        raise click.ClickException(
            f"the database is not ready ({str(exc.orig).splitlines()[0]}); run `smarttouch db upgrade` first"
        ) from None
    _print_seeded(outcome)
    if outcome.queued:
        click.echo(f"{outcome.queued} challenge evaluations are queued: `smarttouch worker` scores them")
    _print_logins(outcome.report.logins)


# ------------------------------------------------------------------------- serve
def _make_server(app: Any, host: str, port: int, threads: int) -> Any:
    """A waitress server bound to host:port (port 0 picks a free one)."""
    import waitress.server

    try:
        return waitress.server.create_server(app, host=host, port=port, threads=threads, ident="smarttouch")
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another with --port"
        ) from None


def _url(server: Any, host: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown}:{server.effective_port}/"


def _links_follow(app: Any, url: str) -> None:
    """Without SMARTTOUCH_BASE_URL the hub's links (verification mails, API answers) use the
    address it actually serves on, ``--port`` included, not the default port."""
    import os

    if not os.environ.get("SMARTTOUCH_BASE_URL", "").strip():
        app.config["BASE_URL"] = url.rstrip("/")


def _run(server: Any) -> None:
    """Serve until Ctrl+C (or SIGTERM): waitress returns from ``run`` on either."""
    import signal
    import threading

    def _terminate(signum: int, frame: Any) -> None:
        raise SystemExit(0)  # waitress catches it and returns, so callers' cleanup runs

    if threading.current_thread() is not threading.main_thread():
        server.run()
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)


_host = click.option(
    "--host",
    envvar="SMARTTOUCH_HOST",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (SMARTTOUCH_HOST).",
)
_port = click.option(
    "--port",
    envvar="SMARTTOUCH_PORT",
    default=8000,
    type=click.IntRange(0, 65535),
    show_default=True,
    help="Port to listen on (SMARTTOUCH_PORT); 0 picks a free port and prints it.",
)
_threads = click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Worker threads of the waitress server.",
)


@click.command()
@_host
@_port
@_threads
def serve(host: str, port: int, threads: int) -> None:
    """Serve the hub with waitress (use gunicorn behind a proxy for several processes)."""
    app = _app()
    server = _make_server(app, host, port, threads)
    _links_follow(app, _url(server, host))
    click.echo(f"SmartTouch hub on {_url(server, host)}  (Ctrl+C to stop)")
    _run(server)


def _start_worker(app: Any) -> tuple[Any, str]:
    """The demo's background evaluation worker (or None) and the sentence that says so."""
    from .demo_run import BackgroundWorker

    reason = BackgroundWorker.unavailable_reason()
    if reason is not None:
        return None, (
            "Challenge evaluations: NOT running here (no sandbox: "
            f"{reason.splitlines()[0]}); submissions wait in the queue."
        )
    worker = BackgroundWorker(
        instance_path=app.config["INSTANCE_PATH"], database_url=app.config["DATABASE_URL"]
    )
    pid = worker.start()
    return worker, (
        "The evaluation worker runs in the background with this demo (process "
        f"{pid}, log {worker.log_path}): it scores the sessions patients upload, the "
        "challenges' reference rows and developers' submissions, so dashboards and "
        "leaderboards fill with no other command."
    )


@click.command()
@_host
@_port
@_threads
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=True,
    show_default=True,
    help="Run the challenge evaluation worker in the background while serving.",
)
def demo(host: str, port: int, threads: int, with_worker: bool) -> None:
    """Migrate, seed the demo clinic if the database has no users, and serve; runs the
    evaluation worker in the background and prints how to try everything."""
    from ..services.accounts.users import count_users
    from ..services.demo.seed import demo_logins
    from ..storage.db import session_scope
    from .demo_run import showcase_patient, walkthrough

    app = _app()
    _upgrade(app)
    with session_scope(app) as session:
        empty = count_users(session) == 0
    if empty:
        click.echo("Creating the demo clinic (synthetic sessions, built-in challenges)...")
        outcome = _seed(app)
        _print_seeded(outcome)
        logins = outcome.report.logins
    else:
        click.echo("The database already has accounts: demo data not added.")
        with session_scope(app) as session:
            logins = demo_logins(session)
    _print_logins(logins)
    server = _make_server(app, host, port, threads)
    url = _url(server, host)
    _links_follow(app, url)
    worker, worker_note = (
        _start_worker(app)
        if with_worker
        else (
            None,
            "Challenge evaluations: no worker (--no-worker); run `smarttouch worker` to score submissions.",
        )
    )
    if worker is None:  # nobody would score uploads: score them in the request instead
        app.config["SCORING"] = "inline"
        worker_note += " Uploaded sessions are scored as they arrive (in the request)."
    try:
        with session_scope(app) as session:
            showcase = showcase_patient(session)
        click.echo(f"\nOpen {url} in your browser.  (Ctrl+C to stop)\n")
        click.echo(walkthrough(url, logins=logins, showcase=showcase, worker_note=worker_note))
        sys.stdout.flush()
        _run(server)
    finally:
        if worker is not None:
            click.echo(
                "Stopping the evaluation worker (it finishes a running evaluation; "
                "Ctrl+C again to stop it now)..."
            )
            code = worker.stop()
            click.echo(
                f"The evaluation worker had ended by itself (exit code {code}); see {worker.log_path}"
                if worker.exited_early
                else "Evaluation worker stopped."
            )


# ------------------------------------------------------------------------ export
def _write_atomic(path: str, write: Any) -> int:
    """Write a file through a temporary sibling and rename; returns its size in bytes."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise click.ClickException(f"folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _patient_option(f: Any) -> Any:
    return click.option(
        "--patient",
        "code",
        required=True,
        metavar="CODE",
        help="The patient's pseudonymous code, e.g. PT-K7WM.",
    )(f)


@click.group()
def export() -> None:
    """Export patient data: HL7 FHIR bundles, data-rights archives, challenge datasets."""


@export.command("fhir")
@_patient_option
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of sessions to include (local date, YYYY-MM-DD).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last day of sessions to include (local date, YYYY-MM-DD).",
)
@click.option("--identified", is_flag=True, help="Include name, birth year and notes (clinical use only).")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write the FHIR JSON Bundle to.",
)
def export_fhir(code: str, start: Any, end: Any, identified: bool, out: str) -> None:
    """Write a patient's HL7 FHIR R4 Bundle (plan, goals, session metrics, devices)."""
    from ..i18n.language import hub_tz, local_today
    from ..services.errors import ServiceError
    from ..services.rights import fhir_export
    from ..services.rights.fhir.codes import DEFAULT_BASE
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = _app()
    try:
        with app.test_request_context(), session_scope(app) as session:
            patient = fhir_export.patient_by_code(session, code=code)
            bundle = fhir_export.export_bundle(
                session,
                patient=patient,
                actor=None,
                store=get_blobstore(app),
                today=local_today(),
                identified=identified,
                start=start.date() if start else None,
                end=end.date() if end else None,
                tz=hub_tz(),
                base=app.config.get("FHIR_BASE_URL") or DEFAULT_BASE,
                via="cli",
                commit=False,
            )
            text = fhir_export.bundle_json(bundle).encode("utf-8")
            size = _write_atomic(out, lambda fh: fh.write(text))
    except ServiceError as exc:
        raise _fail(exc) from None
    kind = "identified" if identified else "pseudonymous"
    click.echo(f"wrote {out}: {len(bundle.entry or [])} resources, {kind}, {size} bytes")


@export.command("archive")
@_patient_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="ZIP file to write (profile, plan, sessions, recordings, audit, FHIR).",
)
def export_archive(code: str, out: str) -> None:
    """Write ALL of a patient's data as one ZIP archive (GDPR access/portability request)."""
    from ..i18n.language import hub_tz, local_today
    from ..services.errors import ServiceError
    from ..services.rights import data_rights, fhir_export
    from ..services.rights.fhir.codes import DEFAULT_BASE
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = _app()
    try:
        with app.test_request_context(), session_scope(app) as session:
            patient = fhir_export.patient_by_code(session, code=code)
            summary: list[Any] = []

            def write(fh: Any) -> None:
                summary.append(
                    data_rights.write_archive(
                        session,
                        patient=patient,
                        actor=None,
                        store=get_blobstore(app),
                        out=fh,
                        today=local_today(),
                        tz=hub_tz(),
                        base=app.config.get("FHIR_BASE_URL") or DEFAULT_BASE,
                        via="cli",
                        commit=False,
                    )
                )

            size = _write_atomic(out, write)
    except ServiceError as exc:
        raise _fail(exc) from None
    done = summary[0]
    click.echo(
        f"wrote {out}: {len(done.files)} files, {done.sessions} sessions, "
        f"{done.recordings} recordings, {size} bytes"
    )
    if done.missing_recordings:
        click.echo(
            f"warning: {len(done.missing_recordings)} recordings are missing from the blob store", err=True
        )


@export.command("dataset")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="New (or empty) folder for recordings/, labels.json, manifest.json.",
)
@click.option("--movement", default=None, help="Only sessions of this movement.")
def export_dataset(out: str, movement: str | None) -> None:
    """Build a pseudonymised challenge dataset from the sessions donated with consent."""
    from pathlib import Path

    from ..services.errors import ServiceError
    from ..services.rights import donation
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = _app()
    try:
        with session_scope(app) as session:
            done = donation.build_dataset(
                session, store=get_blobstore(app), out_dir=Path(out), actor=None, movement=movement
            )
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(
        f"wrote {out}: {done.recordings} recordings of {done.subjects} pseudonymous "
        f"subjects (dataset {done.dataset_id})"
    )


# ----------------------------------------------------------------------- patient
@click.group()
def patient() -> None:
    """Patient records: erasure on request (GDPR Art. 17)."""


@patient.command("erase")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def patient_erase(code: str, yes: bool) -> None:
    """Erase patient CODE: record, account, sessions and recordings; keeps only anonymous
    monthly aggregates and a redacted audit trail. Cannot be undone."""
    from ..services.errors import ServiceError
    from ..services.rights import erasure, fhir_export
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = _app()
    if not yes:
        click.confirm(f"Erase patient {code.upper()} and all their data for good?", abort=True)
    try:
        with session_scope(app) as session:
            found = fhir_export.patient_by_code(session, code=code)
            report = erasure.erase_patient(
                session, patient=found, actor=None, store=get_blobstore(app), confirm_code=found.code
            )
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(
        f"erased (reference {report.reference}): {report.sessions} sessions, "
        f"{report.recordings_deleted} recordings deleted, "
        f"{report.recordings_kept_shared} kept (shared with other records), "
        f"{report.events_redacted} audit events redacted"
    )
    if report.blob_errors:
        raise click.ClickException(
            f"{len(report.blob_errors)} recordings could not be deleted from the blob store; see the log"
        )
