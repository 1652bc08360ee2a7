"""The in-memory multipart parser (``api/multipart.py``) reads what werkzeug's reads, and
refuses what is not multipart/form-data with a message saying where."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request

from smarttouch.platform.api import multipart

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
BOUNDARIES = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789'()+_,-./:=?", min_size=1, max_size=70
)


def body_of(boundary: str, parts: list[tuple[str, str | None, bytes]], preamble: bytes = b"") -> bytes:
    out = [preamble + b"\r\n" if preamble else b""]
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode())
        if filename is not None:
            out.append(b"Content-Type: application/octet-stream\r\n")
        out.append(b"\r\n" + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def werkzeug_parts(body: bytes, boundary: str) -> dict[str, tuple[str | None, bytes]]:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": f'multipart/form-data; boundary="{boundary}"',
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    request = Request(environ)
    found: dict[str, tuple[str | None, bytes]] = {}
    for name, value in request.form.items():
        found[name] = (None, value.encode())
    for name, file in request.files.items():
        found[name] = (file.filename, file.read())
    return found


@settings(max_examples=150, deadline=None)
@given(
    boundary=BOUNDARIES,
    parts=st.lists(
        st.tuples(
            NAMES,
            st.one_of(st.none(), st.text(alphabet="abc.xyz_", min_size=1, max_size=10)),
            st.binary(max_size=3000),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda p: p[0],
    ),
    preamble=st.sampled_from([b"", b"this is a preamble"]),
)
def test_reads_what_werkzeug_reads(
    boundary: str, parts: list[tuple[str, str | None, bytes]], preamble: bytes
) -> None:
    delimiter = f"--{boundary}".encode()
    if any(delimiter in data for _, _, data in parts):
        return  # a part containing its own delimiter is not a valid body
    text_parts = [
        (name, filename, data if filename is not None else data.decode("latin-1").encode("utf-8"))
        for name, filename, data in parts
    ]
    body = body_of(boundary, text_parts, preamble)
    ours = multipart.parse(body, multipart.boundary_of(f'multipart/form-data; boundary="{boundary}"'))
    theirs = werkzeug_parts(body, boundary)
    assert {name: (p.filename, p.data) for name, p in ours.items()} == theirs


def test_an_upload_as_the_client_sends_it() -> None:
    body = body_of(
        "b0undary", [("metadata", "metadata.json", b'{"a": 1}'), ("recording", "r.npz", b"PK\x03\x04\r\n--x")]
    )
    parts = multipart.parse(body, multipart.boundary_of("multipart/form-data; boundary=b0undary"))
    assert parts["metadata"].data == b'{"a": 1}' and parts["metadata"].filename == "metadata.json"
    assert parts["recording"].data == b"PK\x03\x04\r\n--x"
    assert parts["recording"].content_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("multipart/form-data", "boundary of 1-200"),
        ("multipart/form-data; boundary=", "boundary of 1-200"),
        ("multipart/form-data; boundary=" + "x" * 201, "boundary of 1-200"),
        ('multipart/form-data; boundary="unterminated', "unterminated quoted value"),
    ],
)
def test_a_bad_content_type_is_refused(content_type: str, message: str) -> None:
    with pytest.raises(multipart.MultipartError, match=message):
        multipart.boundary_of(content_type)


GOOD = body_of("bnd", [("metadata", None, b"{}")])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no boundary line"),
        (b"no delimiter anywhere", "no boundary line"),
        (GOOD[: GOOD.index(b"\r\n--bnd--")], "truncated"),
        (GOOD.replace(b"\r\n\r\n", b"\r\n", 1)[:30], "header block missing"),
        (b"--bnd\r\nContent-Disposition: form-data\r\n\r\nx\r\n--bnd--", "has no name"),
        (b"--bnd\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--bnd--", "must be form-data"),
        (b"--bnd\r\nno colon here\r\n\r\nx\r\n--bnd--", "malformed header line"),
        (b"--bnd\r\n\r\nx\r\n--bnd--", "Content-Disposition header missing"),
        (b"--bndjunk\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--bnd--", "other than CRLF"),
        (b"--bnd\r\nContent-Disposition: form-data; name=a\r\nX: \xff\r\n\r\nx\r\n--bnd--", "not UTF-8"),
        (
            body_of("bnd", [("a", None, b"1")]).replace(
                b"--bnd--", b"--bnd\r\nContent-Disposition: form-data; name=a\r\n\r\n2\r\n--bnd--"
            ),
            "sent twice",
        ),
        (body_of("bnd", [(f"p{i}", None, b"1") for i in range(multipart.MAX_PARTS + 1)]), "more than"),
        (
            b"--bnd\r\n" + b"X: " + b"y" * (multipart.MAX_PART_HEADER_BYTES + 10) + b"\r\n\r\nx\r\n--bnd--",
            "over 8192 bytes",
        ),
    ],
)
def test_a_malformed_body_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(multipart.MultipartError, match=message):
        multipart.parse(body, "bnd")
