"""``smarttouch challenge`` with the hub's commands, and the hub-aware ``smarttouch worker``.

The challenges room's group (list, validate, evaluate, starter-kit, baselines...) is copied,
not changed, and gains:

* ``import BUNDLE`` / ``import-builtin``: load challenges into the hub's database (with their
  reference rows);
* ``submit DIR --hub URL``: send a solution with a personal API token and, with ``--wait``,
  follow its evaluation;

``worker`` runs the huey consumer of the hub's queue: job state and scores go to the
database (``submission`` and ``score`` rows), code and bundles come from the blob store.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from smarttouch.challenges.cli import LEASE_SECONDS_OPTION, UNSAFE_HELP, WORKERS_OPTION
from smarttouch.challenges.cli import challenge as room_challenge

from .common import hub_app

FINAL = ("scored", "failed", "timed_out", "rejected")

challenge = click.Group(
    name="challenge",
    commands=dict(room_challenge.commands),
    help="Work with challenges: validate, evaluate, starter kits; import into the hub; submit.",
)


def _print_report(report: Any) -> None:
    ch = report.challenge
    verb = "created" if report.created else ("updated" if report.bundle_changed else "unchanged")
    click.echo(
        f"{ch.slug}: {verb} (bundle sha256 {ch.bundle_sha256[:12]}, "
        f"{ch.io_contract.get('public_recordings')} public / "
        f"{ch.io_contract.get('hidden_recordings')} hidden recordings)"
    )
    for sub in report.references:
        click.echo(f"  reference #{sub.id}: {sub.status} {sub.message if sub.status != 'scored' else ''}")


def _import_and_reference(app: Any, do_import: Any, references: bool) -> None:
    from ..jobs.bundles import bundle_cache_root
    from ..services.challenges import importer
    from ..services.errors import ServiceError
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    blobs = get_blobstore(app)
    try:
        with app.app_context(), session_scope(app) as session:
            report = do_import(session, blobs)
            if references:
                click.echo(f"{report.challenge.slug}: evaluating the reference solutions...", err=True)
                report.references = importer.record_references(
                    session,
                    challenge=report.challenge,
                    blobs=blobs,
                    cache_root=bundle_cache_root(app.instance_path),
                    sandbox=importer.default_sandbox(),
                )
            _print_report(report)
    except ServiceError as exc:
        raise click.ClickException(exc.message.splitlines()[0]) from None


@challenge.command("import")
@click.argument("bundle", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--references/--no-references",
    default=True,
    show_default=True,
    help="Evaluate the challenge's baseline solutions as reference rows.",
)
@click.option("--unpublished", is_flag=True, help="Import without showing it to developers.")
def import_cmd(bundle: Path, references: bool, unpublished: bool) -> None:
    """Import (or update) the challenge bundle folder BUNDLE into the hub's database."""
    from ..services.challenges import importer

    _import_and_reference(
        hub_app(),
        lambda s, b: importer.import_bundle(s, path=bundle, blobs=b, publish=not unpublished),
        references,
    )


@challenge.command("import-builtin")
@click.option("--slug", "slugs", multiple=True, help="Only this built-in (repeatable).")
@click.option(
    "--hidden-seed",
    type=click.IntRange(0, 2**32 - 1),
    default=None,
    help="Seed of the hidden split (default: random; keep it secret).",
)
@click.option(
    "--references/--no-references",
    default=True,
    show_default=True,
    help="Evaluate the challenge's baseline solutions as reference rows.",
)
def import_builtin_cmd(slugs: tuple[str, ...], hidden_seed: int | None, references: bool) -> None:
    """Generate the built-in challenges from the simulator and import them into the hub."""
    from smarttouch.challenges.builtin import BUILTINS

    from ..services.challenges import importer

    app = hub_app()
    for slug in slugs or tuple(BUILTINS):
        _import_and_reference(
            app,
            lambda s, b, slug=slug: importer.import_builtin(s, slug=slug, blobs=b, hidden_seed=hidden_seed),
            references,
        )


# ------------------------------------------------------------------------------ submit
def _stage(source: Path) -> Any:
    from smarttouch.challenges.archive import ArchiveRejected
    from smarttouch.challenges.solution import stage_solution

    with tempfile.TemporaryDirectory(prefix="st-submit-") as tmp:
        try:
            return stage_solution(source, Path(tmp) / "solution")
        except ArchiveRejected as exc:
            raise click.ClickException(f"{source}: {exc}") from None


def _error_text(response: Any) -> str:
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


@challenge.command("submit")
@click.argument("solution", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--hub",
    "hub",
    envvar="SMARTTOUCH_HUB_URL",
    required=True,
    help="The hub's address, e.g. https://hub.example.org ($SMARTTOUCH_HUB_URL).",
)
@click.option(
    "--token",
    envvar="SMARTTOUCH_HUB_TOKEN",
    required=True,
    help="Your personal API token from the hub's profile page ($SMARTTOUCH_HUB_TOKEN).",
)
@click.option(
    "--challenge", "slug", default=None, help="Challenge slug (default: the one named in solution.toml)."
)
@click.option(
    "--wait/--no-wait",
    default=False,
    show_default=True,
    help="Follow the evaluation until it ends; exit 1 unless it is scored.",
)
@click.option(
    "--timeout",
    "timeout_s",
    default=900.0,
    show_default=True,
    type=click.FloatRange(1.0),
    help="Seconds to wait with --wait.",
)
def submit_cmd(solution: Path, hub: str, token: str, slug: str | None, wait: bool, timeout_s: float) -> None:
    """Submit SOLUTION (folder or zip) to the hub for evaluation on the hidden split."""
    import requests

    staged = _stage(solution)
    slug = slug or staged.manifest.challenge
    url = f"{hub.rstrip('/')}/api/v1/challenges/{slug}/submissions"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/zip",
        "X-Filename": f"{staged.manifest.name}.zip",
    }
    click.echo(f"submitting {staged.manifest.name!r} to {slug} (sha256 {staged.sha256})", err=True)
    try:
        response = requests.post(url, data=staged.archive, headers=headers, timeout=120)
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach the hub at {hub}: {exc}") from None
    if response.status_code != 201:
        raise click.ClickException(f"the hub refused the submission: {_error_text(response)}")
    body = response.json()
    click.echo(f"submission #{body['id']}: {body['status']}  {body.get('url') or ''}")
    if body["status"] == "rejected":
        click.echo(f"failure_reason: rejected - {body['message']}")
        raise SystemExit(1)
    if wait:
        body = _follow(hub, token, body["id"], timeout_s)
        _print_submission(body)
        if body["status"] != "scored":
            raise SystemExit(1)


def _follow(hub: str, token: str, submission_id: int, timeout_s: float) -> dict:
    import requests

    url = f"{hub.rstrip('/')}/api/v1/submissions/{submission_id}"
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        try:
            response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        except requests.RequestException as exc:
            raise click.ClickException(f"cannot reach the hub: {exc}") from None
        if response.status_code != 200:
            raise click.ClickException(f"cannot read submission #{submission_id}: {_error_text(response)}")
        body = response.json()
        if body["status"] != last:
            click.echo(f"  {body['status']}", err=True)
            last = body["status"]
        if body["status"] in FINAL:
            return body
        if time.monotonic() > deadline:
            raise click.ClickException(
                f"submission #{submission_id} is still {body['status']} after {timeout_s:g} s"
            )
        time.sleep(1.0)


def _print_submission(body: dict) -> None:
    click.echo(f"status: {body['status']}")
    for split, values in sorted(body.get("scores", {}).items()):
        click.echo(f"{split:>7}: " + "  ".join(f"{k}={v:.4g}" for k, v in values.items()))
    if body.get("failure_reason"):
        click.echo(f"failure_reason: {body['failure_reason']} - {body.get('failure_meaning') or ''}")
        click.echo(f"message: {body['message']}")


# ------------------------------------------------------------------------------ worker
def _hub_database_ready(app: Any) -> bool:
    """True when the configured hub database has been migrated (``smarttouch db upgrade``)."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..storage import migrate
    from ..storage.db import get_engine

    try:
        with get_engine(app).connect() as conn:
            return migrate.current_revision(conn) is not None
    except SQLAlchemyError:
        return False


def _job_types(jobs: str, *, standalone: bool) -> list[str]:
    """The job types named by ``--jobs`` (``all``: every registered one).

    Raises:
        click.BadParameter: an unknown type, none, or a stand-alone worker not running
            evaluations (the stand-alone queue holds nothing else).
    """
    from ..jobs.registry import JOB_TYPES

    names = [n.strip() for n in jobs.split(",") if n.strip()]
    if names == ["all"]:
        names = list(JOB_TYPES)
    unknown = [n for n in names if n not in JOB_TYPES]
    if unknown or not names:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'nothing'}: choose among {', '.join(JOB_TYPES)} or all",
            param_hint="--jobs",
        )
    if standalone and "evaluation" not in names:
        raise click.BadParameter("the stand-alone queue holds evaluations only", param_hint="--jobs")
    return names


@click.command("worker")
@WORKERS_OPTION
@LEASE_SECONDS_OPTION
@click.option(
    "--standalone",
    is_flag=True,
    help="Serve the stand-alone queue of `smarttouch challenge enqueue` (job files in "
    "the instance folder) instead of the hub's. Chosen automatically when no "
    "migrated hub database is configured.",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Stand-alone mode: instance folder (default: $SMARTTOUCH_INSTANCE_PATH).",
)
@click.option(
    "--redis-url",
    default=None,
    help="Stand-alone mode: Redis URL (default: $SMARTTOUCH_REDIS_URL; empty = SQLite).",
)
@click.option(
    "--jobs",
    "jobs",
    default="all",
    show_default=True,
    help="Job types this worker runs, comma-separated (scoring, evaluation, analysis) or "
    "'all'. Evaluations and analyses run untrusted code in bubblewrap, so a worker that "
    "runs them refuses to start without it; '--jobs scoring' starts anywhere. Messages for "
    "types a worker does not run are left to the others.",
)
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True, help=UNSAFE_HELP)
@click.pass_context
def worker(
    ctx: click.Context,
    workers: int,
    lease_seconds: float,
    standalone: bool,
    instance: Path | None,
    redis_url: str | None,
    jobs: str,
    unsafe: bool,
) -> None:
    """Score uploaded sessions, evaluate submitted solutions and run chosen analyzers for the hub.

    Uses the hub's configuration (SMARTTOUCH_DATABASE_URL, SMARTTOUCH_INSTANCE_PATH,
    SMARTTOUCH_REDIS_URL: huey on Redis when set, else on SQLite in the instance folder):
    job state and scores go to the database. Start several, on several machines sharing the
    database, the blob store and Redis."""
    from smarttouch.challenges.cli import worker as room_worker
    from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable

    from ..jobs.queue import HubQueue
    from ..jobs.registry import JOB_TYPES
    from ..storage.db import without_pre_ping

    runs = _job_types(jobs, standalone=standalone or instance is not None)
    sandboxed = sorted(name for name in runs if JOB_TYPES[name].needs_sandbox)
    if sandboxed:
        try:
            Sandbox(unsafe=unsafe)
        except SandboxUnavailable as exc:
            raise click.ClickException(
                f"refusing to start: {exc}. {' and '.join(sandboxed)} jobs run untrusted code "
                "and need bubblewrap (apt-get install bubblewrap); a worker for uploaded "
                "sessions alone starts without it: smarttouch worker --jobs scoring"
            ) from None
    app = None if standalone or instance is not None else hub_app()
    if app is None or not _hub_database_ready(app):
        if "evaluation" not in runs:
            raise click.ClickException(
                "no migrated hub database (SMARTTOUCH_DATABASE_URL): no sessions to score here"
            )
        if app is not None:
            click.echo(
                "no migrated hub database: serving the stand-alone queue (smarttouch challenge enqueue)",
                err=True,
            )
        ctx.invoke(
            room_worker,
            workers=workers,
            lease_seconds=lease_seconds,
            instance=instance,
            redis_url=redis_url,
            unsafe=unsafe,
        )
        return
    if unsafe:
        click.echo("WARNING: evaluating WITHOUT a sandbox; never do this with others' code", err=True)
    without_pre_ping(app)  # the lease store tries again on a dropped connection instead
    queue = HubQueue(app, unsafe=unsafe, lease_s=lease_seconds, runs=runs)
    requeued = queue.reap()
    if requeued:
        click.echo(f"requeued {len(requeued)} job(s) left by a stopped worker", err=True)
    for kind, waiting in queue.requeue_waiting().items():
        if waiting:
            click.echo(f"{waiting} {kind} job(s) waiting", err=True)
    for name in sorted(runs):  # ready when it says it serves: the first job is not slower
        warm_up = JOB_TYPES[name].warm_up
        if warm_up is not None:
            warm_up()
    backend = "redis" if app.config.get("REDIS_URL") else "sqlite"
    click.echo(
        f"hub worker {queue.worker}: {workers} thread(s), queue on {backend}, runs {', '.join(sorted(runs))}",
        err=True,
    )
    sys.stderr.flush()
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True
    )
    consumer.run()
