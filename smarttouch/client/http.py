"""The HTTP calls of the device API (``/api/v1``), with ``requests``.

Errors are sorted by what the caller should do:

* :class:`HubUnreachable` - network trouble, timeouts, 5xx, 429: keep the data, retry later;
* :class:`TokenRejected` - 401: the device token is unknown or revoked, pair again;
* :class:`HubRejected` - any other 4xx: the hub refuses this request for good (the message
  says why); retrying the same request cannot help.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:  # pragma: no cover - the documents' shapes, for annotations only
    from smarttouch.client.plan import TodayPlan
    from smarttouch.client.progress import HubProgress

API_PREFIX = "/api/v1"
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0
USER_AGENT = "smarttouch-client/1"


class HubError(Exception):
    """Base class; ``message`` is one line for the patient or the log."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class HubUnreachable(HubError):
    """The hub could not be reached or failed on its side: try again later."""


class TokenRejected(HubError):
    """The hub does not accept this device's token (revoked or unknown)."""


class HubRejected(HubError):
    """The hub refused the request (4xx); the same request will always be refused."""


def normalise_hub_url(url: str) -> str:
    """``https://hub.example.org/`` -> ``https://hub.example.org``; raises ValueError."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"hub address {url!r} must look like https://hub.example.org")
    return url


def parse_pairing_url(url: str) -> tuple[str, str]:
    """``https://hub.example.org/pair/ABCD-3479`` -> (``https://hub.example.org``,
    ``ABCD-3479``): the pairing link the therapist's page shows as a QR code. Raises
    ValueError for anything else."""
    parts = urlsplit(url.strip())
    head, sep, code = parts.path.rstrip("/").rpartition("/pair/")
    if not sep or not code or "/" in code:
        raise ValueError(f"{url!r} is not a pairing link (it ends in /pair/ and the code)")
    return normalise_hub_url(f"{parts.scheme}://{parts.netloc}{head}"), code


class HubClient:
    """Calls to one hub; ``token`` may be None before pairing."""

    def __init__(
        self,
        hub_url: str,
        token: str | None = None,
        *,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        session: requests.Session | None = None,
    ) -> None:
        self.hub_url = normalise_hub_url(hub_url)
        self.token = token
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.http = session or requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ plumbing
    def _url(self, path: str) -> str:
        return f"{self.hub_url}{API_PREFIX}{path}"

    def _request(
        self, method: str, path: str, *, timeout: tuple[float, float] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.http.request(
                method, self._url(path), headers=headers, timeout=timeout or self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise HubUnreachable(f"hub {self.hub_url} unreachable: {_short(exc)}") from None
        return self._decode(response)

    def _decode(self, response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if 200 <= status < 300 and isinstance(body, dict):
            return body
        error = body.get("error") if isinstance(body, dict) else None
        message = (error or {}).get("message") or response.reason or "no details"
        code = (error or {}).get("code")
        if 200 <= status < 300:
            raise HubUnreachable(f"hub answered {status} without JSON", status, code)
        if status == 401:
            raise TokenRejected(f"the hub refused this device: {message}", status, code)
        if status == 429 or status >= 500:
            raise HubUnreachable(f"hub error {status}: {message}", status, code)
        raise HubRejected(f"hub refused ({status}): {message}", status, code)

    # ------------------------------------------------------------------ the API
    def pair(self, code: str, label: str = "") -> dict[str, Any]:
        """Exchange a pairing code: ``{"token", "device_id", "token_prefix", "patient_code"}``."""
        return self._request("POST", "/pair", json={"code": code, "label": label})

    def device(self) -> dict[str, Any]:
        return self._request("GET", "/device")

    def plan_today(self) -> TodayPlan:
        """Today's plan (the hub's ``TodayPlan`` document)."""
        return cast("TodayPlan", self._request("GET", "/plan/today"))

    def messages_read(self, up_to_id: int, timeout_s: float | None = None) -> dict[str, Any]:
        """Tell the hub the therapist's messages up to ``up_to_id`` were shown."""
        timeout = None if timeout_s is None else (min(timeout_s, self.timeout[0]), timeout_s)
        return self._request("POST", "/messages/read", json={"up_to_id": up_to_id}, timeout=timeout)

    def progress(self, timeout_s: float | None = None) -> HubProgress:
        """The patient's progress (recent sessions, streak); ``timeout_s`` caps the wait."""
        timeout = None if timeout_s is None else (min(timeout_s, self.timeout[0]), timeout_s)
        return cast("HubProgress", self._request("GET", "/progress", timeout=timeout))

    def game_progress(self) -> dict[str, Any] | None:
        """The patient's lasting game progress as the hub keeps it (None when it has none)."""
        doc = self._request("GET", "/game-progress").get("progress")
        return doc if isinstance(doc, dict) else None

    def session(self, session_id: str) -> dict[str, Any]:
        return self._request("GET", f"/sessions/{session_id}")

    def upload_session(self, metadata: bytes, recording: bytes | None) -> dict[str, Any]:
        """POST one session (multipart: ``metadata`` JSON + ``recording`` bytes); returns the
        receipt (``created`` is False when the hub already had it)."""
        files: dict[str, Any] = {"metadata": ("metadata.json", metadata, "application/json")}
        if recording is not None:
            files["recording"] = ("recording.npz", recording, "application/octet-stream")
        return self._request("POST", "/sessions", files=files)


def _short(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed" + (" (refused)" if "refused" in text.lower() else "")
    return text[:200]


def dumps_metadata(metadata: dict[str, Any]) -> bytes:
    """Metadata as the API wants it (JSON; NaN and infinity are refused here already)."""
    return json.dumps(metadata, allow_nan=False, separators=(",", ":")).encode("utf-8")
