"""Importing challenge bundles into the hub, and the built-in challenges of the demo.

A bundle is validated by the challenges room's strict loader, packed into a deterministic zip
and kept in the blob store (key = its sha256); the ``challenge`` row holds what pages show
(title, need, contract, metrics, limits, dates) and the bundle's blob key. Hidden recordings
and labels stay inside that blob in the hub's blob store (folder or bucket): no page or API response ever reads them.
Workers unpack a bundle once into ``<instance>/challenge-bundles/<sha256>/``
(:mod:`smarttouch.platform.jobs.bundles`).

Reference rows (the challenge room's baselines: our own scorer, a naive peak counter, the
built-in Balloon Pop) are evaluated at import like any submission and stored as solutions
with ``is_reference`` and no developer.
"""

from __future__ import annotations

import io
import stat
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from smarttouch.challenges.bundle import BundleError, ChallengeBundle, load_bundle

from ...i18n.vocab import MOVEMENTS
from ...jobs.bundles import BundleCorrupt, bundle_cache_root, materialize_bundle
from ...models import Challenge, Score, Solution, Submission, User, pk, utcnow
from ...storage.blobstore import BlobStore
from .. import audit
from ..errors import Invalid, NotFound

if TYPE_CHECKING:
    from smarttouch.challenges.sandbox import Sandbox

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class ImportReport:
    """What :func:`import_bundle` did."""

    challenge: Challenge
    created: bool
    bundle_changed: bool
    references: list[Submission] = field(default_factory=list)


# ----------------------------------------------------------------------- bundles as blobs
def bundle_zip(root: str | Path) -> bytes:
    """A deterministic zip of the bundle folder ``root`` (sorted names, fixed dates).

    Only regular files are packed; a symlink anywhere is refused (it could point outside)."""
    root = Path(root)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if "__pycache__" in path.parts or rel.endswith(".pyc"):
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise Invalid(f"{path}: symlinks are not allowed in a challenge bundle")
            if not stat.S_ISREG(mode):
                continue
            info = zipfile.ZipInfo(rel, date_time=_FIXED_TIME)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def load_challenge_bundle(challenge: Challenge, *, blobs: BlobStore, cache_root: Path) -> ChallengeBundle:
    """The challenges room's :class:`~smarttouch.challenges.bundle.ChallengeBundle` of a row."""
    if not challenge.bundle_sha256:
        raise NotFound(f"challenge {challenge.slug} has no imported bundle")
    try:
        return load_bundle(materialize_bundle(blobs, challenge.bundle_sha256, cache_root))
    except (BundleError, BundleCorrupt) as exc:
        raise Invalid(str(exc)) from None


# ------------------------------------------------------------------------------ import
def _movement_key(text: str) -> str | None:
    """The movement code when the bundle names one of the hub's movements exactly."""
    key = text.strip()
    return key if key in MOVEMENTS else None


def _contract(bundle: ChallengeBundle) -> dict:
    lim = bundle.limits
    return {
        "input": bundle.input_description,
        "outputs": [
            {
                "name": f.name,
                "type": f.type,
                "minimum": f.minimum,
                "maximum": f.maximum,
                "unit": f.unit,
                "description": f.description,
            }
            for f in bundle.outputs
        ],
        "movement": bundle.movement,
        "placement": bundle.placement,
        "limits": {
            "wall_s": lim.wall_s,
            "cpu_s": lim.cpu_s,
            "memory_mb": lim.memory_mb,
            "max_procs": lim.max_procs,
            "output_kb": lim.output_kb,
            "file_size_mb": lim.file_size_mb,
        },
        "public_recordings": len(bundle.split("public").recordings),
        "hidden_recordings": len(bundle.split("hidden").recordings),
        "options": {k: v for k, v in bundle.options.items() if isinstance(v, (str, int, float, bool))},
    }


def _metrics(bundle: ChallengeBundle) -> list[dict]:
    return [
        {
            "name": m.name,
            "label": m.label,
            "function": m.function,
            "field": m.field,
            "better": "higher" if m.higher_is_better else "lower",
            "primary": m.primary,
            "params": dict(m.params),
        }
        for m in bundle.metrics
    ]


def bundle_fields(bundle: ChallengeBundle) -> dict:
    """What a challenge row takes from its data bundle (kind, contract, metrics, limits), as
    plain JSON values: a worker that built the bundle hands them to the hub in its outcome."""
    movement_key = _movement_key(bundle.movement) or _movement_key(str(bundle.options.get("movement", "")))
    return {
        "kind": bundle.kind,
        "movement": movement_key,
        "placement": bundle.placement[:48] or None,
        "io_contract": _contract(bundle),
        "metrics": _metrics(bundle),
        "primary_metric": bundle.primary_metric.name,
        "time_limit_s": float(bundle.limits.wall_s),
        "memory_limit_mb": int(bundle.limits.memory_mb),
    }


def apply_bundle_fields(row: Challenge, fields: dict, key: str) -> None:
    """Point ``row`` at the bundle stored under blob ``key`` with its :func:`bundle_fields`."""
    row.kind = str(fields["kind"])
    row.movement = fields["movement"]
    row.placement = fields["placement"]
    row.io_contract = dict(fields["io_contract"])
    row.metrics = list(fields["metrics"])
    row.primary_metric = str(fields["primary_metric"])
    row.time_limit_s = float(fields["time_limit_s"])
    row.memory_limit_mb = int(fields["memory_limit_mb"])
    row.bundle_sha256 = key
    row.imported_at = utcnow()


def store_bundle(path: str | Path, *, blobs: BlobStore) -> tuple[ChallengeBundle, str]:
    """Validate the bundle folder ``path`` with the challenges room's strict loader and keep
    it as a deterministic zip in the blob store; returns the bundle and its blob key. Every way
    a bundle enters the hub (the CLI, the web's upload, generated data) passes here.

    Raises :class:`Invalid` naming the file and key at fault; nothing is stored then."""
    try:
        bundle = load_bundle(path)
    except BundleError as exc:
        raise Invalid(str(exc)) from None
    return bundle, blobs.put(bundle_zip(bundle.root))


def import_bundle(
    session: Session, *, path: str | Path, blobs: BlobStore, actor: User | None = None, publish: bool = True
) -> ImportReport:
    """Validate the bundle folder ``path`` and create or update its ``challenge`` row.

    Raises :class:`Invalid` naming the file and key at fault; nothing is stored then.
    Re-importing the same slug updates the row (a changed bundle gets a new blob key).
    """
    bundle, key = store_bundle(path, blobs=blobs)
    row = session.exec(select(Challenge).where(Challenge.slug == bundle.slug)).first()
    created = row is None
    changed = row is None or row.bundle_sha256 != key
    if row is None:
        row = Challenge(slug=bundle.slug, title=bundle.title, kind=bundle.kind)
    row.title = bundle.title[:160]
    row.summary = bundle.summary[:300]
    row.description_md = bundle.need_md
    row.population = bundle.population[:200]
    apply_bundle_fields(row, bundle_fields(bundle), key)
    row.max_daily_submissions = bundle.submissions_per_day
    row.opens_at = bundle.opens
    row.closes_at = bundle.closes
    row.is_published = publish
    row.data_source = "import"
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="challenge.imported",
        actor=actor,
        target_type="challenge",
        target_id=row.id,
        details={"slug": row.slug, "bundle_sha256": key, "created": created},
    )
    session.commit()
    session.refresh(row)
    return ImportReport(row, created, changed)


def import_builtin(
    session: Session,
    *,
    slug: str,
    blobs: BlobStore,
    actor: User | None = None,
    hidden_seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Generate built-in challenge ``slug`` from the simulator (a fresh random hidden seed
    unless given) and import it."""
    from smarttouch.challenges.builtin import BUILTINS, build_builtin

    if slug not in BUILTINS:
        raise Invalid(f"no built-in challenge {slug!r} (built-ins: {', '.join(BUILTINS)})")
    with tempfile.TemporaryDirectory(prefix="st-builtin-") as tmp:
        folder = build_builtin(slug, Path(tmp) / slug, hidden_seed=hidden_seed, progress=progress)
        return import_bundle(session, path=folder, blobs=blobs, actor=actor)


# ---------------------------------------------------------------------- reference rows
def record_references(
    session: Session, *, challenge: Challenge, blobs: BlobStore, cache_root: Path, sandbox: Sandbox
) -> list[Submission]:
    """Evaluate the challenge's baseline solutions on both splits now and store them as
    reference rows (replacing older reference rows). Baselines ship with SmartTouch; they
    still run through ``sandbox`` like any code."""
    from smarttouch.challenges.baselines import baseline_dirs
    from smarttouch.challenges.evaluation import evaluate_solution

    bundle = load_challenge_bundle(challenge, blobs=blobs, cache_root=cache_root)
    done = []
    for folder in baseline_dirs(challenge.slug):
        result = evaluate_solution(folder, bundle, sandbox=sandbox)
        if result.sha256 is None:
            raise Invalid(f"baseline {folder.name} of {challenge.slug} was rejected: {result.message}")
        res = result.to_dict(with_logs=False)
        sub = _reference_submission(
            session, challenge=challenge, blobs=blobs, folder=folder, status=res["status"]
        )
        sub.failure_reason, sub.message = res["failure_reason"], res["message"]
        sub.result = {"splits": res["splits"], "bundle_sha256": challenge.bundle_sha256}
        sub.started_at = sub.finished_at = utcnow()
        session.add(sub)
        for split, values in res["scores"].items():
            for metric, value in values.items():
                session.add(Score(submission_id=pk(sub), split=split, metric=metric, value=float(value)))
        done.append(sub)
    session.commit()
    return done


def queue_references(
    session: Session,
    *,
    challenge: Challenge,
    blobs: BlobStore,
    enqueue: Callable[[int], object] | None = None,
) -> list[Submission]:
    """Store the baselines as queued reference submissions for the worker to evaluate like
    any other (fast; ``smarttouch worker`` also picks up queued rows when it starts)."""
    from smarttouch.challenges.baselines import baseline_dirs

    subs = [
        _reference_submission(session, challenge=challenge, blobs=blobs, folder=folder, status="queued")
        for folder in baseline_dirs(challenge.slug)
    ]
    session.commit()
    for sub in subs:
        if enqueue is not None:
            enqueue(pk(sub))
    return subs


def _reference_submission(
    session: Session, *, challenge: Challenge, blobs: BlobStore, folder: Path, status: str
) -> Submission:
    """A fresh reference submission of the baseline in ``folder`` (older ones replaced)."""
    from smarttouch.challenges.solution import stage_solution

    with tempfile.TemporaryDirectory(prefix="st-ref-") as tmp:
        staged = stage_solution(folder, Path(tmp) / "s")
    blobs.put(staged.archive)
    solution = session.exec(
        select(Solution).where(
            Solution.challenge_id == challenge.id,
            col(Solution.is_reference).is_(True),
            Solution.name == staged.manifest.name,
        )
    ).first()
    if solution is None:
        solution = Solution(
            challenge_id=pk(challenge),
            developer_id=None,
            name=staged.manifest.name,
            kind=staged.manifest.kind,
            is_reference=True,
            description=staged.manifest.description,
        )
        session.add(solution)
        session.flush()
    for old in session.exec(select(Submission).where(Submission.solution_id == solution.id)):
        session.delete(old)
    session.flush()
    submission = Submission(
        solution_id=pk(solution),
        code_sha256=staged.sha256,
        entrypoint=staged.manifest.entrypoint,
        status=status,
        message="waiting for a worker" if status == "queued" else "",
        splits=["public", "hidden"],
    )
    session.add(submission)
    session.flush()
    return submission


def default_sandbox() -> Sandbox:
    """The bubblewrap sandbox, or, when it is unavailable here, rlimits only: acceptable for
    the hub's OWN baseline code, never for developers' submissions."""
    from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable

    try:
        return Sandbox()
    except SandboxUnavailable:
        return Sandbox(unsafe=True)


def seed_builtin_challenges(
    session: Session,
    *,
    blobs: BlobStore,
    instance_path: str | Path | None = None,
    references: str = "queue",
    enqueue: Callable[[int], object] | None = None,
) -> list[ImportReport]:
    """Demo seed: import the built-in challenges that are not in the database yet (about a
    second each), with their reference rows: ``"queue"`` (default) stores them as queued
    evaluations and hands each to ``enqueue`` (when given; ``smarttouch worker`` also picks up
    queued rows when it starts), ``"now"`` evaluates them here (10-15 s; needs
    ``instance_path`` for the unpacked bundles), ``"none"``. Idempotent: challenges already in
    the database are left alone."""
    from smarttouch.challenges.builtin import BUILTINS

    if references not in ("queue", "now", "none"):
        raise ValueError(f"references must be queue, now or none, not {references!r}")
    if references == "now" and instance_path is None:
        raise ValueError("evaluating the references now needs the instance folder (instance_path)")
    reports = []
    for slug in BUILTINS:
        if session.exec(select(Challenge).where(Challenge.slug == slug)).first() is not None:
            continue
        report = import_builtin(session, slug=slug, blobs=blobs)
        if references == "now" and instance_path is not None:
            report.references = record_references(
                session,
                challenge=report.challenge,
                blobs=blobs,
                cache_root=bundle_cache_root(instance_path),
                sandbox=default_sandbox(),
            )
        elif references == "queue":
            report.references = queue_references(
                session, challenge=report.challenge, blobs=blobs, enqueue=enqueue
            )
        reports.append(report)
    return reports


def starter_kit(challenge: Challenge, *, blobs: BlobStore, instance_path: str | Path) -> Path:
    """The starter-kit zip of a challenge (public split, template solution, README; never
    the hidden split), built once per bundle version under ``<instance>/starter-kits``."""
    from smarttouch.challenges.starter_kit import build_starter_kit

    if not challenge.bundle_sha256:
        raise NotFound(f"challenge {challenge.slug} has no starter kit (no bundle imported)")
    out = Path(instance_path) / "starter-kits" / f"{challenge.slug}-{challenge.bundle_sha256[:16]}.zip"
    if not out.is_file():
        bundle = load_challenge_bundle(challenge, blobs=blobs, cache_root=bundle_cache_root(instance_path))
        build_starter_kit(bundle, out)
    return out


__all__ = [
    "ImportReport",
    "apply_bundle_fields",
    "bundle_fields",
    "bundle_zip",
    "default_sandbox",
    "import_builtin",
    "import_bundle",
    "load_challenge_bundle",
    "queue_references",
    "record_references",
    "seed_builtin_challenges",
    "starter_kit",
    "store_bundle",
]
