"""What a recording's ``.npz`` declares, checked before any array is read.

An ``.npz`` is a zip of ``.npy`` members; each member starts with a small header giving the
array's dtype and shape (NumPy Enhancement Proposal 1, "A simple file format for NumPy
arrays"). A few hundred kilobytes of compressed zeros can declare hundreds of megabytes, and
numpy allocates the whole declared array before it decompresses a byte. So the headers are read
first (a few hundred bytes each, without decompressing the data) and refused when a member:

* is not a ``.npy`` array, or repeats a name;
* has a dtype other than a real floating type (float16/32/64; integers only for the time
  axis ``t``): complex, object, string, boolean, structured and 128-bit types are refused;
* has the wrong number of dimensions or columns, or a length that differs from ``t``;
* is longer than ``max_samples`` (when given), or its metadata string is longer than
  :data:`MAX_META_CHARS`.

The data of a member that passes are at most ``max_samples x columns x 8`` bytes, so
:func:`largest_npz_bytes` bounds what reading a recording can allocate.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import IO

import numpy as np
from numpy.lib import format as npy_format

from smarttouch.sensors.zip_members import MemberStart

#: Array members of a recording and their columns (None: one-dimensional).
ARRAY_COLUMNS: dict[str, int | None] = {"t": None, "acc": 3, "gyr": 3, "mag": 3, "quat": 4}
#: Members every recording has.
REQUIRED = ("t", "acc", "gyr", "meta")
#: Members holding one JSON text string: the metadata and (play sessions) the phases.
TEXT_MEMBERS = ("meta", "phases")
#: Longest metadata JSON accepted, in characters (a recording's metadata is a few kB).
MAX_META_CHARS = 1_000_000
#: Largest ``.npy`` header read, in bytes (numpy's own default limit).
MAX_HEADER_BYTES = 10_000
_MAX_ITEM_BYTES = 8


class NpzHeaderError(ValueError):
    """A member's header is unreadable or declares something a recording cannot hold."""


@dataclass(frozen=True)
class MemberHeader:
    """One ``.npy`` member as its header declares it."""

    name: str
    member: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool = False
    #: where the array's data start in the member (the magic string and header before them)
    data_offset: int = 0

    @property
    def nbytes(self) -> int:
        """Bytes of the array's data once loaded."""
        return prod(self.shape) * self.dtype.itemsize

    def array_from(self, member: bytes | bytearray) -> np.ndarray:
        """The array in ``member`` (the member's whole bytes), as its header declares it: a
        writable array of exactly ``shape`` and ``dtype`` (a view of a ``bytearray``, a copy
        of read-only ``bytes``).

        Raises:
            NpzHeaderError: the member's data are not the size its header declares.
        """
        if len(member) - self.data_offset != self.nbytes:
            raise NpzHeaderError(
                f"member {self.member}: {len(member) - self.data_offset} bytes of data, "
                f"but its header declares {self.nbytes}"
            )
        flat = np.frombuffer(member, dtype=self.dtype, count=prod(self.shape), offset=self.data_offset)
        array = flat.reshape(self.shape, order="F" if self.fortran_order else "C")
        return array if array.flags.writeable else array.copy(order="K")


def largest_npz_bytes(max_samples: int) -> int:
    """Bytes of the largest recording of ``max_samples`` samples that the checks let through:
    every array member in float64 (t, acc, gyr, mag, quat: 14 columns) plus one longest text
    member (4 bytes per character in numpy's UTF-32 strings). The text members are each
    checked against :data:`MAX_META_CHARS`; together with full arrays they are bounded by this
    total, which the hub checks on the zip's declared sizes."""
    columns = sum(1 if c is None else c for c in ARRAY_COLUMNS.values())
    return max_samples * columns * _MAX_ITEM_BYTES + 4 * MAX_META_CHARS


def read_header(info: zipfile.ZipInfo, fp: IO[bytes] | MemberStart) -> MemberHeader:
    """The declared shape and dtype of member ``info``, reading only its first bytes from
    ``fp`` (at the member's start).

    Raises:
        NpzHeaderError: not a ``.npy`` array, an unknown format version or a damaged header.
    """
    try:
        version = npy_format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(fp, max_header_size=MAX_HEADER_BYTES)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(fp, max_header_size=MAX_HEADER_BYTES)
        else:
            raise NpzHeaderError(f"member {info.filename}: .npy format {version} is not supported")
        offset = fp.tell()
    except NpzHeaderError:
        raise
    except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as exc:
        raise NpzHeaderError(f"member {info.filename} is not a readable .npy array ({exc})") from None
    return MemberHeader(
        info.filename.removesuffix(".npy"),
        info.filename,
        tuple(int(d) for d in shape),
        np.dtype(dtype),
        bool(fortran),
        offset,
    )


def _check_dtype(header: MemberHeader) -> None:
    dtype = header.dtype
    kinds = "fiu" if header.name == "t" else "f"
    if dtype.kind in kinds and dtype.itemsize <= _MAX_ITEM_BYTES:
        return
    allowed = "float16/32/64 or integers" if header.name == "t" else "float16/32/64"
    kind = "complex numbers" if dtype.kind == "c" else f"dtype {dtype}"
    raise NpzHeaderError(f"column {header.name} holds {kind}; only real {allowed} are accepted")


def _check_text(header: MemberHeader) -> None:
    """``meta`` and ``phases`` are each one JSON text string of bounded length."""
    name = header.name
    if header.dtype.kind != "U" or header.shape != ():
        raise NpzHeaderError(f"{name} must be one text string, got shape {header.shape} {header.dtype}")
    chars = header.dtype.itemsize // 4
    if chars > MAX_META_CHARS:
        raise NpzHeaderError(f"{name}: {chars} characters is over the limit of {MAX_META_CHARS}")


def check_headers(headers: dict[str, MemberHeader], *, max_samples: int | None = None) -> None:
    """Check the known members' headers against what a recording may hold.

    Raises:
        NpzHeaderError: the first problem found (named by member and column).
    """
    missing = [k for k in REQUIRED if k not in headers]
    if missing:
        raise NpzHeaderError(f"missing column(s) {', '.join(missing)}")
    for text in TEXT_MEMBERS:
        if text in headers:
            _check_text(headers[text])
    n = None
    for name, columns in ARRAY_COLUMNS.items():
        header = headers.get(name)
        if header is None:
            continue
        _check_dtype(header)
        expected = "(n,)" if columns is None else f"(n, {columns})"
        ndim = 1 if columns is None else 2
        if len(header.shape) != ndim or (columns is not None and header.shape[1] != columns):
            raise NpzHeaderError(f"column {name} has shape {header.shape}; expected {expected}")
        rows = header.shape[0]
        if max_samples is not None and rows > max_samples:
            raise NpzHeaderError(f"column {name} declares {rows} samples; the limit is {max_samples}")
        if n is None:
            n = rows
        elif rows != n:
            raise NpzHeaderError(f"column {name}: {rows} rows but t has {n}")


def read_headers(
    archive: zipfile.ZipFile, payload: Callable[[zipfile.ZipInfo], bytes | None]
) -> dict[str, MemberHeader]:
    """Headers of the members a recording uses (``t``, ``acc``, ``gyr``, ``mag``, ``quat``,
    ``meta``, ``phases``); other members are neither read nor returned. A member whose
    ``payload(info)`` are its stored bytes (:func:`~.zip_members.member_payload`) has its
    header inflated from them; one for which it is None is opened through ``archive``.

    Raises:
        NpzHeaderError: a known member is not a ``.npy`` array or appears twice.
    """
    out: dict[str, MemberHeader] = {}
    known = {*ARRAY_COLUMNS, *TEXT_MEMBERS}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name not in known:
            continue
        if not info.filename.endswith(".npy"):
            raise NpzHeaderError(f"member {info.filename} is not a .npy array")
        if name in out:
            raise NpzHeaderError(f"member {info.filename} appears twice")
        stored = payload(info)
        if stored is not None:
            out[name] = read_header(info, MemberStart(info, stored))
            continue
        try:
            with archive.open(info) as fp:
                out[name] = read_header(info, fp)
        except (OSError, zipfile.BadZipFile) as exc:
            raise NpzHeaderError(f"member {info.filename} is not a readable .npy array ({exc})") from None
    return out
