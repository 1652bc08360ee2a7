"""The data of a challenge authored on the web, from one of three sources:

* ``simulator``: a built-in generator of :mod:`smarttouch.challenges.builtin` (public split
  from its published seed, hidden split from a fresh random seed), built by a worker
  (:mod:`smarttouch.platform.jobs.challenge_data`) because it takes a second or more;
* ``donated``: the pseudonymised dataset of consented donations
  (:func:`..rights.donation.build_dataset`), split by subject into public and hidden;
* ``upload``: a bundle zip, unpacked with the caps workers use and validated by the same
  loader as ``smarttouch challenge import``.

Every bundle, whatever its source, goes through :func:`.importer.store_bundle` (the strict
loader, then the blob store). The ``challenge.toml`` of generated data is the generator's
own (contract, limits, options, metrics) with the author's choices written over it: title,
need, dates, daily cap, and which of the kind's metrics ranks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from sqlmodel import Session, func, select

from smarttouch.challenges.archive import ArchiveRejected, extract_zip
from smarttouch.challenges.jobs import Outcome

from ...jobs.bundles import BUNDLE_CAPS
from ...models import Challenge, ChallengeDataJob, User, pk
from ...storage.blobstore import BlobStore
from .. import audit
from ..errors import Invalid
from ..rights import donation
from . import importer

SOURCES = ("simulator", "donated", "upload")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# ---------------------------------------------------------------------------- templates
@dataclass(frozen=True)
class DataTemplate:
    """A built-in generator seen as a template: its kind, its ``challenge.toml`` (parsed) and
    the starter solution it ships."""

    generator: str
    kind: str
    doc: dict[str, Any]
    template: str

    @property
    def metrics(self) -> list[dict[str, Any]]:
        return [dict(m) for m in self.doc.get("metrics", [])]


@cache
def templates() -> dict[str, DataTemplate]:
    """Every built-in generator by slug."""
    from smarttouch.challenges.builtin import BUILTINS

    out = {}
    for slug, spec in BUILTINS.items():
        module = sys.modules[spec.build.__module__]
        doc = tomllib.loads(module.CHALLENGE_TOML)
        out[slug] = DataTemplate(slug, doc["challenge"]["kind"], doc, module.__name__.rsplit(".", 1)[1])
    return out


def generators_for(kind: str) -> list[str]:
    """The simulator generators that make data for ``kind``."""
    return [slug for slug, t in templates().items() if t.kind == kind]


def metric_options(kind: str) -> list[dict[str, Any]]:
    """The metrics a challenge of ``kind`` can rank on (those of its generators, by name);
    empty for a kind without generators, whose metrics come with an uploaded bundle."""
    seen: dict[str, dict[str, Any]] = {}
    for slug in generators_for(kind):
        for m in templates()[slug].metrics:
            seen.setdefault(str(m["name"]), m)
    return list(seen.values())


def template_for(kind: str) -> DataTemplate | None:
    """The template whose contract generated or donated data of ``kind`` follows."""
    found = generators_for(kind)
    return templates()[found[0]] if found else None


# ------------------------------------------------------------------------ challenge.toml
@dataclass(frozen=True)
class BundleHead:
    """What the author chose that goes into a generated ``challenge.toml``."""

    slug: str
    title: str
    summary: str
    need_md: str
    population: str
    opens: dt.datetime | None
    closes: dt.datetime | None
    submissions_per_day: int
    primary_metric: str | None


def challenge_toml(template: DataTemplate, head: BundleHead, *, movement: str | None = None) -> str:
    """The template's ``challenge.toml`` with the author's choices written over it."""
    doc = json.loads(json.dumps(template.doc, default=str))  # a deep copy of plain values
    table = dict(template.doc["challenge"])
    table.pop("need_file", None)
    table.pop("opens", None)
    table.pop("closes", None)
    table.update(
        slug=head.slug,
        title=head.title,
        summary=head.summary,
        need=head.need_md or head.title,
        population=head.population,
        submissions_per_day=head.submissions_per_day,
    )
    if head.opens is not None:
        table["opens"] = head.opens
    if head.closes is not None:
        table["closes"] = head.closes
    if movement:
        table["movement"] = movement
        if "movement" in doc.get("options", {}):
            doc["options"]["movement"] = movement
    doc["challenge"] = table
    if head.primary_metric:
        for m in doc["metrics"]:
            m["primary"] = m["name"] == head.primary_metric
    return dump_toml(doc)


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML basic-string escapes
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _table(lines: list[str], name: str, table: dict[str, Any], *, array: bool = False) -> None:
    lines.append(f"[[{name}]]" if array else f"[{name}]")
    subtables = {}
    for k, v in table.items():
        if isinstance(v, dict) and not array:
            subtables[k] = v
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    lines.append("")
    for k, v in subtables.items():
        _table(lines, f"{name}.{_key(k)}", v)


def dump_toml(doc: dict[str, Any]) -> str:
    """``doc`` as TOML: top-level tables, their sub-tables, arrays of tables (with inline
    tables inside), scalars, lists and date-times (what a ``challenge.toml`` holds)."""
    lines: list[str] = []
    for name, value in doc.items():
        if isinstance(value, dict):
            if all(isinstance(v, dict) for v in value.values()) and value:
                for sub, table in value.items():  # [output.reps], [output.score]...
                    _table(lines, f"{_key(name)}.{_key(sub)}", table)
            else:
                _table(lines, _key(name), value)
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            for item in value:
                _table(lines, _key(name), item, array=True)
        else:
            raise TypeError(f"top-level key {name!r} must be a table")
    return "\n".join(lines)


_TARGET_LINE = re.compile(r'(?m)^challenge\s*=\s*"[^"\n]*"[ \t]*$')


def retarget_template(bundle: Path) -> None:
    """Make the starter solution of ``bundle`` (``public/template/solution.toml``, copied from
    a generator that names its own challenge) name this bundle's challenge, so that the
    starter kit's solution can be submitted to it unchanged."""
    manifest = bundle / "public" / "template" / "solution.toml"
    if not manifest.is_file():
        return
    slug = tomllib.loads((bundle / "challenge.toml").read_text(encoding="utf-8"))["challenge"]["slug"]
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(_TARGET_LINE.sub(f"challenge = {json.dumps(slug)}", text, count=1), encoding="utf-8")


# --------------------------------------------------------------------------- simulator
class DataSpec(TypedDict):
    """What a worker needs to build a challenge's simulated data."""

    job_id: int
    challenge_id: int
    generator: str
    toml: str


def build_simulated(generator: str, toml: str, out: Path) -> Path:
    """Generate ``generator``'s data into the new folder ``out`` (public split from its
    published seed, hidden split from a fresh random seed) under ``toml``."""
    from smarttouch.challenges.builtin import build_builtin

    build_builtin(generator, out)
    (out / "need.md").unlink(missing_ok=True)
    (out / "challenge.toml").write_text(toml, encoding="utf-8")
    retarget_template(out)
    return out


def queue_simulated(session: Session, *, challenge: Challenge, generator: str, toml: str) -> ChallengeDataJob:
    """Store the job that builds ``challenge``'s simulated data (the caller commits, then
    sends it)."""
    job = ChallengeDataJob(
        challenge_id=pk(challenge),
        spec={"generator": generator, "toml": toml},
        message="waiting for a worker",
    )
    session.add(job)
    return job


def load_spec(session: Session, job: ChallengeDataJob) -> DataSpec:
    assert job.id is not None
    return {
        "job_id": job.id,
        "challenge_id": job.challenge_id,
        "generator": str(job.spec.get("generator", "")),
        "toml": str(job.spec.get("toml", "")),
    }


def execute(blobs: BlobStore, spec: DataSpec) -> Outcome:
    """Build, validate and store the bundle (the worker's side; no database)."""
    with tempfile.TemporaryDirectory(prefix="st-authored-") as tmp:
        folder = build_simulated(spec["generator"], spec["toml"], Path(tmp) / "bundle")
        try:
            bundle, key = importer.store_bundle(folder, blobs=blobs)
        except Invalid as exc:
            return {"status": "failed", "failure_reason": "invalid_bundle", "message": exc.message}
    fields = importer.bundle_fields(bundle)
    contract = fields["io_contract"]
    return {
        "status": "scored",
        "message": f"{contract['public_recordings']} public and {contract['hidden_recordings']} hidden recordings",
        "bundle_sha256": key,
        "fields": fields,
    }


def outcome_values(outcome: Outcome) -> dict[str, Any]:
    from smarttouch.challenges.jobs import final_state

    return {
        "status": final_state(outcome),
        "failure_reason": outcome.get("failure_reason"),
        "message": str(outcome.get("message", ""))[:4000],
    }


def save_outcome(session: Session, job_id: int, outcome: Outcome) -> None:
    """Point the challenge at its new bundle (in the job's finishing transaction), unless a
    later job (an edited draft's) superseded this one."""
    job = session.get(ChallengeDataJob, job_id)
    if job is None or not outcome.get("bundle_sha256"):
        return
    row = session.get(Challenge, job.challenge_id)
    latest = session.exec(
        select(func.max(ChallengeDataJob.id)).where(ChallengeDataJob.challenge_id == job.challenge_id)
    ).one()
    if row is None or latest != job.id:
        return
    importer.apply_bundle_fields(row, dict(outcome["fields"]), str(outcome["bundle_sha256"]))
    session.add(row)
    audit.record(
        session,
        action="challenge.data_built",
        actor=None,
        target_type="challenge",
        target_id=row.id,
        details={"slug": row.slug, "source": row.data_source, "bundle_sha256": row.bundle_sha256},
    )


# ----------------------------------------------------------------------------- donated
def _split_dataset(dataset: Path, out: Path) -> None:
    """Write ``out/public`` and ``out/hidden`` from a donation dataset folder: by subject when
    there are two or more subjects (no subject in both splits), else by recording."""
    labels: dict[str, dict[str, Any]] = json.loads((dataset / "labels.json").read_text(encoding="utf-8"))
    if len(labels) < 2:
        raise Invalid("data: at least two donated recordings are needed (one public, one hidden)")
    rng = secrets.SystemRandom()
    subjects = sorted({str(lab.get("subject", rid)) for rid, lab in labels.items()})
    if len(subjects) >= 2:
        rng.shuffle(subjects)
        hidden_subjects = set(subjects[: max(1, round(len(subjects) * 0.4))])
        hidden = {rid for rid, lab in labels.items() if str(lab.get("subject")) in hidden_subjects}
    else:
        ids = sorted(labels)
        rng.shuffle(ids)
        hidden = set(ids[: max(1, round(len(ids) * 0.4))])
    for split, members in (("hidden", hidden), ("public", set(labels) - hidden)):
        rec_dir = out / split / "recordings"
        rec_dir.mkdir(parents=True)
        for rid in sorted(members):
            shutil.copyfile(dataset / "recordings" / f"{rid}.npz", rec_dir / f"{rid}.npz")
        kept = {rid: labels[rid] for rid in sorted(members)}
        (out / split / "labels.json").write_text(json.dumps(kept, indent=1, sort_keys=True), encoding="utf-8")


def build_donated(
    session: Session,
    *,
    blobs: BlobStore,
    out: Path,
    toml: str,
    template: DataTemplate,
    movement: str | None,
    actor: User | None,
) -> Path:
    """A bundle in the new folder ``out`` from the consented donations (of ``movement``, or
    all), with ``template``'s starter solution. Raises :class:`Invalid` (field ``data``) when
    there is nothing consented to use."""
    from smarttouch.challenges.builtin.common import write_template
    from smarttouch.challenges.templates import template_files

    out.mkdir(parents=True)
    dataset = out.parent / f"{out.name}-dataset"
    try:
        donation.build_dataset(session, store=blobs, out_dir=dataset, actor=actor, movement=movement)
    except Invalid as exc:
        raise Invalid(f"data: {exc.message}") from None
    _split_dataset(dataset, out)
    shutil.rmtree(dataset, ignore_errors=True)
    write_template(out, template_files(template.template))
    (out / "challenge.toml").write_text(toml, encoding="utf-8")
    retarget_template(out)
    return out


# ------------------------------------------------------------------------------ upload
def unpack_upload(data: bytes, out: Path) -> Path:
    """The bundle folder inside the uploaded zip ``data`` (the bundle's files, or one folder
    holding them), unpacked into ``out`` with the caps workers use for stored bundles. Raises
    :class:`Invalid` (field ``bundle``)."""
    if not data:
        raise Invalid("bundle: the upload is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(f"bundle: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    archive = out.parent / f"{out.name}.zip"
    archive.write_bytes(data)
    try:
        extract_zip(archive, out, BUNDLE_CAPS)
    except (ArchiveRejected, OSError) as exc:
        raise Invalid(f"bundle: {exc}") from None
    finally:
        archive.unlink(missing_ok=True)
    inner = [p for p in out.iterdir() if p.is_dir()]
    if not (out / "challenge.toml").exists() and len(inner) == 1 and len(list(out.iterdir())) == 1:
        return inner[0]  # a zipped bundle folder: its one top-level folder is the bundle
    return out


def store_prepared(folder: Path, *, blobs: BlobStore, field: str) -> tuple[dict[str, Any], str]:
    """Validate ``folder`` exactly as ``smarttouch challenge import`` does and store it; returns
    the row fields and blob key. A failing bundle raises :class:`Invalid` on ``field`` with the
    validator's own message (and nothing is stored)."""
    try:
        bundle, key = importer.store_bundle(folder, blobs=blobs)
    except Invalid as exc:
        raise Invalid(f"{field}: {exc.message}") from None
    return importer.bundle_fields(bundle), key


def with_primary(fields: dict[str, Any], primary: str | None) -> dict[str, Any]:
    """``fields`` ranked on metric ``primary`` (one of theirs) instead of the bundle's own.
    Raises :class:`Invalid` (field ``primary_metric``) for a metric the bundle lacks."""
    if not primary or primary == fields["primary_metric"]:
        return fields
    names = [m["name"] for m in fields["metrics"]]
    if primary not in names:
        raise Invalid(f"primary_metric: the bundle has no metric {primary!r} (it has {', '.join(names)})")
    metrics = [{**m, "primary": m["name"] == primary} for m in fields["metrics"]]
    return {**fields, "metrics": metrics, "primary_metric": primary}


def apply_prepared(row: Challenge, fields: dict[str, Any], key: str) -> None:
    importer.apply_bundle_fields(row, fields, key)


def sizes(challenge: Challenge) -> tuple[int, int]:
    """(public, hidden) recordings of the challenge's bundle, 0 before it has one."""
    contract = challenge.io_contract or {}
    return int(contract.get("public_recordings") or 0), int(contract.get("hidden_recordings") or 0)


__all__ = [
    "SOURCES",
    "BundleHead",
    "DataSpec",
    "DataTemplate",
    "apply_prepared",
    "build_donated",
    "build_simulated",
    "challenge_toml",
    "dump_toml",
    "execute",
    "generators_for",
    "load_spec",
    "metric_options",
    "outcome_values",
    "queue_simulated",
    "retarget_template",
    "save_outcome",
    "sizes",
    "store_prepared",
    "template_for",
    "templates",
    "unpack_upload",
    "with_primary",
]
