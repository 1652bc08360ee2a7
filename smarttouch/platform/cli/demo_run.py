"""What ``smarttouch demo`` adds around serving the hub: a first-time user's walk-through,
and the evaluation worker running in the background.

The worker is exactly ``smarttouch worker`` (:mod:`.challenge`: the huey consumer of the
hub's queue, :mod:`smarttouch.platform.jobs`) started as a child process on the same instance folder and
database, so the challenges' reference rows queued by the demo seed and developers' uploads
are scored while the demo runs, with nothing else to start. It runs in its own session, so a
Ctrl+C reaches only the demo, which then stops it once, gracefully
(:meth:`BackgroundWorker.stop`); on Linux the kernel also ends it if the demo process dies
without cleaning up. Its output goes to ``demo-worker.log`` in the instance folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

LOG_NAME = "demo-worker.log"
WIDTH = 88  # columns of the printed walk-through
# seeded patients with synthetic history, the most telling first (see services.demo_sessions)
SHOWCASE_PATIENTS = ("DEMO-PARK", "DEMO-STRK", "DEMO-KNEE", "DEMO-FRAI")
SHOWCASE_WHY = {
    "DEMO-PARK": "Parkinson's disease, with a decline alert",
    "DEMO-STRK": "after a stroke, improving week by week",
    "DEMO-KNEE": "knee osteoarthritis, a session stopped for pain",
    "DEMO-FRAI": "frailty, no session for several days",
}


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """Linux: the kernel sends SIGTERM to this child if the demo process dies first."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


class BackgroundWorker:
    """``smarttouch worker`` as a child process of the demo (see the module docstring)."""

    def __init__(
        self, *, instance_path: str, database_url: str, workers: int = 1, python: str = sys.executable
    ) -> None:
        self.instance_path = Path(instance_path)
        self.log_path = self.instance_path / LOG_NAME
        self.command = [python, "-m", "smarttouch", "worker", "--workers", str(workers)]
        self.env = {
            **os.environ,
            "SMARTTOUCH_INSTANCE_PATH": str(self.instance_path),
            "SMARTTOUCH_DATABASE_URL": database_url,
        }
        self.proc: subprocess.Popen | None = None
        self.exited_early = False
        self._log: TextIO | None = None

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why the sandboxed worker cannot run here (None when it can)."""
        from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable

        try:
            Sandbox()
        except SandboxUnavailable as exc:
            return str(exc)
        return None

    def start(self) -> int:
        """Start the worker; returns its process id."""
        self.instance_path.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "a", encoding="utf-8")
        preexec = _set_parent_death_signal if sys.platform.startswith("linux") else None
        # its own session: a Ctrl+C in the terminal reaches only the demo, which then stops
        # the worker once, gracefully (see stop)
        self.proc = subprocess.Popen(
            self.command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
        )
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, *, finish_s: float = 30.0) -> int | None:
        """Stop the worker: ask it to finish the evaluation it is running (SIGINT, up to
        ``finish_s`` seconds), then stop it (SIGTERM, then SIGKILL). Ctrl+C while waiting
        skips the wait. Returns its exit code; :attr:`exited_early` says whether it had
        already ended by itself (then the code and the log tell why)."""
        proc = self.proc
        if proc is None:
            return None
        self.exited_early = proc.poll() is not None
        try:
            for sig, wait_s in ((signal.SIGINT, finish_s), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                if proc.poll() is not None:
                    break
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=wait_s)
                except subprocess.TimeoutExpired:
                    continue
                except KeyboardInterrupt:  # a second Ctrl+C: do not wait any longer
                    continue
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
        return proc.poll()


@dataclass(frozen=True)
class Showcase:
    """A seeded patient worth opening first."""

    code: str
    name: str | None
    why: str


def showcase_patient(session: Any) -> Showcase | None:
    """The first of :data:`SHOWCASE_PATIENTS` present in the database with sessions."""
    from sqlmodel import select

    from ..models import ExerciseSession, Patient

    for code in SHOWCASE_PATIENTS:
        patient = session.exec(select(Patient).where(Patient.code == code)).first()
        if patient is None:
            continue
        has_sessions = session.exec(
            select(ExerciseSession.id).where(ExerciseSession.patient_id == patient.id)
        ).first()
        if has_sessions is not None:
            return Showcase(code, patient.display_name, SHOWCASE_WHY[code])
    return None


def command_path() -> str:
    """How to type the ``smarttouch`` command: the checkout's ``.venv/bin/smarttouch``
    relative to the current folder when run from there."""
    exe = Path(sys.executable).parent / "smarttouch"
    if not exe.exists():
        return "smarttouch"
    try:
        return str(exe.relative_to(Path.cwd()))
    except ValueError:
        return str(exe)


def _login_text(logins: Sequence[Any], role: str) -> str:
    for login in logins:
        if login.role == role:
            password = login.password if login.works else "your password"
            return f"{login.email} / {password}"
    return f"a {role} account"


def walkthrough(
    url: str, *, logins: Sequence[Any], showcase: Showcase | None, worker_note: str, cmd: str | None = None
) -> str:
    """The numbered first steps printed by ``smarttouch demo`` under the URL and logins."""
    cmd = cmd or command_path()
    if showcase is not None:
        who = f"patient {showcase.code}" + (f" ({showcase.name})" if showcase.name else "")
        open_step = f"Open {who} in the Patients list ({showcase.why}): "
    else:
        open_step = "Open a patient in the Patients list: "
    open_step += (
        "progress charts, the adherence calendar and alerts to acknowledge; click "
        "a session for its angle trace and repetitions."
    )
    steps = [
        f"Log in as the therapist ({_login_text(logins, 'therapist')}).",
        open_step,
        'On the patient page click "Devices and pairing", then "Create a pairing code".',
        "In another terminal, pair this computer as that patient's home PC and play today's "
        "exercise (the session is uploaded to the patient page):",
        "Log out and log in as the developer "
        f"({_login_text(logins, 'developer')}), open Challenges: read a challenge, download "
        "its starter kit, submit a solution and see it on the leaderboard.",
    ]
    commands = {
        4: [
            f"{cmd} pair --hub {url} CODE",
            f"{cmd} play    (without a sensor: --sensor sim, or --sensor keyboard)",
            "or, to try a game without pairing:",
            f"{cmd} play --game balloons --sensor sim",
        ]
    }
    lines = ["How to try it:"]
    for i, step in enumerate(steps, start=1):
        lines += textwrap.wrap(
            step, WIDTH, initial_indent=f"  {i}. ", subsequent_indent="     ", break_on_hyphens=False
        )
        lines += [f"       {c}" for c in commands.get(i, [])]
    lines += textwrap.wrap(
        worker_note,
        WIDTH,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    return "\n".join(lines)
