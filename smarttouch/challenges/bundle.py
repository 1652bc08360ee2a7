"""Challenge bundles: ``challenge.toml`` plus a public and a hidden split, loaded and checked.

Layout of a bundle directory::

    challenge.toml            the description (see docs/challenge-authoring.md)
    need.md                   optional: the rehabilitation need, Markdown (or inline ``need``)
    public/recordings/*.npz   sample recordings (.npz or .csv), free to download
    public/labels.json        {"<recording id>": {"reps": 8}, ...}
    public/template/          optional starter solution (else the kind's default template)
    hidden/recordings/*.npz   evaluation recordings
    hidden/labels.json        their labels: read by trusted scoring code only, never shipped

A recording's id is its file name without the extension. :func:`load_bundle` validates all of
it and raises :class:`BundleError` naming the file and key at fault.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smarttouch.challenges.kinds.registry import UnknownKind, kind_names, kind_spec
from smarttouch.challenges.metrics import LABEL_FREE, METRICS
from smarttouch.challenges.schema import FIELD_TYPES, OutputField

SPLITS = ("public", "hidden")
RECORDING_SUFFIXES = (".npz", ".csv")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class BundleError(ValueError):
    """A challenge bundle is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Metric:
    """One leaderboard metric: ``function`` of :data:`METRICS` over output ``field``."""

    name: str
    function: str
    field: str
    higher_is_better: bool
    primary: bool = False
    label: str = ""
    # ``dataclasses.field``: the attribute ``field`` above shadows the import in this class body.
    params: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """Resources of one sandboxed run over one split.

    wall_s: wall-clock seconds; cpu_s: CPU seconds; memory_mb: address space, MiB;
    max_procs: processes/threads; output_kb: result size cap, KiB; file_size_mb: largest file
    the solution may write (in its private /tmp), MiB.
    """

    wall_s: float = 120.0
    cpu_s: int = 120
    memory_mb: int = 1024
    max_procs: int = 32
    output_kb: int = 4096
    file_size_mb: int = 16


@dataclass(frozen=True)
class Split:
    """The recordings of one split; labels are loaded on request by trusted code only."""

    name: str
    root: Path
    recordings: dict[str, Path]

    @property
    def ids(self) -> list[str]:
        return sorted(self.recordings)

    def labels(self) -> dict[str, dict[str, Any]]:
        return _read_labels(self.root / "labels.json")


@dataclass(frozen=True)
class ChallengeBundle:
    """A loaded, validated challenge bundle (times are timezone-aware UTC)."""

    root: Path
    slug: str
    title: str
    kind: str
    summary: str
    need_md: str
    population: str
    movement: str
    placement: str
    input_description: str
    outputs: tuple[OutputField, ...]
    metrics: tuple[Metric, ...]
    limits: Limits
    submissions_per_day: int
    opens: dt.datetime | None
    closes: dt.datetime | None
    splits: dict[str, Split]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def primary_metric(self) -> Metric:
        return next(m for m in self.metrics if m.primary)

    def split(self, name: str) -> Split:
        if name not in self.splits:
            raise BundleError(f"{self.slug}: no split {name!r} (splits: {', '.join(self.splits)})")
        return self.splits[name]

    def is_open(self, now: dt.datetime | None = None) -> bool:
        """True between ``opens`` and ``closes`` (open-ended when a date is missing)."""
        now = now or dt.datetime.now(dt.UTC)
        return (self.opens is None or now >= self.opens) and (self.closes is None or now < self.closes)

    def leaderboard_split(self, now: dt.datetime | None = None) -> str:
        """The split ranked publicly: ``public`` while open, ``hidden`` once closed (Kaggle)."""
        closed = self.closes is not None and (now or dt.datetime.now(dt.UTC)) >= self.closes
        return "hidden" if closed else "public"


_TOP_KEYS = {"challenge", "input", "output", "metrics", "limits", "options"}
_CHALLENGE_KEYS = {
    "slug",
    "title",
    "kind",
    "summary",
    "need",
    "need_file",
    "population",
    "movement",
    "placement",
    "opens",
    "closes",
    "submissions_per_day",
}
_LIMIT_KEYS = {f for f in Limits.__dataclass_fields__}
_METRIC_KEYS = {"name", "function", "field", "better", "primary", "label", "params"}
_OUTPUT_KEYS = {"type", "minimum", "maximum", "unit", "description"}


def load_bundle(path: str | Path, *, require_hidden: bool = True) -> ChallengeBundle:
    """Load and validate the bundle in directory ``path``.

    ``require_hidden=False`` accepts a bundle without its hidden split (a starter kit).
    """
    root = Path(path)
    toml_path = root / "challenge.toml"
    if not toml_path.is_file():
        raise BundleError(f"{root}: no challenge.toml (is this a challenge bundle directory?)")
    try:
        doc = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{toml_path}: not valid TOML: {exc}") from None
    where = str(toml_path)
    _no_unknown(doc, _TOP_KEYS, where, "top level")
    head = _table(doc, "challenge", where)
    _no_unknown(head, _CHALLENGE_KEYS, where, "[challenge]")

    slug = _str(head, "slug", where, "challenge")
    if not SLUG_RE.match(slug):
        raise BundleError(f"{where}: challenge.slug {slug!r} must be 3-64 lowercase letters, digits, '-'")
    kind = _str(head, "kind", where, "challenge")
    try:
        required = kind_spec(kind).outputs
    except UnknownKind:
        raise BundleError(
            f"{where}: challenge.kind {kind!r} is not one of {', '.join(kind_names())}"
        ) from None
    outputs = _outputs(doc, where)
    if required is not None and {f.name for f in outputs} != required:
        raise BundleError(
            f"{where}: a {kind} challenge declares exactly the outputs "
            f"{', '.join(sorted(required))} (its harness measures them)"
        )
    metrics = _metrics(doc, outputs, where)
    opens = _when(head.get("opens"), where, "challenge.opens")
    closes = _when(head.get("closes"), where, "challenge.closes")
    if opens and closes and closes <= opens:
        raise BundleError(f"{where}: challenge.closes ({closes}) must be after challenge.opens ({opens})")
    cap = head.get("submissions_per_day", 5)
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise BundleError(f"{where}: challenge.submissions_per_day must be a positive integer, got {cap!r}")
    input_table = doc.get("input", {})
    _no_unknown(input_table, {"description"}, where, "[input]")

    splits = {}
    for name in SPLITS:
        split_root = root / name
        if name == "hidden" and not require_hidden and not split_root.exists():
            continue
        splits[name] = _split(name, split_root, outputs, metrics)
    return ChallengeBundle(
        root=root,
        slug=slug,
        title=_str(head, "title", where, "challenge"),
        kind=kind,
        summary=str(head.get("summary", "")),
        need_md=_need(head, root, where),
        population=str(head.get("population", "")),
        movement=str(head.get("movement", "")),
        placement=str(head.get("placement", "")),
        input_description=str(input_table.get("description", "")),
        outputs=outputs,
        metrics=metrics,
        limits=_limits(doc.get("limits", {}), where),
        submissions_per_day=cap,
        opens=opens,
        closes=closes,
        splits=splits,
        options=dict(doc.get("options", {})),
    )


def _no_unknown(table: dict, allowed: set[str], where: str, name: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise BundleError(
            f"{where}: unknown key(s) in {name}: {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )


def _table(doc: dict, key: str, where: str) -> dict:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise BundleError(f"{where}: missing table [{key}]")
    return value


def _str(table: dict, key: str, where: str, prefix: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BundleError(f"{where}: {prefix}.{key} is required and must be a non-empty string")
    return value


def _need(head: dict, root: Path, where: str) -> str:
    if "need" in head and "need_file" in head:
        raise BundleError(f"{where}: give challenge.need or challenge.need_file, not both")
    if "need_file" in head:
        need_path = (root / str(head["need_file"])).resolve()
        if root.resolve() not in need_path.parents or not need_path.is_file():
            raise BundleError(
                f"{where}: challenge.need_file {head['need_file']!r} is not a file in the bundle"
            )
        return need_path.read_text(encoding="utf-8")
    return _str(head, "need", where, "challenge")


def _when(value: Any, where: str, key: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    raise BundleError(f"{where}: {key} must be a TOML date or date-time, got {value!r}")


def _outputs(doc: dict, where: str) -> tuple[OutputField, ...]:
    table = doc.get("output")
    if not isinstance(table, dict) or not table:
        raise BundleError(f'{where}: declare at least one output field, e.g. [output.reps] type = "integer"')
    fields = []
    for name, spec in table.items():
        key = f"output.{name}"
        if not isinstance(spec, dict):
            raise BundleError(f"{where}: [{key}] must be a table")
        _no_unknown(spec, _OUTPUT_KEYS, where, f"[{key}]")
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            raise BundleError(f"{where}: {key}.type must be one of {', '.join(FIELD_TYPES)}, got {ftype!r}")
        for bound in ("minimum", "maximum"):
            if bound in spec and (isinstance(spec[bound], bool) or not isinstance(spec[bound], (int, float))):
                raise BundleError(f"{where}: {key}.{bound} must be a number")
        fields.append(
            OutputField(
                name,
                ftype,
                spec.get("minimum"),
                spec.get("maximum"),
                str(spec.get("unit", "")),
                str(spec.get("description", "")),
            )
        )
    return tuple(fields)


def _metrics(doc: dict, outputs: tuple[OutputField, ...], where: str) -> tuple[Metric, ...]:
    items = doc.get("metrics")
    if not isinstance(items, list) or not items:
        raise BundleError(f"{where}: declare at least one [[metrics]] entry")
    numeric = {f.name for f in outputs if f.type in ("integer", "number", "boolean")}
    metrics, seen = [], set()
    for i, spec in enumerate(items):
        key = f"metrics[{i}]"
        if not isinstance(spec, dict):
            raise BundleError(f"{where}: {key} must be a table")
        _no_unknown(spec, _METRIC_KEYS, where, key)
        name = _str(spec, "name", where, key)
        if name in seen:
            raise BundleError(f"{where}: metric name {name!r} is used twice")
        seen.add(name)
        function = spec.get("function", name)
        if function not in METRICS:
            raise BundleError(
                f"{where}: {key}.function {function!r} is not one of {', '.join(sorted(METRICS))}"
            )
        fname = _str(spec, "field", where, key)
        if fname not in numeric:
            raise BundleError(
                f"{where}: {key}.field {fname!r} is not a numeric output field "
                f"(numeric outputs: {', '.join(sorted(numeric)) or 'none'})"
            )
        better = spec.get("better")
        if better not in ("higher", "lower"):
            raise BundleError(f'{where}: {key}.better must be "higher" or "lower", got {better!r}')
        params = spec.get("params", {})
        if not isinstance(params, dict) or not all(isinstance(v, (int, float)) for v in params.values()):
            raise BundleError(f"{where}: {key}.params must be a table of numbers")
        metrics.append(
            Metric(
                name,
                function,
                fname,
                better == "higher",
                bool(spec.get("primary", False)),
                str(spec.get("label", name)),
                {k: float(v) for k, v in params.items()},
            )
        )
    primaries = [m.name for m in metrics if m.primary]
    if len(primaries) != 1:
        raise BundleError(f"{where}: exactly one metric must have primary = true, found {len(primaries)}")
    return tuple(metrics)


def _limits(table: Any, where: str) -> Limits:
    if not isinstance(table, dict):
        raise BundleError(f"{where}: [limits] must be a table")
    _no_unknown(table, _LIMIT_KEYS, where, "[limits]")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise BundleError(f"{where}: limits.{key} must be a positive number, got {value!r}")
    wall_s = float(table.get("wall_s", Limits.wall_s))
    counts = {key: int(value) for key, value in table.items() if key != "wall_s"}
    return Limits(wall_s=wall_s, **counts)


def _read_labels(path: Path) -> dict[str, dict[str, Any]]:
    try:
        labels = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{path}: missing labels file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(labels, dict) or not all(isinstance(v, dict) for v in labels.values()):
        raise BundleError(f"{path}: must map each recording id to an object of labels")
    return labels


def _split(name: str, root: Path, outputs: tuple[OutputField, ...], metrics: tuple[Metric, ...]) -> Split:
    rec_dir = root / "recordings"
    if not rec_dir.is_dir():
        raise BundleError(f"{rec_dir}: missing (every bundle needs {name}/recordings/)")
    recordings: dict[str, Path] = {}
    for p in sorted(rec_dir.iterdir()):
        if p.is_symlink() or not p.is_file() or p.suffix not in RECORDING_SUFFIXES:
            raise BundleError(f"{p}: only regular .npz or .csv recording files belong in {rec_dir}")
        if p.stem in recordings:
            raise BundleError(f"{p}: recording id {p.stem!r} appears twice")
        recordings[p.stem] = p
    if not recordings:
        raise BundleError(f"{rec_dir}: no recordings")
    labels = _read_labels(root / "labels.json")
    missing = [r for r in recordings if r not in labels]
    extra = [r for r in labels if r not in recordings]
    if missing or extra:
        raise BundleError(
            f"{root / 'labels.json'}: labels and recordings differ "
            f"(no label: {missing[:3]}, no recording: {extra[:3]})"
        )
    fields = {f.name: f for f in outputs}
    for rec_id, lab in labels.items():
        for metric in metrics:
            if metric.function in LABEL_FREE:
                continue
            if metric.field not in lab:
                raise BundleError(f"{root / 'labels.json'}: recording {rec_id} has no label {metric.field!r}")
            problem = fields[metric.field].check(lab[metric.field])
            if problem:
                raise BundleError(f"{root / 'labels.json'}: recording {rec_id}, {metric.field!r} {problem}")
    return Split(name, root, recordings)
