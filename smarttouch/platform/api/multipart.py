"""A small multipart/form-data parser for request bodies already in memory.

Why not werkzeug's: its parser compiles two regular expressions for every new boundary, and
each upload carries a fresh random boundary, so on the session upload (the hub's busiest
route) it cost about a tenth of the request's CPU. This one finds the boundaries with
``bytes.find`` (C speed) and reads only the two headers a form part has. It is used only for
bodies small enough to hold in memory (the caller decides; larger ones keep werkzeug's
streaming parser), and is checked against werkzeug's on generated bodies
(``tests/platform/test_multipart.py``).

The grammar is RFC 7578 (multipart/form-data) over RFC 2046 §5.1.1 (the multipart body): an
optional preamble, ``--boundary`` lines, each part's headers up to an empty line, the part's
bytes up to ``CRLF--boundary``, and a final ``--boundary--``. Anything else is a
:class:`MultipartError` naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

#: RFC 2046 §5.1.1 allows 1 to 70 characters; some clients go a little over (werkzeug's own test
#: client makes 69-72), so a longer one is accepted up to this sanity limit
MAX_BOUNDARY = 200
#: the header block of one part (Content-Disposition and Content-Type fit in far less)
MAX_PART_HEADER_BYTES = 8192
#: a form with more parts than this is refused (the upload has two)
MAX_PARTS = 16


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data (the message says where)."""


@dataclass(frozen=True)
class Part:
    """One form part: its field name, file name (None for a plain field), declared type
    and bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def boundary_of(content_type: str) -> str:
    """The ``boundary`` parameter of a ``multipart/form-data`` Content-Type header."""
    _, params = _split_params(content_type)
    boundary = params.get("boundary", "")
    if not 1 <= len(boundary) <= MAX_BOUNDARY or not boundary.isascii():
        raise MultipartError(f"Content-Type: a boundary of 1-{MAX_BOUNDARY} ASCII characters is required")
    return boundary


def parse(body: bytes, boundary: str) -> dict[str, Part]:
    """The parts of ``body`` by field name.

    Raises:
        MultipartError: a missing or unterminated delimiter, a part without a name, a
            repeated name, too many parts, or a header block that is too long or not text.
    """
    delimiter = b"--" + boundary.encode("ascii")
    # the first delimiter starts the body or follows the preamble's CRLF
    if body.startswith(delimiter):
        pos = len(delimiter)
    else:
        found = body.find(b"\r\n" + delimiter)
        if found < 0:
            raise MultipartError("body: no boundary line found")
        pos = found + 2 + len(delimiter)
    separator = b"\r\n" + delimiter
    parts: dict[str, Part] = {}
    while True:
        if body.startswith(b"--", pos):
            return parts  # the close delimiter; an epilogue after it is ignored (RFC 2046)
        pos = _after_line_end(body, pos)
        headers_end = body.find(b"\r\n\r\n", pos, pos + MAX_PART_HEADER_BYTES + 4)
        if headers_end < 0:
            if body.startswith(b"\r\n", pos):  # a part with no headers at all
                raise MultipartError("part: Content-Disposition header missing")
            raise MultipartError(f"part: header block missing or over {MAX_PART_HEADER_BYTES} bytes")
        part_headers = _headers(body[pos:headers_end])
        data_start = headers_end + 4
        data_end = body.find(separator, data_start)
        if data_end < 0:
            raise MultipartError("body: truncated (no closing boundary)")
        part = _part(part_headers, body[data_start:data_end])
        if part.name in parts:
            raise MultipartError(f"part {part.name!r}: sent twice")
        if len(parts) >= MAX_PARTS:
            raise MultipartError(f"body: more than {MAX_PARTS} parts")
        parts[part.name] = part
        pos = data_end + len(separator)


def _after_line_end(body: bytes, pos: int) -> int:
    """Past the CRLF that ends a delimiter line (transport padding of spaces/tabs allowed)."""
    end = body.find(b"\r\n", pos, pos + 1024)
    if end < 0 or body[pos:end].strip(b" \t"):
        raise MultipartError("body: a boundary line is followed by something other than CRLF")
    return end + 2


def _headers(block: bytes) -> dict[str, str]:
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartError("part: headers are not UTF-8 text") from None
    headers: dict[str, str] = {}
    for line in text.split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise MultipartError(f"part: malformed header line {line[:60]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def _part(headers: dict[str, str], data: bytes) -> Part:
    kind, params = _split_params(headers.get("content-disposition", ""))
    if kind.lower() != "form-data":
        raise MultipartError("part: Content-Disposition must be form-data")
    name = params.get("name")
    if not name:
        raise MultipartError("part: Content-Disposition has no name")
    content_type = headers.get("content-type") or None
    return Part(name=name, filename=params.get("filename"), content_type=content_type, data=data)


def _split_params(value: str) -> tuple[str, dict[str, str]]:
    """``'form-data; name="a"; filename="b.npz"'`` -> ``('form-data', {'name': 'a', ...})``;
    quoted values may contain ``;`` and backslash-escaped quotes."""
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        eq = rest.find("=", i)
        if eq < 0:
            break
        key = rest[i:eq].strip().lower()
        i = eq + 1
        if i < n and rest[i] == '"':
            out: list[str] = []
            i += 1
            while i < n and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(rest[i])
                i += 1
            if i >= n:
                raise MultipartError(f"header parameter {key!r}: unterminated quoted value")
            i += 1
            params[key] = "".join(out)
        else:
            end = rest.find(";", i)
            end = n if end < 0 else end
            params[key] = rest[i:end].strip()
            i = end
    return kind.strip(), params
