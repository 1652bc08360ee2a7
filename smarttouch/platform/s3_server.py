"""An S3-compatible server for tests and benchmarks: ``python -m smarttouch.platform.s3_server``.

It serves moto's S3 backend (from ``moto[server]``, a dev dependency) and nothing else, on
waitress. :class:`smarttouch.platform.testing.S3Server` starts it as a separate process on a
loopback port. It stands in for the production object storage, so it stays a real server
speaking HTTP: boto3 and obstore sign their requests with SigV4 as they would for AWS.

``moto_server`` (``python -m moto.server``) serves every service moto mocks: for each request
its dispatcher works out the service, listing moto's package folder while it holds a global
lock. It runs on werkzeug's development server, which starts a thread per request and logs each
one. Here the app is the one that dispatcher builds for S3
(``moto.moto_server.werkzeug_app.create_backend_app("s3")``): the same Flask routes, request
class and S3 backend, so S3 requests get the same answers. A request for another AWS service
gets an S3 error. The plain object GETs and PUTs the blob stores send skip moto's request
handling: :mod:`smarttouch.platform.s3_plain` answers them from the same backend objects, as
moto would (most of the server's CPU per blob was that handling). waitress reads each request
in full on one I/O thread, then hands it to a fixed pool of threads. Bodies of up to :data:`BUFFER_BYTES` stay in memory, so a 571 KiB
recording is not written to a temporary file.

Two things that moto relies on from ``moto_server`` are done here for waitress:

* ``RAW_URI``: moto matches object keys against the request target as it arrived, before
  percent-decoding, so that an encoded ``/`` in a key stays part of the key. waitress gives
  that target as ``REQUEST_URI``. werkzeug's server (and gunicorn) also give it as ``RAW_URI``,
  which is where moto reads it.
* Header names with an underscore: waitress drops them, and so does werkzeug's server. But S3
  user metadata names may contain underscores (``x-amz-meta-my_key``). moto's request handler
  keeps those ``x-amz-meta-*`` headers under their own spelling, and so does the parser here.
  As in moto's handler, such a header never replaces a dashed one with the same environ key.

moto's and waitress's versions are pinned to a minor release in ``pyproject.toml``: this module
uses internals of both, and ``tests/platform/test_s3_server.py`` fails when they change.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, should_preserve_original_header_name
from moto.moto_server.werkzeug_app import create_backend_app
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, get_header_lines
from waitress.rfc7230 import HEADER_FIELD_RE
from waitress.server import create_server
from waitress.task import WSGITask

from smarttouch.platform.s3_plain import PlainObjects, WSGIApp

#: Request and response bodies up to this size stay in memory (waitress's defaults spill
#: requests over 512 KiB and responses over 1 MiB to temporary files).
BUFFER_BYTES = 16 * 1024 * 1024
#: Bytes asked of the socket per read (waitress's default is 8 KiB).
RECV_BYTES = 256 * 1024
#: Open connections at most. Every hub thread and worker may keep one open, and waitress
#: stops accepting connections at its limit (default 100) instead of refusing them.
CONNECTION_LIMIT = 1000


def s3_app() -> WSGIApp:
    """moto's S3 app, as ``moto_server`` builds it for S3 requests, with the plain object GETs
    and PUTs the blob stores send answered ahead of it from the same backend
    (:mod:`smarttouch.platform.s3_plain`)."""
    return PlainObjects(create_backend_app("s3"))


class _Parser(HTTPRequestParser):
    """waitress's request parser. It also keeps the ``x-amz-meta-*`` headers whose names
    contain an underscore, as moto's request handler does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: environ key -> the header name as it arrived, for moto's ``Request.headers``
        self.preserved_names: dict[str, str] = {}

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)  # drops every header named with an underscore
        names: dict[str, str] = {}
        values: dict[str, list[str]] = {}
        for line in get_header_lines(header_plus[header_plus.index(b"\r\n") + 2 :]):
            match = HEADER_FIELD_RE.match(line)
            name = match.group("name").decode("latin-1")  # the parser above refused bad lines
            if "_" not in name or not should_preserve_original_header_name(name):
                continue
            key = name.upper().replace("-", "_")
            if key in self.headers:  # a dashed header with the same environ key came too
                continue
            names.setdefault(key, name)
            values.setdefault(key, []).append(match.group("value").strip(b" \t").decode("latin-1"))
        for key, key_values in values.items():
            self.headers[key] = ",".join(key_values)
            self.preserved_names[f"HTTP_{key}"] = names[key]


class _Task(WSGITask):
    """waitress's WSGI task, with the environ entries moto reads from ``moto_server``, and
    the response's header names spelled as moto gives them."""

    def build_response_header(self) -> bytes:
        # waitress capitalises each part of every header name (``X-Amz-Meta-My_key``). S3
        # sends user metadata names in lower case, and clients hand them on as they arrive
        # (boto3's ``Metadata``), so the names go out as moto spelled them. waitress adds
        # its own headers (Date, Via, Connection) after building this map; they keep its spelling.
        spelling: dict[str, str] = {}
        for name, _ in self.response_headers:
            spelling.setdefault("-".join(part.capitalize() for part in name.split("-")), name)
        status_line = super().build_response_header().split(b"\r\n", 1)[0].decode("latin-1")
        # as waitress joins them: sorted by name (a stable sort keeps repeated names in order)
        lines = [
            f"{spelling.get(name, name)}: {value}"
            for name, value in sorted(self.response_headers, key=lambda h: h[0])
        ]
        return "\r\n".join([status_line, *lines, "", ""]).encode("latin-1")

    def get_environment(self) -> dict[str, Any]:
        if self.environ is None:  # the first call builds the environ (waitress keeps it)
            environ = super().get_environment()
            environ["RAW_URI"] = environ["REQUEST_URI"]
            environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = self.request.preserved_names
        return self.environ


class _Channel(HTTPChannel):
    parser_class = _Parser
    task_class = _Task


def make_server(app: WSGIApp, host: str, port: int, threads: int) -> Any:
    """A waitress server listening on ``host``:``port`` (0: a free port), not yet serving.
    ``server.effective_port`` is the port; ``server.run()`` serves until the process ends."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    sockets: dict[int, Any] = {}  # waitress's socket map: the listening sockets, later the connections
    server = create_server(
        app,
        map=sockets,
        host=host,
        port=port,
        threads=threads,
        inbuf_overflow=BUFFER_BYTES,
        outbuf_overflow=BUFFER_BYTES,
        recv_bytes=RECV_BYTES,
        connection_limit=CONNECTION_LIMIT,
    )
    # the listening sockets (one, or one per address ``host`` resolves to) accept with _Channel
    for listener in sockets.values():
        listener.channel_class = _Channel
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m smarttouch.platform.s3_server",
        description="Serve moto's S3 backend (in memory) on waitress, for tests and benchmarks.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--threads", type=int, default=4, help="request threads (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f"--threads must be at least 1, not {args.threads}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    make_server(s3_app(), args.host, args.port, args.threads).run()


if __name__ == "__main__":
    main()
