"""Plain object GETs and PUTs, answered from moto's S3 backend without moto's request handling.

moto answers each request through Flask (routing, a request context, flask-cors) and its
``S3Response`` (header and body parsing, region and bucket detection from regexes, action
dispatch). That was most of the S3 server's CPU per blob: measured 3.1-4.2 ms per 571 KiB
PUT and 1.3-1.9 ms per GET before, 2.3-2.5 and 0.65-0.9 ms with this. :class:`PlainObjects`
answers the requests the hub's and the workers' blob stores send (a signed, path-style
``/bucket/key`` with no query string and no header but the signing ones; a PUT may be
conditional, ``If-None-Match: *``) in a bucket with no policy, access log or object lock, from
the same backend objects, storing and answering as moto does. Every other request, and any
such request whose answer is an error, goes to moto's app unchanged.
``tests/platform/test_s3_server.py`` compares both answers.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from moto import settings
from moto.core.request import EnvironHeaders
from moto.core.responses import BaseResponse
from moto.core.utils import extract_region_from_aws_authorization
from moto.iam.models import get_account_id_from
from moto.s3.models import ARCHIVE_STORAGE_CLASSES, s3_backends
from moto.s3.utils import metadata_from_headers
from moto.utilities.aws_headers import gen_amzn_requestid_long
from moto.utilities.utils import get_partition

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The request headers a plain GET may carry (what obstore and boto3 send for one). Any other
#: header (``Range``, ``If-*``, ``Origin``, ``x-amz-checksum-mode``, SSE-C keys...) changes
#: moto's answer, so such a GET goes to moto.
_PLAIN_HEADERS = frozenset(
    {
        "HTTP_HOST",
        "HTTP_AUTHORIZATION",
        "HTTP_X_AMZ_DATE",
        "HTTP_X_AMZ_CONTENT_SHA256",
        "HTTP_X_AMZ_SECURITY_TOKEN",
        "HTTP_ACCEPT",
        "HTTP_ACCEPT_ENCODING",
        "HTTP_USER_AGENT",
        "HTTP_CONNECTION",
        "HTTP_AMZ_SDK_INVOCATION_ID",
        "HTTP_AMZ_SDK_REQUEST",
    }
)
#: A plain PUT may also be conditional (``If-None-Match: *``, what ``put_new`` sends).
_PLAIN_PUT_HEADERS = _PLAIN_HEADERS | {"HTTP_IF_NONE_MATCH"}
#: ``/bucket/key`` with nothing moto would percent-decode or treat specially in the key (no
#: empty, ``.`` or ``..`` segment).
_PLAIN_PATH = re.compile(r"/([a-z0-9][a-z0-9.-]*)/([\w~-][\w.~-]*(?:/[\w~-][\w.~-]*)*)", re.ASCII)


class PlainObjects:
    """A WSGI app: plain object GETs and PUTs answered here, everything else by ``moto_app``."""

    def __init__(self, moto_app: WSGIApp) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer = None
        target = _plain_target(environ)
        if target is not None:
            answer = (_get if environ["REQUEST_METHOD"] == "GET" else _put)(environ, *target)
        if answer is None:
            return self.moto_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]


def _plain_target(environ: dict[str, Any]) -> tuple[Any, str, str] | None:
    """The backend, bucket and key of a plain GET or PUT; None for any other request."""
    method = environ["REQUEST_METHOD"]
    if method not in ("GET", "PUT") or environ.get("QUERY_STRING") or environ.get("CONTENT_TYPE"):
        return None
    allowed = _PLAIN_HEADERS if method == "GET" else _PLAIN_PUT_HEADERS
    if any(name.startswith("HTTP_") and name not in allowed for name in environ):
        return None
    if environ.get("HTTP_IF_NONE_MATCH", "*") != "*":
        return None
    if environ.get("HTTP_X_AMZ_CONTENT_SHA256", "").startswith("STREAMING-"):
        return None  # moto decodes aws-chunked bodies
    path = _PLAIN_PATH.fullmatch(environ.get("RAW_URI", ""))
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if path is None or not authorization or not _is_ip_host(environ.get("HTTP_HOST", "")):
        return None  # a virtual-hosted bucket, an encoded key, an anonymous request: moto's
    if settings.INITIAL_NO_AUTH_ACTION_COUNT != float("inf"):
        return None  # moto counts requests and checks IAM policies
    region = extract_region_from_aws_authorization(authorization) or "us-east-1"
    backend = s3_backends[_account(authorization)][get_partition(region)]
    bucket = backend.buckets.get(path.group(1))
    if bucket is None or bucket.logging or bucket.policy is not None or bucket.object_lock_enabled:
        return None  # moto's error, access log entry, policy check or object lock
    return backend, path.group(1), path.group(2)


def _get(
    environ: dict[str, Any], backend: Any, bucket: str, name: str
) -> tuple[list[tuple[str, str]], bytes] | None:
    """As moto's ``S3Response.get_object``, ``_send_response`` and flask-cors answer."""
    key = backend.get_object(bucket, name)
    if key is None or key.storage_class in ARCHIVE_STORAGE_CLASSES:
        return None
    headers: dict[str, str] = {}
    if key.version_id != "null":
        headers["x-amz-version-id"] = key.version_id
    headers.update(key.response_dict)
    headers.update(key.metadata)
    headers["Accept-Ranges"] = "bytes"
    body = key.value
    return _finish(headers, len(body)), body


def _put(
    environ: dict[str, Any], backend: Any, bucket: str, name: str
) -> tuple[list[tuple[str, str]], bytes] | None:
    """As moto's ``S3Response.put_object`` stores and answers a PUT with no options."""
    if "HTTP_IF_NONE_MATCH" in environ and backend.get_object(bucket, name) is not None:
        return None  # moto's 412
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    key = backend.put_object(bucket, name, body, storage="STANDARD")
    # moto hands its request's headers (these EnvironHeaders) to metadata_from_headers too
    key.set_metadata(metadata_from_headers(EnvironHeaders(environ)))  # type: ignore[arg-type]
    key.set_acl(backend.buckets[bucket].acl)
    key.website_redirect_location = None
    backend.put_object_tagging(key, {})
    headers = dict(key.response_dict)
    headers["Content-Type"] = "text/html; charset=utf-8"  # Flask's, for moto's empty body
    return _finish(headers, 0), b""


def _finish(headers: dict[str, str], length: int) -> list[tuple[str, str]]:
    """``headers`` with what moto's ``_send_response``, Flask and flask-cors add."""
    headers.pop("content-length", None)
    gen_amzn_requestid_long(headers)
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Content-Length"] = str(length)
    return list(headers.items())


def _is_ip_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _account(authorization: str) -> str:
    """The account moto serves the request from (``BaseResponse.get_current_account``)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    match = BaseResponse.access_key_regex.search(authorization)
    return get_account_id_from(match.group(1) if match else "AKIAEXAMPLE")
