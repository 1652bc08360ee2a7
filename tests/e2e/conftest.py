"""End-to-end fixtures: a real hub served over HTTP on a free local port that tests can stop
and start again on the same port, with a gate that can hold a request after the hub has
processed it (the hub "dies" before answering); the patient client's folders in tmp_path."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from smarttouch.platform import create_app
from smarttouch.platform.core.config import SETTINGS
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories, build_sqlite_template, hub_config


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env_var, raising=False)
    monkeypatch.setenv("SMARTTOUCH_CLIENT_HOME", str(tmp_path / "client"))
    monkeypatch.setenv("SMARTTOUCH_GAMES_DATA", str(tmp_path / "games"))


@pytest.fixture(scope="session")
def hub_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite_template(tmp_path_factory.mktemp("e2e-template") / "hub.db")


@pytest.fixture
def hub_app(tmp_path: Path, hub_template: Path) -> Iterator[Flask]:
    instance = tmp_path / "hub"
    instance.mkdir()
    shutil.copyfile(hub_template, instance / "smarttouch.db")
    app = create_app(hub_config(instance, f"sqlite:///{instance / 'smarttouch.db'}"))
    yield app
    get_engine(app).dispose()


@pytest.fixture
def factories(hub_app: Flask) -> Factories:
    return Factories(hub_app)


class Gate:
    """WSGI wrapper: in ``hold`` mode, session uploads are fully processed (committed) and then
    held without an answer until :meth:`release` - like a hub dying mid-request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.hold = False
        self.processed = threading.Event()
        self._release = threading.Event()

    def release(self) -> None:
        self._release.set()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        upload = environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").endswith(
            "/api/v1/sessions"
        )
        if not (self.hold and upload):
            return self.app(environ, start_response)
        captured: list[Any] = []
        body = b"".join(self.app(environ, lambda *a: captured.append(a)))
        self.processed.set()
        self._release.wait(timeout=60)
        start_response(*captured[0][:2])
        return [body]


class HubServer:
    """The hub app served by waitress in a thread; ``stop()``/``start()`` keep the port."""

    def __init__(self, app: Flask) -> None:
        self.gate = Gate(app.wsgi_app)
        app.wsgi_app = self.gate  # type: ignore[method-assign]
        self.app = app
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HubServer:
        import waitress.server

        self._server = waitress.server.create_server(self.app, host="127.0.0.1", port=self.port, threads=4)
        self.port = self._server.effective_port
        self._stop = threading.Event()
        server, stop = self._server, self._stop

        def serve() -> None:
            while not stop.is_set():
                server.asyncore.loop(timeout=0.05, map=server._map, count=1)

        self._thread = threading.Thread(target=serve, name="e2e-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop every open connection (clients see a reset or a timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._server is not None:
            for channel in list(self._server._map.values()):
                try:
                    channel.close()
                except OSError:
                    pass
            self._server.close()
            # its worker threads end (close() leaves them running), a held one once released
            self._server.task_dispatcher.set_thread_count(0)
        self._server = None


@pytest.fixture
def hub(hub_app: Flask) -> Iterator[HubServer]:
    server = HubServer(hub_app).start()
    yield server
    server.gate.release()
    server.stop()


@pytest.fixture
def reaped() -> Iterator[Callable[[subprocess.Popen], subprocess.Popen]]:
    """``reaped(proc)`` returns ``proc``, killed after the test if it still runs: a test that
    fails while a client it started is still playing (or waiting for the patient) must not
    leave that process running, and spending CPU, for the rest of the run."""
    procs: list[subprocess.Popen] = []

    def reap(proc: subprocess.Popen) -> subprocess.Popen:
        procs.append(proc)
        return proc

    yield reap
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
