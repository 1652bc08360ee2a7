"""The S3 server the tests and benchmarks run (``smarttouch.platform.s3_server``, started by
``S3Server``): moto's S3 backend on waitress, reached over HTTP by boto3, by raw signed
requests and by the hub's S3 blob store."""

from __future__ import annotations

import hashlib
import io
import re
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from smarttouch.platform import s3_server
from smarttouch.platform.storage.blobstore import CHUNK_BYTES, open_blobstore
from smarttouch.platform.testing import S3Server

MIB = 1024 * 1024


def _signed_headers(server: S3Server, method: str, path: str, headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus SigV4 ones for ``method`` ``path`` on ``server``, as boto3 signs them
    (the body unsigned, as the AWS SDKs send it over TLS)."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method=method,
        url=server.endpoint_url + path,
        headers={**headers, "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
    )
    S3SigV4Auth(Credentials(server.ACCESS_KEY, server.SECRET_KEY), "s3", server.REGION).add_auth(request)
    return {**dict(request.headers.items()), "Host": urlsplit(server.endpoint_url).netloc}


def _read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """The status line and the body of the final HTTP response on ``sock``, past any
    ``100 Continue`` (the connection stays open, so read the headers, then a body of
    ``Content-Length`` bytes)."""
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {data!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 100 "):
            break
        data = body
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += sock.recv(65536)
    return head.split(b"\r\n", 1)[0], body


def test_objects_keys_metadata_and_versions_through_boto3(s3_server: S3Server) -> None:
    client = s3_server.client()
    bucket = s3_server.create_bucket(versioned=True)
    key = "odd/a%2Fb c+d é.bin"  # an encoded slash stays part of the key; space, plus, non-ASCII
    client.put_object(Bucket=bucket, Key=key, Body=b"first", Metadata={"my_key": "u", "other-key": "d"})
    client.put_object(Bucket=bucket, Key=key, Body=b"second")

    listed = client.list_objects_v2(Bucket=bucket, Prefix="odd/")["Contents"]
    assert [item["Key"] for item in listed] == [key]
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"second"
    versions = client.list_object_versions(Bucket=bucket)["Versions"]
    assert len(versions) == 2
    oldest = next(v for v in versions if not v["IsLatest"])
    first = client.get_object(Bucket=bucket, Key=key, VersionId=oldest["VersionId"])
    assert first["Body"].read() == b"first"
    # user metadata comes back under the names it was stored with, an underscore included,
    # in lower case as S3 sends it
    assert first["Metadata"] == {"my_key": "u", "other-key": "d"}
    assert client.head_object(Bucket=bucket, Key=key, VersionId=oldest["VersionId"])["ContentLength"] == 5

    with pytest.raises(client.exceptions.ClientError) as refused:
        client.put_object(Bucket=bucket, Key=key, Body=b"third", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"


def test_a_multipart_upload_through_boto3(s3_server: S3Server) -> None:
    client = s3_server.client()
    bucket = s3_server.create_bucket()
    parts_data = [hashlib.sha256(b"a").digest() * (5 * MIB // 32), b"tail"]  # 5 MiB is S3's least part
    upload = client.create_multipart_upload(Bucket=bucket, Key="big")
    parts = [
        {
            "PartNumber": number,
            "ETag": client.upload_part(
                Bucket=bucket, Key="big", UploadId=upload["UploadId"], PartNumber=number, Body=data
            )["ETag"],
        }
        for number, data in enumerate(parts_data, start=1)
    ]
    done = client.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    assert done["ETag"].strip('"').endswith("-2")  # S3's ETag of a two-part upload
    assert client.get_object(Bucket=bucket, Key="big")["Body"].read() == b"".join(parts_data)
    ranged = client.get_object(Bucket=bucket, Key="big", Range=f"bytes={5 * MIB}-")
    assert ranged["Body"].read() == b"tail"


def test_a_chunked_put_that_waits_for_100_continue(s3_server: S3Server) -> None:
    """A signed PUT with ``Expect: 100-continue`` and a chunked body: the server answers
    ``100 Continue`` before the body is sent, and stores the body without the chunk framing."""
    bucket = s3_server.create_bucket()
    path = f"/{bucket}/{quote('chunked key')}"
    headers = _signed_headers(
        s3_server, "PUT", path, {"Transfer-Encoding": "chunked", "Expect": "100-continue"}
    )
    url = urlsplit(s3_server.endpoint_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(head.encode("latin-1"))
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = [b"hello ", b"chunked ", b"world"]
        sock.sendall(b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in body) + b"0\r\n\r\n")
        status, _ = _read_response(sock)
    assert status.split()[1] == b"200", status
    stored = s3_server.client().get_object(Bucket=bucket, Key="chunked key")["Body"].read()
    assert stored == b"hello chunked world"


def test_the_blob_store_on_the_server(s3_blob_url: str) -> None:
    store = open_blobstore(s3_blob_url)
    data = b"a recording" * 1000
    key, written = store.put_new(data)
    assert written and store.put_new(data) == (key, False)  # the conditional PUT is refused
    assert store.get(key) == data and store.size(key) == len(data) and store.verify(key)

    big = hashlib.sha256(b"b").digest() * (CHUNK_BYTES // 32 + 1000)  # past one part: multipart
    big_key = store.put_stream(_Stream(big))
    assert big_key == store.key_for(big) and store.get(big_key) == big
    assert sorted(store.keys()) == sorted([key, big_key])
    assert store.delete(key) and not store.exists(key)


class _Stream:
    """A file object over ``data`` (what ``put_stream`` is given)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size is None or size < 0 else self.pos + size
        out = self.data[self.pos : end]
        self.pos += len(out)
        return out


def test_it_serves_s3_only(s3_server: S3Server) -> None:
    """moto_server answers ``/moto-api/`` with its dashboard; here the path is an S3 bucket."""
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{s3_server.endpoint_url}/moto-api/", timeout=5)
    assert answer.value.code == 404
    assert b"<Code>NoSuchBucket</Code>" in answer.value.read()
    assert s3_server.process.args[1:3] == ["-m", "smarttouch.platform.s3_server"]


def test_a_server_that_cannot_start_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound, not listening: the probe is refused
        server = S3Server(port=taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="exited"):  # address in use: the launcher exits
            server.start(timeout=30)


def test_the_launcher_refuses_bad_arguments(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        s3_server.main(["--port", "0", "--threads", "0"])
    assert "--threads must be at least 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="threads"):
        s3_server.make_server(s3_server.s3_app(), "127.0.0.1", 0, 0)


def _exchange(
    server: S3Server, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    """A signed request on a new connection: the status line, the headers by lower-case name
    and the body of the answer."""
    if method == "PUT":
        headers["Content-Length"] = str(len(body))
    signed = _signed_headers(server, method, path, headers)
    url = urlsplit(server.endpoint_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in signed.items()) + "\r\n"
        sock.sendall(head.encode("latin-1") + body)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        status, _, rest = data.partition(b"\r\n")
        lines, _, answer = rest.partition(b"\r\n\r\n")
        fields = dict(line.decode("latin-1").split(": ", 1) for line in lines.split(b"\r\n"))
        while len(answer) < int(fields.get("Content-Length", 0)):
            answer += sock.recv(65536)
    return status.decode("latin-1"), {name.lower(): value for name, value in fields.items()}, answer


def _same_answers(fast: tuple[str, dict[str, str], bytes], moto: tuple[str, dict[str, str], bytes]) -> None:
    """Equal but for what differs between any two answers: the date, the request id, the
    version id (present in both or neither)."""
    request_id = re.compile(rb"<RequestId>[^<]*</RequestId>")
    assert fast[0] == moto[0] and request_id.sub(b"", fast[2]) == request_id.sub(b"", moto[2])
    varying = {"date", "last-modified", "x-amzn-requestid", "x-amz-version-id"}
    assert {k: v for k, v in fast[1].items() if k not in varying} == {
        k: v for k, v in moto[1].items() if k not in varying
    }
    assert varying & set(fast[1]) == varying & set(moto[1])


@pytest.mark.parametrize("versioned", [False, True])
def test_plain_gets_and_puts_answer_as_moto_does(s3_server: S3Server, versioned: bool) -> None:
    """The plain GET and PUT (answered from the backend by s3_plain) against the same request
    with a query string moto ignores (``x-id``, which boto3 sends), which moto answers."""
    bucket = s3_server.create_bucket(versioned=versioned)
    data = hashlib.sha256(b"c").digest() * 1000
    answers = {}
    for key, query in [("p/ab/fast", ""), ("p/ab/moto", "?x-id=PutObject")]:
        put = _exchange(s3_server, "PUT", f"/{bucket}/{key}{query}", data, **{"If-None-Match": "*"})
        again = _exchange(s3_server, "PUT", f"/{bucket}/{key}{query}", data, **{"If-None-Match": "*"})
        assert put[0] == "HTTP/1.1 200 OK" and again[0].startswith("HTTP/1.1 412 "), (put, again)
        answers[key] = (put, again)
    for fast, moto in zip(answers["p/ab/fast"], answers["p/ab/moto"], strict=True):
        _same_answers(fast, moto)
    s3_server.client().put_object(Bucket=bucket, Key="p/ab/meta", Body=data, Metadata={"my_key": "u"})
    for key in ["p/ab/fast", "p/ab/moto", "p/ab/meta"]:
        fast = _exchange(s3_server, "GET", f"/{bucket}/{key}")
        _same_answers(fast, _exchange(s3_server, "GET", f"/{bucket}/{key}?x-id=GetObject"))
        assert fast[2] == data
    missing = _exchange(s3_server, "GET", f"/{bucket}/p/ab/none")
    assert missing[0].startswith("HTTP/1.1 404 ") and b"<Code>NoSuchKey</Code>" in missing[2]
    versions = s3_server.client().list_object_versions(Bucket=bucket, Prefix="p/ab/fast")["Versions"]
    assert [v["Key"] for v in versions] == ["p/ab/fast"]


def test_only_plain_object_requests_skip_motos_request_handling() -> None:
    """In process: a plain PUT and GET never reach moto's Flask app; a GET with a Range, a
    query string or user metadata, and a PUT with user metadata do."""
    app = s3_server.s3_app()
    reached: list[str] = []
    moto_app = app.moto_app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        reached.append(f"{environ['REQUEST_METHOD']} {environ['RAW_URI']}")
        return moto_app(environ, start_response)

    app.moto_app = counting
    bucket = f"plain-{uuid.uuid4().hex[:12]}"

    def call(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, bytes]:
        raw, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": raw,
            "QUERY_STRING": query,
            "RAW_URI": path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "9000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:9000",
            "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=smarttouch-test/20260101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=0",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.url_scheme": "http",
            **{"HTTP_" + name.upper(): value for name, value in headers.items()},
        }
        answer: list[str] = []
        chunks = app(environ, lambda status, headers, exc_info=None: answer.append(status))
        return answer[0], b"".join(chunks)

    assert call("PUT", f"/{bucket}")[0] == "200 OK"  # a bucket: moto's
    assert call("PUT", f"/{bucket}/k", b"data")[0] == "200 OK"
    assert call("GET", f"/{bucket}/k") == ("200 OK", b"data")
    assert reached == [f"PUT /{bucket}"]
    assert call("GET", f"/{bucket}/k", RANGE="bytes=1-") == ("206 PARTIAL CONTENT", b"ata")
    assert call("GET", f"/{bucket}/k?x-id=GetObject") == ("200 OK", b"data")
    assert call("PUT", f"/{bucket}/m", b"x", X_AMZ_META_A="b")[0] == "200 OK"
    assert len(reached) == 4
