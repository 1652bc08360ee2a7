"""Reading, writing and validating motion recordings.

Two file formats:

* ``.npz`` (canonical): compressed numpy arrays ``t``, ``acc``, ``gyr`` and optionally
  ``mag``, ``quat``, plus ``meta`` (a JSON string with sample rate, device, profile, placement,
  calibration and labels) and, for a play session, ``phases`` (a JSON string: a list of
  ``{"kind", "t_start", "t_end", "set_index"}``, times in seconds on the recording's clock).
* ``.csv`` (interchange): header ``t,ax,ay,az,gx,gy,gz[,mx,my,mz][,qw,qx,qy,qz]``; time in
  seconds, acceleration in g, angular rate in deg/s, magnetic field in microtesla. A CSV without
  the ``t`` column is accepted when the sample rate ``fs`` (Hz) is given. Lines starting with
  ``#`` are comments; the session's phases are comment lines above the header, one per phase:
  ``# phase,KIND,T_START,T_END,SET_INDEX`` (seconds; SET_INDEX empty when it does not apply),
  so a recording stays one file, written atomically, whose data rows are still a plain
  numeric table (pandas: ``read_csv(path, comment="#")``).

Files without phases (older recordings, ``smarttouch record``) load with no phases.

Every loader validates what it reads; a bad file raises :class:`RecordingError` whose message
names the row and column at fault. Writers go through a temporary file and an atomic rename,
so a failed save never leaves a half-written recording behind.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from smarttouch.sensors.npz_headers import NpzHeaderError, check_headers, read_headers
from smarttouch.sensors.types import Phase, Recording, check_phases
from smarttouch.sensors.zip_members import inflatable, inflate_member, member_payload

#: Largest plausible acceleration magnitude in g (consumer IMUs saturate at 16 g; 2x margin).
MAX_ACC_G = 32.0
#: Largest plausible angular rate magnitude in deg/s (IMUs saturate at 2000 deg/s; 2x margin).
MAX_GYR_DPS = 4000.0
#: Largest plausible magnetic field magnitude in microtesla (Earth is ~25-65 uT).
MAX_MAG_UT = 5000.0

CSV_COLUMNS = {
    "acc": ("ax", "ay", "az"),
    "gyr": ("gx", "gy", "gz"),
    "mag": ("mx", "my", "mz"),
    "quat": ("qw", "qx", "qy", "qz"),
}
_FORMAT_VERSION = 1
#: The comment prefix of a phase line in a CSV recording.
CSV_PHASE_PREFIX = "# phase,"
_RowName = Callable[[int], str]


class RecordingError(ValueError):
    """A recording is malformed: the message says which file, row and column are at fault."""


# --------------------------------------------------------------------------- validation


def _check_finite(name: str, arr: np.ndarray, columns: tuple[str, ...] | None, row_name: _RowName) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = np.argwhere(bad)[0]
        col = name if columns is None else columns[int(idx[1])]
        raise RecordingError(
            f"{row_name(int(idx[0]))}, column {col}: value {float(arr[tuple(idx)])} is not finite"
        )


def _check_magnitude(name: str, arr: np.ndarray, limit: float, unit: str, row_name: _RowName) -> None:
    # squared norms against the squared limit, in float64: the same rows as norm > limit
    # (values are finite, checked first) at a quarter of np.linalg.norm's CPU
    squares = np.einsum("ij,ij->i", arr, arr, dtype=np.float64)
    over = np.flatnonzero(squares > limit * limit)
    if over.size:
        row = int(over[0])
        norm = float(np.linalg.norm(arr[row]))
        cols = "/".join(CSV_COLUMNS[name])
        raise RecordingError(
            f"{row_name(row)}, column {cols}: |{name}| = {norm:.1f} {unit} exceeds the "
            f"plausible maximum {limit:g} {unit}"
        )


def validate_recording(rec: Recording) -> Recording:
    """Check a recording's shapes, time axis and value ranges; return it unchanged.

    Rows are 0-based sample indices.

    Raises:
        RecordingError: time not strictly increasing, non-finite values, |acc| > 32 g,
            |gyr| > 4000 deg/s, |mag| > 5000 uT, non-positive sample rate, mismatched
            array lengths (the message names the first offending row and column), or phases
            outside the recording's time range, out of order or overlapping (naming the phase).
    """
    return _validate(rec, lambda i: f"row {i}")


def _check_phase_list(rec: Recording) -> None:
    bad = [i for i, p in enumerate(rec.phases) if not isinstance(p, Phase)]
    if bad:
        raise RecordingError(f"phases: item {bad[0]} is not a Phase")
    if not rec.phases:
        return
    if len(rec.t) == 0:
        raise RecordingError("phases: a recording without samples cannot have phases")
    try:
        check_phases(rec.phases, float(rec.t[0]), float(rec.t[-1]))
    except ValueError as exc:
        raise RecordingError(f"phases: {exc}") from None


def _validate(rec: Recording, row_name: _RowName) -> Recording:
    n = len(rec.t)
    for name in ("acc", "gyr", "mag", "quat"):
        arr = getattr(rec, name)
        if arr is not None and len(arr) != n:
            raise RecordingError(f"column {name}: {len(arr)} rows but t has {n}")
    if not (math.isfinite(rec.sample_rate_hz) and rec.sample_rate_hz > 0):
        raise RecordingError(f"sample_rate_hz must be a positive number, got {rec.sample_rate_hz}")
    _check_finite("t", rec.t, None, row_name)
    if n > 1:
        steps = np.diff(rec.t)
        bad = np.flatnonzero(steps <= 0)
        if bad.size:
            row = int(bad[0]) + 1
            raise RecordingError(
                f"{row_name(row)}, column t: time {float(rec.t[row])!r} s is not after the previous "
                f"sample's {float(rec.t[row - 1])!r} s (time must be strictly increasing)"
            )
    for name in ("acc", "gyr", "mag", "quat"):
        arr = getattr(rec, name)
        if arr is not None:
            _check_finite(name, arr, CSV_COLUMNS[name], row_name)
    _check_magnitude("acc", rec.acc, MAX_ACC_G, "g", row_name)
    _check_magnitude("gyr", rec.gyr, MAX_GYR_DPS, "deg/s", row_name)
    if rec.mag is not None:
        _check_magnitude("mag", rec.mag, MAX_MAG_UT, "uT", row_name)
    _check_phase_list(rec)
    return rec


# --------------------------------------------------------------------------- npz


def _meta_of(rec: Recording) -> dict[str, Any]:
    return {
        "format_version": _FORMAT_VERSION,
        "sample_rate_hz": rec.sample_rate_hz,
        "device": rec.device,
        "profile": rec.profile,
        "placement": rec.placement,
        "calibration": rec.calibration,
        "labels": rec.labels,
    }


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"metadata value of type {type(obj).__name__} is not JSON serialisable")


def _write_npz(rec: Recording, fh: Any) -> None:
    try:
        meta = json.dumps(_meta_of(rec), default=_json_default)
    except TypeError as exc:
        raise RecordingError(f"metadata: {exc}") from None
    # Any: numpy's stubs type savez's keywords like its allow_pickle flag, not as arrays
    arrays: dict[str, Any] = {"t": rec.t, "acc": rec.acc, "gyr": rec.gyr}
    if rec.mag is not None:
        arrays["mag"] = rec.mag
    if rec.quat is not None:
        arrays["quat"] = rec.quat
    if rec.phases:
        arrays["phases"] = np.array(json.dumps([p.to_dict() for p in rec.phases]))
    np.savez_compressed(fh, meta=np.array(meta), **arrays)


def _phases_from_json(text: str, where: str) -> tuple[Phase, ...]:
    try:
        items = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise RecordingError(f"{where}: phases are not valid JSON ({exc})") from None
    if not isinstance(items, list):
        raise RecordingError(f"{where}: phases must be a JSON list")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(Phase.from_dict(item))
        except ValueError as exc:
            raise RecordingError(f"{where}: phase {i}: {exc}") from None
    return tuple(out)


def _read_npz(fh: Any, where: str, max_samples: int | None = None, validate: bool = True) -> Recording:
    """Read a recording's ``.npz``: every member's declared dtype and shape are checked
    (:mod:`.npz_headers`) before any array is read, so what is allocated is bounded by
    ``max_samples`` (when given) and never by what the file claims; the recording is then
    validated (unless not ``validate``)."""
    try:
        with zipfile.ZipFile(fh) as archive:
            payloads: dict[str, bytes] = {}

            def payload(info: zipfile.ZipInfo) -> bytes | None:
                # the stored bytes, read once: for the header now and the data below
                if not inflatable(info):
                    return None
                payloads[info.filename] = member_payload(fh, info)
                return payloads[info.filename]

            headers = read_headers(archive, payload)
            check_headers(headers, max_samples=max_samples)
            arrays: dict[str, np.ndarray] = {}
            for name, header in headers.items():
                info = archive.getinfo(header.member)
                # the member is read whole only when the zip says it is no larger than its
                # header declares, so what is allocated stays bounded by the checked headers
                if info.file_size != header.data_offset + header.nbytes:
                    raise NpzHeaderError(f"member {header.member} is not the size its header declares")
                stored = payloads.get(info.filename)
                data = archive.read(info) if stored is None else inflate_member(info, stored)
                arrays[name] = header.array_from(data)
    except NpzHeaderError as exc:
        raise RecordingError(f"{where}: {exc}") from None
    except Exception as exc:  # zipfile/zlib/numpy raise many kinds on damaged bytes
        raise RecordingError(
            f"{where}: corrupt or truncated recording ({type(exc).__name__}: {exc})"
        ) from None
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (json.JSONDecodeError, TypeError) as exc:
        raise RecordingError(f"{where}: metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise RecordingError(f"{where}: metadata must be a JSON object")
    phases = arrays.pop("phases", None)  # one text string, checked with the headers
    try:
        rec = Recording(
            t=arrays["t"],
            acc=arrays["acc"],
            gyr=arrays["gyr"],
            mag=arrays.get("mag"),
            quat=arrays.get("quat"),
            sample_rate_hz=float(meta.get("sample_rate_hz", 100.0)),
            device=str(meta.get("device", "")),
            profile=str(meta.get("profile", "")),
            placement=str(meta.get("placement", "")),
            calibration=dict(meta.get("calibration") or {}),
            labels=dict(meta.get("labels") or {}),
            phases=() if phases is None else _phases_from_json(str(phases), where),
        )
    except (TypeError, ValueError) as exc:
        raise RecordingError(f"{where}: {exc}") from None
    return _validated(rec, where) if validate else rec


def _validated(rec: Recording, where: str, lines: list[int] | None = None) -> Recording:
    """Validate, prefixing errors with ``where``; ``lines`` maps rows to text-file lines."""

    def row_name(i: int) -> str:
        return f"row {i}" if lines is None else f"line {lines[i]} (row {i})"

    try:
        return _validate(rec, row_name)
    except RecordingError as exc:
        raise RecordingError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------- csv


def _read_csv(path: Path, fs: float | None) -> Recording:
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise RecordingError(f"{where}: not a UTF-8 text CSV ({exc.reason})") from None
    phases = _csv_phases(rows, where)
    numbered = [
        (n, r)
        for n, r in enumerate(rows, start=1)
        if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")
    ]
    if not numbered:
        raise RecordingError(f"{where}: empty file (expected header t,ax,ay,az,gx,gy,gz)")
    header_row = numbered[0][1]
    header = [h.strip().lower() for h in header_row]
    if len(set(header)) != len(header):
        raise RecordingError(f"{where}: header has duplicate columns: {','.join(header)}")
    required = ["ax", "ay", "az", "gx", "gy", "gz"]
    missing = [c for c in required if c not in header]
    if "t" not in header and fs is None:
        missing.insert(0, "t (or give the sample rate fs)")
    if missing:
        raise RecordingError(f"{where}: missing column(s) {', '.join(missing)} in header")
    body = numbered[1:]
    values = np.empty((len(body), len(header)))
    for i, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise RecordingError(
                f"{where}: line {line} (row {i}): {len(row)} values but the header has {len(header)} columns"
            )
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise RecordingError(
                    f"{where}: line {line} (row {i}), column {header[j]}: {cell!r} is not a number"
                ) from None
    col = {name: header.index(name) for name in header}

    def group(names: tuple[str, ...]) -> np.ndarray | None:
        present = [n in col for n in names]
        if not any(present):
            return None
        if not all(present):
            absent = [n for n in names if n not in col]
            raise RecordingError(f"{where}: missing column(s) {', '.join(absent)} in header")
        return values[:, [col[n] for n in names]]

    def columns_of(names: tuple[str, ...]) -> np.ndarray:  # present: checked against the header above
        return values[:, [col[n] for n in names]]

    if "t" in col:
        t = values[:, col["t"]]
        rate = fs if fs is not None else _estimate_rate(t)
    else:
        assert fs is not None
        t = np.arange(len(body)) / fs
        rate = fs
    try:
        rec = Recording(
            t=t,
            acc=columns_of(CSV_COLUMNS["acc"]),
            gyr=columns_of(CSV_COLUMNS["gyr"]),
            mag=group(CSV_COLUMNS["mag"]),
            quat=group(CSV_COLUMNS["quat"]),
            sample_rate_hz=rate,
            device="",
            profile="csv",
            phases=phases,
        )
    except ValueError as exc:
        raise RecordingError(f"{where}: {exc}") from None
    return _validated(rec, where, lines=[line for line, _ in body])


def _csv_phases(rows: list[list[str]], where: str) -> tuple[Phase, ...]:
    """The ``# phase,KIND,T_START,T_END,SET_INDEX`` comment lines of a CSV, in file order."""
    out = []
    for line, row in enumerate(rows, start=1):
        head = row[0].strip() if row else ""
        if not (head.startswith("#") and head[1:].strip() == "phase"):
            continue
        fields = [c.strip() for c in row[1:]]
        if len(fields) not in (3, 4):
            raise RecordingError(
                f"{where}: line {line}: a phase line is '# phase,KIND,T_START,T_END,SET_INDEX', "
                f"got {len(fields)} values after 'phase'"
            )
        kind, start, end = fields[:3]
        set_text = fields[3] if len(fields) == 4 else ""
        try:
            set_index = int(set_text) if set_text else None
            out.append(Phase(kind, float(start), float(end), set_index))
        except ValueError as exc:
            raise RecordingError(f"{where}: line {line}: phase: {exc}") from None
    return tuple(out)


def _estimate_rate(t: np.ndarray) -> float:
    """Sample rate in Hz from the median time step (100 Hz when there are too few samples)."""
    if len(t) < 2:
        return 100.0
    step = float(np.median(np.diff(t)))
    return 1.0 / step if step > 0 and math.isfinite(step) else 100.0


def _write_csv(rec: Recording, fh: Any) -> None:
    header = ["t", *CSV_COLUMNS["acc"], *CSV_COLUMNS["gyr"]]
    parts = [rec.t[:, None], rec.acc, rec.gyr]
    for name in ("mag", "quat"):
        arr = getattr(rec, name)
        if arr is not None:
            header.extend(CSV_COLUMNS[name])
            parts.append(arr)
    for p in rec.phases:
        set_index = "" if p.set_index is None else str(p.set_index)
        # the same number format as the t column, so a phase ending at the last sample still does
        fh.write(f"{CSV_PHASE_PREFIX}{p.kind},{p.t_start:.9g},{p.t_end:.9g},{set_index}\n")
    fh.write(",".join(header) + "\n")
    np.savetxt(fh, np.hstack(parts), delimiter=",", fmt="%.9g")


# --------------------------------------------------------------------------- public API


def load_recording(path: str | os.PathLike[str], fs: float | None = None) -> Recording:
    """Load and validate a recording from ``.npz`` or ``.csv``.

    Args:
        path: file to read; the suffix chooses the format.
        fs: sample rate in Hz. Required for a CSV without a ``t`` column (times become
            ``i / fs``); for a CSV with ``t`` it overrides the rate estimated from the times.

    Raises:
        RecordingError: the file is missing, corrupt, truncated or fails validation.
    """
    p = Path(path)
    if fs is not None and not (math.isfinite(fs) and fs > 0):
        raise RecordingError(f"sample rate fs must be a positive number of Hz, got {fs}")
    if not p.is_file():
        raise RecordingError(f"{p}: no such recording file")
    suffix = p.suffix.lower()
    if suffix == ".npz":
        with open(p, "rb") as fh:
            return _read_npz(fh, str(p))
    if suffix == ".csv":
        return _read_csv(p, fs)
    raise RecordingError(f"{p}: unknown recording format {suffix!r} (use .npz or .csv)")


def save_recording(rec: Recording, path: str | os.PathLike[str]) -> Path:
    """Validate ``rec`` and write it to ``path`` (``.npz`` or ``.csv``) atomically.

    Returns the path written. CSV keeps only the arrays and the phases (the rest of the
    metadata lives in ``.npz``).

    Raises:
        RecordingError: the recording is invalid or the suffix is unknown; nothing is written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".npz", ".csv"):
        raise RecordingError(f"{p}: unknown recording format {suffix!r} (use .npz or .csv)")
    validate_recording(rec)
    p.parent.mkdir(parents=True, exist_ok=True)
    # a unique sibling opened with "x" (not mkstemp): the file gets the umask's permissions
    tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
    try:
        if suffix == ".npz":
            with open(tmp, "xb") as fh:
                _write_npz(rec, fh)
        else:
            with open(tmp, "x", encoding="utf-8", newline="") as fh:
                _write_csv(rec, fh)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return p


def recording_to_bytes(rec: Recording) -> bytes:
    """Serialise a validated recording to compact bytes (compressed npz in memory)."""
    validate_recording(rec)
    buf = io.BytesIO()
    _write_npz(rec, buf)
    return buf.getvalue()


def recording_from_bytes(data: bytes, *, max_samples: int | None = None, validate: bool = True) -> Recording:
    """Parse bytes from :func:`recording_to_bytes` back into a validated recording.

    Args:
        data: the ``.npz`` bytes.
        max_samples: refuse, before reading any array, a recording that declares more
            samples than this (None: no limit). What parsing allocates is then bounded by
            about :func:`~smarttouch.sensors.npz_headers.largest_npz_bytes` of it.
        validate: check the values (:func:`validate_recording`). False only for bytes known
            to be a recording that passed it, e.g. a blob whose content hash is that of an
            upload the hub validated; the zip, the headers and the CRC-32s are checked anyway.

    Raises:
        RecordingError: the bytes are not a recording, are truncated, declare a dtype other
            than real floats (integers for ``t``) or too many samples, or fail validation.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise RecordingError(f"recording bytes expected, got {type(data).__name__}")
    if len(data) == 0:
        raise RecordingError("recording bytes: empty payload")
    return _read_npz(io.BytesIO(data), "recording bytes", max_samples, validate)
