"""``smarttouch serve`` (the hub on waitress) and ``smarttouch demo`` (migrate, seed if empty,
serve with the evaluation worker in the background, :mod:`.demo_run`)."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import hub_app, upgrade_database
from .seed import print_logins, print_seeded, seed_demo_clinic


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
    app = hub_app()
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

    app = hub_app()
    upgrade_database(app)
    with session_scope(app) as session:
        empty = count_users(session) == 0
    if empty:
        click.echo("Creating the demo clinic (synthetic sessions, built-in challenges)...")
        outcome = seed_demo_clinic(app)
        print_seeded(outcome)
        logins = outcome.report.logins
    else:
        click.echo("The database already has accounts: demo data not added.")
        with session_scope(app) as session:
            logins = demo_logins(session)
    print_logins(logins)
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
