"""``smarttouch blobs``: the content-addressed store of recordings, solution code and artifacts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..core.config import ConfigError

if TYPE_CHECKING:
    from ..storage.blobstore import BlobStore


def _configured_url() -> str:
    from ..core.config import resolve

    try:
        return str(resolve()["BLOB_URL"])
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _open(url: str, what: str) -> BlobStore:
    from ..storage.blobstore import open_blobstore

    try:
        return open_blobstore(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=what) from None


@click.group()
def blobs() -> None:
    """The blob store (recordings, solution code, artifacts): where it is, checking it, moving it."""


@blobs.command("where")
def blobs_where() -> None:
    """Print the store this hub uses (SMARTTOUCH_BLOB_URL, or the folder it defaults to)."""
    click.echo(_configured_url())


@blobs.command("migrate")
@click.option(
    "--to",
    "target_url",
    required=True,
    metavar="URL",
    help="Where to copy to: s3://bucket/prefix (endpoint and credentials from AWS_ENDPOINT_URL, "
    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION) or file:///path.",
)
@click.option(
    "--from",
    "source_url",
    default=None,
    metavar="URL",
    help="Where to copy from. Default: the hub's store (SMARTTOUCH_BLOB_URL, SMARTTOUCH_BLOB_PATH "
    "or <instance>/blobs).",
)
@click.option(
    "--jobs", default=4, show_default=True, type=click.IntRange(1, 64), help="Blobs copied at once."
)
@click.option("--quiet", is_flag=True, help="No progress bar; print only the summary.")
def blobs_migrate(target_url: str, source_url: str | None, jobs: int, quiet: bool) -> None:
    """Copy every blob of the hub's store (a folder) to another store (object storage).

    Each blob streams from the source through a SHA-256 check, is written under its key and
    is read back from the target and checked again. The command is restartable: blobs the
    target already holds are verified and skipped (a damaged copy is replaced), so running it
    again after an interruption copies only what is missing. The source is never changed.

    Then point every hub and worker at the target (SMARTTOUCH_BLOB_URL=URL) and restart them;
    run the command once more just before the switch to copy what arrived meanwhile.
    Exits with status 1 when any blob could not be copied (listed at the end).
    """
    from tqdm import tqdm

    from ..storage.blobcopy import Outcome, copy_blobs

    source = _open(source_url or _configured_url(), "--from")
    target = _open(target_url, "--to")
    if source.url == target.url:
        raise click.BadParameter(
            f"the source and the target are the same store ({source.url})", param_hint="--to"
        )
    click.echo(f"listing {source.url} ...", err=True)
    keys = list(source.keys())
    click.echo(f"copying {len(keys)} blobs from {source.url} to {target.url}", err=True)
    with tqdm(total=len(keys), unit="blob", disable=quiet, file=sys.stderr) as bar:
        report = copy_blobs(source, target, keys=keys, jobs=jobs, progress=lambda key, outcome: bar.update(1))
    for outcome in Outcome:
        if report.counts[outcome]:
            click.echo(f"{report.counts[outcome]:>8}  {outcome.value}")
    click.echo(f"{report.total:>8}  blobs in all; {report.bytes_copied} bytes copied")
    if not report.ok:
        for key, problem in sorted(report.problems.items()):
            click.echo(f"  {key}: {problem}", err=True)
        raise click.ClickException(f"{len(report.problems)} blobs were not copied; run the command again")
    click.echo(f"every blob is in {target.url} and hashes to its key")


@blobs.command("check")
@click.option("--verify", is_flag=True, help="Also read every blob back and check its SHA-256 (slower).")
@click.option(
    "--jobs", default=8, show_default=True, type=click.IntRange(1, 64), help="Blobs looked up at once."
)
@click.option("--quiet", is_flag=True, help="No progress bar; print only the summary.")
def blobs_check(verify: bool, jobs: int, quiet: bool) -> None:
    """Check that the store holds every blob the database refers to.

    Looks up each recording, solution and approved code archive, challenge bundle and
    evaluation screenshot that a row names, in the hub's store (SMARTTOUCH_BLOB_URL). Run it
    after a restore or a move of the store. Changes nothing; exits with status 1 and lists
    the rows whose blob is missing (or, with --verify, damaged).
    """
    from sqlmodel import Session
    from tqdm import tqdm

    from ..storage.blobcheck import check_blobs, referenced_blobs
    from ..storage.blobstore import get_blobstore
    from ..storage.db import get_engine
    from .common import hub_app

    app = hub_app()
    store = get_blobstore(app)
    with Session(get_engine(app)) as session:
        references = referenced_blobs(session)
    with tqdm(total=len(references), unit="blob", disable=quiet, file=sys.stderr) as bar:
        report = check_blobs(store, references, verify=verify, jobs=jobs, progress=lambda: bar.update(1))
    click.echo(f"{report.checked} blobs referenced by the database, in {store.url}")
    for label, problems in (("missing", report.missing), ("damaged", report.corrupt)):
        for key, where in sorted(problems.items(), key=lambda kv: kv[1]):
            click.echo(f"  {label}: {key} ({where})", err=True)
    if not report.ok:
        raise click.ClickException(f"{len(report.missing)} missing, {len(report.corrupt)} damaged")
    click.echo("every referenced blob is there" + (" and hashes to its key" if verify else ""))
