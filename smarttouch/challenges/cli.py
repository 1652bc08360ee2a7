"""``smarttouch challenge ...`` and ``smarttouch worker``: challenges from the command line."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click
from tqdm import tqdm

from smarttouch.challenges.archive import ArchiveRejected
from smarttouch.challenges.bundle import BundleError, ChallengeBundle
from smarttouch.challenges.status import FAILURE_REASONS, SCORED

UNSAFE_HELP = (
    "Run WITHOUT the bubblewrap sandbox (rlimits only). Local development of your "
    "own code only; never for code you did not write."
)


def _progress(desc: str, total: int | None):
    return tqdm(total=total, desc=desc, unit="rec", leave=False, file=sys.stderr, disable=None)


def _load(ref: str, *, require_hidden: bool = True) -> ChallengeBundle:
    from smarttouch.challenges.builtin import BUILTINS
    from smarttouch.challenges.catalog import resolve_challenge

    total = BUILTINS[ref].size if ref in BUILTINS else None
    try:
        with _progress(f"preparing {ref}", total) as bar:
            return resolve_challenge(ref, require_hidden=require_hidden, progress=bar.update)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from None


def _sandbox(unsafe: bool):
    from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable

    try:
        return Sandbox(unsafe=unsafe)
    except SandboxUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def _manifest_challenge(source: Path) -> str:
    from smarttouch.challenges.solution import read_manifest, stage_solution

    try:
        if source.is_dir():
            return read_manifest(source).challenge
        with tempfile.TemporaryDirectory() as tmp:
            return stage_solution(source, Path(tmp) / "s").manifest.challenge
    except ArchiveRejected as exc:
        raise click.ClickException(f"{source}: {exc}") from None


def _run(
    source: Path, challenge: ChallengeBundle, splits: tuple[str, ...], unsafe: bool, artifacts: Path | None
):
    from smarttouch.challenges.evaluation import evaluate_solution

    sandbox = _sandbox(unsafe)
    try:
        with _progress("evaluating", len(splits)) as bar:

            def step(split: str) -> None:
                bar.set_postfix_str(split)
                bar.update(0 if bar.n == 0 and split == splits[0] else 1)

            result = evaluate_solution(
                source, challenge, sandbox=sandbox, splits=splits, artifacts_dir=artifacts, progress=step
            )
            bar.update(bar.total - bar.n)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from None
    return result


def _compare(key: str, predicted, label) -> str:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (predicted, label))
    error = f", error {predicted - label:+.3g}" if numeric and predicted != label else ""
    return f"{key}={predicted!r} (label {label!r}{error})"


def _print_result(result, show_details: bool) -> None:
    click.echo(f"challenge: {result.challenge}   solution: {result.solution or '-'}")
    click.echo(f"sha256:    {result.sha256 or '-'}")
    for split in result.splits:
        if show_details and split.details:
            click.echo(f"\n{split.split} split, per recording:")
            for row in split.details:
                pred, lab = row["prediction"], row["label"]
                keys = [k for k in pred if k in lab]
                floats = any(isinstance(pred[k], float) or isinstance(lab[k], float) for k in keys)
                mark = "ok " if all(pred[k] == lab[k] for k in keys) else ("   " if floats else "XX ")
                shown = ", ".join(_compare(k, pred[k], lab[k]) for k in keys)
                click.echo(f"  {mark} {row['id']:<14} {shown}")
        if split.scores:
            scores = "  ".join(f"{k}={v:.4g}" for k, v in split.scores.items())
            click.echo(f"{split.split:>7}: {scores}   ({split.wall_s:.2f} s)")
    click.echo(f"status: {result.status}")
    if result.failure_reason:
        click.echo(
            f"failure_reason: {result.failure_reason} - {FAILURE_REASONS.get(result.failure_reason, '')}"
        )
        click.echo(f"message: {result.message}")
        log = result.splits[-1].log.strip() if result.splits else ""
        if log:
            click.echo("log (tail):\n" + "\n".join(log.splitlines()[-25:]))


@click.group()
def challenge() -> None:
    """Work with challenges: validate, evaluate, list, starter kits, built-in bundles."""


@challenge.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(as_json: bool) -> None:
    """List the known challenges (extra bundles in $SMARTTOUCH_CHALLENGES_DIR and built-ins)."""
    from smarttouch.challenges.catalog import list_challenges

    try:
        with _progress("preparing built-in challenges", None) as bar:
            items = list_challenges(progress=bar.update)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from None
    rows = [
        {
            "slug": c.slug,
            "kind": c.kind,
            "title": c.title,
            "open": c.is_open(),
            "primary_metric": c.primary_metric.name,
            "path": str(c.root),
        }
        for c in items
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['slug']:<24} {r['kind']:<9} {'open  ' if r['open'] else 'closed'} {r['title']}")


@challenge.command("build-builtin")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--slug", "slugs", multiple=True, help="Only this built-in (repeatable).")
@click.option(
    "--hidden-seed",
    type=click.IntRange(0, 2**32 - 1),
    default=None,
    help="Seed of the hidden split (default: random; keep it secret).",
)
def build_builtin_cmd(out: Path, slugs: tuple[str, ...], hidden_seed: int | None) -> None:
    """Generate the built-in challenge bundles into OUT/<slug>/."""
    from smarttouch.challenges.builtin import BUILTINS, build_builtin

    for slug in slugs or tuple(BUILTINS):
        if slug not in BUILTINS:
            raise click.ClickException(f"no built-in challenge {slug!r} ({', '.join(BUILTINS)})")
        try:
            with _progress(slug, BUILTINS[slug].size) as bar:
                path = build_builtin(slug, out / slug, hidden_seed=hidden_seed, progress=bar.update)
        except FileExistsError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{slug}: {path}")


@challenge.command("starter-kit")
@click.argument("slug")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Zip file to write."
)
def starter_kit_cmd(slug: str, out: Path) -> None:
    """Write the starter kit of challenge SLUG (public split + template solution) to a zip."""
    from smarttouch.challenges.starter_kit import build_starter_kit

    path = build_starter_kit(_load(slug), out)
    click.echo(f"starter kit: {path}")


@challenge.command("validate")
@click.argument("solution", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--challenge",
    "ref",
    default=None,
    help="Challenge slug or bundle folder path, e.g. ./my-bundle (default: the challenge named in solution.toml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True, help=UNSAFE_HELP)
def validate_cmd(solution: Path, ref: str | None, as_json: bool, unsafe: bool) -> None:
    """Run SOLUTION (folder or zip) on the public split, exactly as the hub would, and score it."""
    challenge_ = _load(ref or _manifest_challenge(solution), require_hidden=False)
    result = _run(solution, challenge_, ("public",), unsafe, None)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_result(result, show_details=True)
    if result.status != SCORED:
        raise SystemExit(1)


@challenge.command("evaluate")
@click.argument("solution", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--challenge", "ref", required=True, help="Challenge slug, or bundle folder path (e.g. ./my-bundle)."
)
@click.option(
    "--split",
    "splits",
    multiple=True,
    type=click.Choice(["public", "hidden"]),
    help="Splits to run (default: public then hidden, as the worker does).",
)
@click.option("--json", "as_json", is_flag=True, help="Print status, failure_reason and scores as JSON.")
@click.option(
    "--artifacts",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for files the harness produces (game screenshots).",
)
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True, help=UNSAFE_HELP)
def evaluate_cmd(
    solution: Path, ref: str, splits: tuple[str, ...], as_json: bool, artifacts: Path | None, unsafe: bool
) -> None:
    """Evaluate SOLUTION exactly as the worker does: sandbox, public and hidden splits, scoring."""
    result = _run(solution, _load(ref), splits or ("public", "hidden"), unsafe, artifacts)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_result(result, show_details=False)
    if result.status != SCORED:
        raise SystemExit(1)


@challenge.command("baselines")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True, help=UNSAFE_HELP)
def baselines_cmd(ref: str, as_json: bool, unsafe: bool) -> None:
    """Evaluate the reference solutions of challenge REF (the leaderboard's reference rows)."""
    from smarttouch.challenges.baselines import baseline_dirs

    challenge_ = _load(ref)
    rows = []
    for folder in baseline_dirs(challenge_.slug):
        result = _run(folder, challenge_, ("public", "hidden"), unsafe, None)
        result.reference = True
        rows.append(result.to_dict(with_logs=False))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"{challenge_.slug}: no reference solutions")
    for row in rows:
        scores = "; ".join(
            f"{split}: " + ", ".join(f"{k}={v:.4g}" for k, v in s.items())
            for split, s in row["scores"].items()
        )
        click.echo(f"{row['solution']:<36} {row['status']:<9} {scores}")


def _queue(instance: Path | None, redis_url: str | None, unsafe: bool = False, lease_s: float = 60.0):
    from smarttouch.challenges.jobqueue import default_queue

    return default_queue(instance=instance, redis_url=redis_url, unsafe=unsafe, lease_s=lease_s)


_instance_option = click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Instance folder (default: $SMARTTOUCH_INSTANCE_PATH, ./instance in a checkout).",
)
_redis_option = click.option(
    "--redis-url", default=None, help="Redis URL (default: $SMARTTOUCH_REDIS_URL; empty = SQLite)."
)
#: the options of both ``worker`` commands (this stand-alone one and the hub's)
WORKERS_OPTION = click.option(
    "--workers",
    "-w",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Evaluations run in parallel by this process.",
)
LEASE_SECONDS_OPTION = click.option(
    "--lease-seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1.0),
    help="A job whose worker stops renewing for this long is retried elsewhere.",
)


@challenge.command("enqueue")
@click.argument("solution", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--challenge", "ref", required=True, help="Challenge slug, or bundle folder path (e.g. ./my-bundle)."
)
@_instance_option
@_redis_option
def enqueue_cmd(solution: Path, ref: str, instance: Path | None, redis_url: str | None) -> None:
    """Queue SOLUTION for evaluation by `smarttouch worker`; prints the job id."""
    job_id = _queue(instance, redis_url).submit(solution, ref)
    click.echo(job_id)


@challenge.command("job")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole job record as JSON.")
@_instance_option
def job_cmd(job_id: str, as_json: bool, instance: Path | None) -> None:
    """Show the state of evaluation job JOB_ID."""
    from smarttouch.challenges.jobs import FileResultStore
    from smarttouch.paths import instance_path

    try:
        record = FileResultStore((instance or instance_path()) / "challenge-jobs" / "state").get(job_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if record is None:
        raise click.ClickException(f"no job {job_id}")
    if as_json:
        click.echo(json.dumps(record, indent=2))
        return
    click.echo(f"job {job_id}: {record['state']}  attempts={record['attempts']}")
    if record["failure_reason"]:
        click.echo(f"failure_reason: {record['failure_reason']} - {record['message']}")
    scores = (record.get("result") or {}).get("scores") or {}
    for split, values in scores.items():
        click.echo(f"{split:>7}: " + "  ".join(f"{k}={v:.4g}" for k, v in values.items()))


@click.command("worker")
@WORKERS_OPTION
@LEASE_SECONDS_OPTION
@_instance_option
@_redis_option
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True, help=UNSAFE_HELP)
def worker(
    workers: int, lease_seconds: float, instance: Path | None, redis_url: str | None, unsafe: bool
) -> None:
    """Run the background worker that evaluates submitted solutions (huey consumer)."""
    from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable

    try:
        Sandbox(unsafe=unsafe)
    except SandboxUnavailable as exc:
        raise click.ClickException(f"refusing to start: {exc}") from None
    if unsafe:
        click.echo("WARNING: evaluating WITHOUT a sandbox; never do this with others' code", err=True)
    queue = _queue(instance, redis_url, unsafe, lease_seconds)
    requeued = queue.reap()
    if requeued:
        click.echo(f"requeued {len(requeued)} job(s) left by a stopped worker", err=True)
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True
    )
    consumer.run()
