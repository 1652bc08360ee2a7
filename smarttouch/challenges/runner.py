"""The trusted runner: the first code that runs inside the sandbox, around the solution.

Run as a script (``python -I runner.py CONFIG.json``), it depends only on the standard library
and the parts of SmartTouch bound into the sandbox (``smarttouch.sensors``, ``.scoring``,
``.games``). In order it:

1. lowers its resource limits (CPU seconds, address space, processes, file size, open files,
   no core dumps) - they then bind the solution it loads;
2. drops to the unprivileged uid/gid it was given (when the sandbox started it as root);
3. records, with an audit hook, attempts to reach the network or files outside the sandbox's
   allowed roots (this only *classifies* failures; the wall is bubblewrap);
4. runs the solution over every input recording and writes one JSON document
   ``{"ok": true, "predictions": {...}}`` or ``{"ok": false, "reason": ..., "error": ...}`` to
   the result file descriptor, in one of two protocols a challenge kind chooses. ``in_process``
   (analyzers): the solution's class is imported here and the kind's harness file
   (``kinds/<kind>/harness.py``, bound at ``/sandbox/harness.py``) runs it on each recording.
   ``game_process`` (games): the game is never imported here: this process plays the session with the games
   framework and the game runs in a child process of its own (``runner.py CONFIG game-process
   FDS``, :func:`serve_game`) that answers each call of the Game protocol over a pipe, so the
   frame times and screenshots this process reports are measured and taken where the game's
   code cannot reach them (:class:`GameProcess`).

Everything this process writes is untrusted by the hub (an analyzer runs in it): it is
size-capped, parsed and checked against the challenge's schema outside the sandbox.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import secrets
import signal
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # annotations only: the runner imports these lazily, when a kind needs them
    from smarttouch.games.sdk.events import GameEvent
    from smarttouch.games.sdk.protocol import Game, GameContext, GameInfo
    from smarttouch.scoring.control import ControlState

_FORBIDDEN_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.EHOSTUNREACH,
    errno.ECONNREFUSED,
    errno.EAFNOSUPPORT,
}
_MAIN_PID = os.getpid()
_violations: list[str] = []


def apply_limits(limits: dict) -> None:
    """Lower this process's rlimits; they are inherited by anything it starts."""
    mib = 1024 * 1024
    cpu = int(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (int(limits["memory_mb"]) * mib,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limits["file_size_mb"]) * mib,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]),) * 2)


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good (real, effective and saved ids; no groups)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("runner: could not drop privileges")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise SystemExit("runner: privileges were not dropped")


def install_audit_hook(allowed_roots: list[str]) -> None:
    """Note network use and opens outside ``allowed_roots`` (for the failure reason only)."""
    roots = tuple(r.rstrip("/") + "/" for r in allowed_roots)

    def hook(event: str, args: tuple) -> None:
        if event in ("socket.connect", "socket.sendto", "socket.getaddrinfo", "socket.gethostbyname"):
            _violations.append(f"network access ({event})")
        elif event == "open" and args and isinstance(args[0], str) and args[0].startswith("/"):
            path = args[0]
            if not (path + "/").startswith(roots) and len(_violations) < 20:
                _violations.append(f"access to {path} outside the sandbox")

    sys.addaudithook(hook)


def _plain(value):
    """numpy scalars and arrays to plain Python, so solutions may return them."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_entrypoint(solution_dir: str, entrypoint: str) -> type:
    """Import ``module:Class`` from the solution folder and return the class."""
    module_name, class_name = entrypoint.split(":")
    sys.path.insert(0, solution_dir)
    import importlib

    module = importlib.import_module(module_name)
    cls = getattr(module, class_name, None)
    if cls is None:
        raise AttributeError(f"entrypoint: module {module_name!r} has no attribute {class_name!r}")
    if not isinstance(cls, type):
        raise TypeError(f"entrypoint: {entrypoint} is not a class")
    return cls


def _inputs(config: dict) -> list[tuple[str, str]]:
    folder = config["inputs"]
    return [(os.path.splitext(n)[0], os.path.join(folder, n)) for n in sorted(os.listdir(folder))]


def load_harness(path: str):
    """Import a kind's harness file (trusted: it ships with the kind) as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("smarttouch_harness", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the harness {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class GameFailed(Exception):
    """The game process failed or broke the protocol; ``reason`` is a failure reason key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


CANVAS = (1280, 720)
CANVAS_BYTES = CANVAS[0] * CANVAS[1] * 4  # RGBX, 32 bits per pixel
MAX_REPLY_BYTES = 1024 * 1024
MAX_SCREENSHOTS = 12


class GameProcess:
    """The solution's game, loaded in a child process of this (trusted) runner.

    The runner never imports the game: it plays the session and sends each call of the Game
    protocol as one JSON line with a fresh random nonce; the child answers with one JSON line
    echoing it, so no answer can be written before its question. The runner times every round
    trip with its own clock and the kernel's scheduler counters (:class:`SchedClock`), in its
    own process, which it makes non-dumpable first: the game can reach neither its memory
    (``/proc/PID/mem``, ``ptrace``) nor its timers. The game process stays one thread (its own
    seccomp filter refuses clone, fork and vfork) and draws into a shared, sealed
    (fixed-size) memory canvas that the runner copies from.
    """

    def __init__(self, config: dict[str, Any], index: int) -> None:
        import fcntl
        import mmap
        import subprocess

        _set_non_dumpable()
        self.canvas_fd = os.memfd_create("canvas", os.MFD_ALLOW_SEALING)
        os.ftruncate(self.canvas_fd, CANVAS_BYTES)
        fcntl.fcntl(
            self.canvas_fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
        )
        self.canvas = mmap.mmap(self.canvas_fd, CANVAS_BYTES)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        argv = [sys.executable, "-I", "-B", os.path.abspath(__file__), config["config_path"]]
        argv += ["game-process", f"{req_r},{rep_w},{self.canvas_fd},{index}"]
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, pass_fds=(req_r, rep_w, self.canvas_fd), start_new_session=True
        )
        os.close(req_r)
        os.close(rep_w)
        self._requests = os.fdopen(req_w, "wb", buffering=0)
        self._replies = os.fdopen(rep_r, "rb")
        self.clock = SchedClock(self.proc.pid)
        self.last_s = 0.0

    def call(self, op: str, **fields: object) -> object:
        """Send one request and wait for its reply; ``last_s`` is the game's share of it in
        seconds (:meth:`SchedClock.game_seconds`)."""
        nonce = secrets.token_hex(8)
        line = json.dumps({"op": op, "n": nonce, **fields}).encode() + b"\n"
        before = self.clock.read()
        start = time.perf_counter()
        try:
            self._requests.write(line)
        except BrokenPipeError:
            raise self._died() from None
        reply = self._replies.readline(MAX_REPLY_BYTES)
        wall = time.perf_counter() - start
        self.last_s = self.clock.game_seconds(wall, before, self.clock.read())
        if not reply:
            raise self._died()
        if not reply.endswith(b"\n"):
            raise GameFailed("output_too_large", f"the game answered {op} with more than 1 MiB")
        try:
            document = json.loads(reply)
        except (ValueError, UnicodeDecodeError):
            raise GameFailed("invalid_output", f"the game's answer to {op} is not JSON") from None
        if not isinstance(document, dict) or document.get("n") != nonce:
            raise GameFailed("invalid_output", f"the game answered {op} out of turn")
        failed = document.get("failed")
        if isinstance(failed, dict):
            raise GameFailed(str(failed.get("reason", "crashed")), str(failed.get("error", ""))[:2000])
        return document.get("ok")

    def _died(self) -> GameFailed:

        try:
            code = self.proc.wait(timeout=5)
        except Exception:
            code = None
        if code is not None and code < 0:
            if -code == signal.SIGXCPU:
                return GameFailed("timed_out", "the game used more than the CPU limit")
            return GameFailed("crashed", f"the game was killed by {signal.Signals(-code).name}")
        return GameFailed("crashed", f"the game process exited (status {code}) without answering")

    def close(self) -> None:
        """End the game process (and its process group) and free the canvas."""

        for stream in (self._requests, self._replies):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=2)
        except Exception:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.canvas.close()
        os.close(self.canvas_fd)
        self.clock.close()


class SchedClock:
    """The kernel scheduler's counters (``/proc/PID/schedstat``: nanoseconds on a CPU and
    nanoseconds waiting on a run queue) of the game process's only thread and of this one.

    A round trip on the wall clock also holds the time either process waited for a CPU that
    another program held, which on a busy worker is many milliseconds. The game's share of a
    round trip is the wall time less those waits, and never less than its own CPU time in it:
    what remains is its work and its voluntary waits (``sleep``, I/O). The game process can
    neither start a thread or process (its own seccomp filter) nor write these counters, so
    it cannot move work where they do not see it. Without schedstat, the wall time is used.
    """

    def __init__(self, pid: int) -> None:
        self._fds = []
        for path in (f"/proc/{pid}/schedstat", "/proc/thread-self/schedstat"):
            try:
                self._fds.append(os.open(path, os.O_RDONLY))
            except OSError:
                self.close()
                return

    def read(self) -> tuple[int, int, int] | None:
        """(game ns on CPU, game ns waiting for a CPU, this thread's ns waiting), or None."""
        if not self._fds:
            return None
        try:
            game, own = (os.pread(fd, 128, 0).split() for fd in self._fds)
            return int(game[0]), int(game[1]), int(own[1])
        except (OSError, ValueError, IndexError):
            return None

    @staticmethod
    def game_seconds(
        wall: float, before: tuple[int, int, int] | None, after: tuple[int, int, int] | None
    ) -> float:
        """The game's share of a round trip of ``wall`` seconds between two :meth:`read`."""
        if before is None or after is None:
            return wall
        on_cpu, game_wait, own_wait = ((a - b) / 1e9 for a, b in zip(after, before))
        return max(wall - game_wait - own_wait, on_cpu, 0.0)

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []


def _set_non_dumpable() -> None:
    """prctl(PR_SET_DUMPABLE, 0): processes of the same uid can no longer read or write this
    process's memory through /proc or ptrace."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE = 4 (linux/prctl.h)
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


class FrameTimer:
    """A game's own work per displayed frame, in milliseconds, from the runner's round trips:
    the mean ``update`` of the logic steps since the last draw plus the ``draw`` itself."""

    def __init__(self) -> None:
        self.frame_ms: list[float] = []
        self._update_s = 0.0
        self._updates = 0

    def on_update(self, seconds: float) -> None:
        self._update_s += seconds
        self._updates += 1

    def on_draw(self, seconds: float) -> None:
        per_step = self._update_s / self._updates if self._updates else 0.0
        self.frame_ms.append((per_step + seconds) * 1000.0)
        self._update_s, self._updates = 0.0, 0

    def p95(self) -> float:
        if not self.frame_ms:
            return 0.0
        ordered = sorted(self.frame_ms)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


class RemoteGame:
    """The Game protocol on the runner's side: each call goes to the :class:`GameProcess`."""

    def __init__(self, process: GameProcess, info: GameInfo, timer: FrameTimer) -> None:
        self.process = process
        self.info = info
        self.timer = timer
        self.ctx: GameContext | None = None
        self._view: Any = None

    def start(self, ctx: GameContext) -> None:
        from dataclasses import asdict

        self.ctx = ctx
        self.process.call(
            "start",
            targets=asdict(ctx.targets),
            movement=ctx.movement,
            difficulty=asdict(ctx.difficulty),
            seed=ctx.rng.getrandbits(32),
            size=list(ctx.size),
        )

    def update(self, control: ControlState, dt: float) -> list[GameEvent]:
        from dataclasses import asdict

        from smarttouch.games.sdk.events import GameEvent

        difficulty = asdict(self.ctx.difficulty) if self.ctx is not None else None
        events = self.process.call("update", control=asdict(control), dt=dt, difficulty=difficulty)
        self.timer.on_update(self.process.last_s)
        if not isinstance(events, list) or len(events) > 1000:
            raise GameFailed("invalid_output", "update() must return a list of at most 1000 events")
        out = []
        for item in events:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("kind"), str)
                and isinstance(item.get("data"), dict)
            ):
                raise GameFailed(
                    "invalid_output", f"update() returned something that is not a GameEvent: {item!r:.200}"
                )
            t = item.get("t")
            if not isinstance(t, (int, float)) or t != t or abs(t) > 1e9:
                raise GameFailed("invalid_output", f"a GameEvent's time is not a number: {t!r:.50}")
            out.append(GameEvent.from_dict(item))
        return out

    def draw(self, surface: Any) -> None:
        import pygame

        self.process.call("draw")
        self.timer.on_draw(self.process.last_s)
        if self._view is None:
            canvas: Any = self.process.canvas  # an mmap: a writable buffer pygame reads in place
            self._view = pygame.image.frombuffer(canvas, CANVAS, "RGBX")
        surface.blit(self._view, (0, 0))

    def snapshot(self) -> dict[str, Any]:
        value = self.process.call("snapshot")
        if not isinstance(value, dict):
            raise GameFailed("invalid_output", "snapshot() must return a dict")
        return value

    def finish(self) -> None:
        self.process.call("finish")


def _game_info(document: object) -> GameInfo:
    """A GameInfo from the game process's description, checked field by field."""
    from smarttouch.games.sdk.protocol import GameInfo

    def strings(value: object) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )

    d = document if isinstance(document, dict) else {}
    movements = d.get("movements")
    if not (
        isinstance(d.get("key"), str)
        and strings(d.get("title"))
        and strings(d.get("how_to"))
        and isinstance(movements, list)
        and movements
        and all(isinstance(m, str) for m in movements)
        and all(isinstance(d.get(k), (int, float)) for k in ("rom_deg", "max_rom_deg"))
    ):
        raise GameFailed("invalid_output", "the game's info is not a GameInfo")
    return GameInfo(
        key=d["key"][:80],
        title=d["title"],
        movements=tuple(movements),
        how_to=d["how_to"],
        rom_deg=float(d["rom_deg"]),
        max_rom_deg=float(d["max_rom_deg"]),
    )


def run_game(config: dict[str, Any]) -> dict[str, Any]:
    """Play the game headless on each recording with the games framework (calibration,
    instructions, play until the recording ends), the game itself in a :class:`GameProcess`;
    report its counted reps, points and frame cost (measured here), and the pixels of the
    first session's scene screenshots (taken here, from this process's canvas)."""
    import base64
    import zlib
    from pathlib import Path

    from smarttouch.games.sdk.targets import PlanTargets
    from smarttouch.games.session.app import AppConfig
    from smarttouch.games.session.inputs import RecordingInput
    from smarttouch.games.session.runner import RunOptions, run_session
    from smarttouch.sensors.recording_io import load_recording

    opts = config.get("options", {})
    work = Path(config.get("workdir", "/tmp"))
    predictions: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    screenshots: dict[str, dict[str, Any]] = {}
    for index, (rec_id, path) in enumerate(_inputs(config)):
        recording = load_recording(path)
        process = GameProcess(config, index)
        try:
            timer = FrameTimer()
            game = RemoteGame(process, _game_info(process.call("hello")), timer)
            info = game.info
            movement = opts.get("movement") or info.movements[0]
            rom = float(opts.get("rom_deg", info.rom_deg))
            pixels: dict[str, tuple[int, int, bytes]] = {}

            def keep(name: str, canvas: Any, pixels: dict[str, tuple[int, int, bytes]] = pixels) -> None:
                import pygame

                pixels[name] = (*canvas.get_size(), pygame.image.tostring(canvas, "RGB"))

            shoot = index == 0 and bool(opts.get("screenshots"))
            targets = PlanTargets(
                game=info.key,
                movement=movement,
                target_rom_deg=rom,
                max_rom_deg=float(opts.get("max_rom_deg", max(rom, info.max_rom_deg))),
                reps=500,
                sets=1,
                rest_s=0.0,
            )
            run_opts = RunOptions(
                headless=True,
                sound=False,
                draw_every=int(opts.get("draw_every", 3)),
                screenshot_sink=keep if shoot else None,
                screenshot_scenes=shoot,
                play_screenshot_after_s=min(14.0, 0.5 * recording.duration_s),
                config=AppConfig(instructions_s=0.5, summary_hold_s=0.5, preset_rom_max_deg=rom),
            )
            start = time.perf_counter()
            result = run_session(
                targets,
                RecordingInput(recording, movement),
                game=cast("Game", game),  # ``info`` is per instance here, a class variable in Game
                options=run_opts,
                history=work / f"history-{index}.json",
                data_dir=work / f"data-{index}",
            )
            seconds[rec_id] = time.perf_counter() - start
        finally:
            process.close()
        predictions[rec_id] = {
            "reps": len(result.rep_events()),
            "score": int(result.score),
            "frame_ms_p95": round(timer.p95(), 3),
            "frames": len(timer.frame_ms),
        }
        for name in sorted(pixels)[:MAX_SCREENSHOTS]:
            width, height, rgb = pixels[name]
            screenshots[name] = {
                "width": width,
                "height": height,
                "pixels": base64.b64encode(zlib.compress(rgb, 6)).decode("ascii"),
            }
    return {"predictions": predictions, "seconds": seconds, "screenshots": screenshots}


def serve_game(config: dict[str, Any], fds: str) -> int:
    """The game process: load the solution's game and answer the runner's requests (one JSON
    line each, echoing its nonce) until the runner closes the pipe or the game fails."""
    import mmap

    req_fd, rep_fd, canvas_fd, index = (int(x) for x in fds.split(","))
    if config.get("game_filter"):
        with open(config["game_filter"], "rb") as fh:
            load_seccomp(fh.read())
    install_audit_hook(config["allowed_roots"])
    os.chdir(config.get("workdir", "/tmp"))
    replies = os.fdopen(rep_fd, "wb", buffering=0)
    state: dict[str, Any] = {"loading": True, "n": None}

    def reply(document: dict[str, Any]) -> None:
        replies.write(json.dumps({"n": state["n"], **document}, allow_nan=False).encode() + b"\n")

    try:
        with os.fdopen(req_fd, "rb") as requests:
            for line in requests:
                request = json.loads(line)
                state["n"] = request.get("n")
                reply({"ok": _handle(request, config, state, canvas_fd, index, mmap)})
        return 0
    except BaseException as exc:  # the game's failure, reported to the runner
        if os.getpid() != _MAIN_PID:
            os._exit(1)
        if isinstance(exc, SystemExit) and not state["loading"] and exc.code in (0, None):
            exc = RuntimeError("the solution called sys.exit()")
        reason, message = classify(exc, state["loading"])
        traceback.print_exc(limit=-8)
        try:
            reply({"failed": {"reason": reason, "error": message[:2000]}})
        except (OSError, ValueError):
            pass
        return 3


def load_seccomp(program: bytes) -> None:
    """Add the BPF ``program`` (struct sock_filter array) to this process's seccomp filters:
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sock_fprog), linux/seccomp.h; no_new_privs is
    already set by bubblewrap. Filters only ever add restrictions."""
    import ctypes

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    prog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "could not load the game process's seccomp filter")


def _handle(
    request: dict[str, Any],
    config: dict[str, Any],
    state: dict[str, Any],
    canvas_fd: int,
    index: int,
    mmap: Any,
) -> object:
    """Carry out one request of the runner on the game (in the game process)."""
    op = request.get("op")
    if op == "hello":
        from smarttouch.games.sdk.protocol import check_game_class

        cls = load_entrypoint(config["solution"], config["entrypoint"])
        state["loading"] = False
        problems = check_game_class(cls)
        if problems:
            raise TypeError("not a SmartTouch game: " + "; ".join(problems))
        import pygame

        pygame.display.init()
        pygame.display.set_mode(CANVAS)
        pygame.font.init()
        state["canvas"] = mmap.mmap(canvas_fd, CANVAS_BYTES)
        state["surface"] = pygame.image.frombuffer(state["canvas"], CANVAS, "RGBX")
        state["game"] = cls()
        info = getattr(cls, "info")  # noqa: B009 - checked by check_game_class above
        return {
            "key": info.key,
            "title": dict(info.title),
            "movements": list(info.movements),
            "how_to": dict(info.how_to),
            "rom_deg": info.rom_deg,
            "max_rom_deg": info.max_rom_deg,
        }
    game = state["game"]
    if op == "start":
        import random
        from pathlib import Path

        from smarttouch.games.sdk.protocol import Difficulty, GameContext
        from smarttouch.games.sdk.targets import PlanTargets

        state["ctx"] = GameContext(
            targets=PlanTargets(**request["targets"]),
            movement=request["movement"],
            difficulty=Difficulty(**request["difficulty"]),
            rng=random.Random(request["seed"]),
            data_dir=Path(config.get("workdir", "/tmp")) / f"game-data-{index}",
            size=tuple(request["size"]),
        )
        return game.start(state["ctx"])
    if op == "update":
        from smarttouch.scoring.control import ControlState, RepEvent

        ctx = state.get("ctx")
        if ctx is not None and request.get("difficulty"):
            for key, value in request["difficulty"].items():
                setattr(ctx.difficulty, key, value)
        control = dict(request["control"])
        control["events"] = tuple(RepEvent(**e) for e in control.get("events", ()))
        return [event.to_dict() for event in game.update(ControlState(**control), float(request["dt"]))]
    if op == "draw":
        game.draw(state["surface"])
        return None
    if op == "snapshot":
        return _plain(game.snapshot())
    if op == "finish":
        return game.finish()
    raise ValueError(f"unknown request {op!r}")


def classify(exc: BaseException, loading: bool) -> tuple[str, str]:
    """(failure_reason, one-line message) for an exception escaping the solution."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MemoryError):
        return "memory_exceeded", f"ran out of memory ({text})"
    if _violations:
        return "forbidden", f"{_violations[0]} is not allowed in the sandbox ({text})"
    if isinstance(exc, BlockingIOError) or (isinstance(exc, RuntimeError) and "thread" in str(exc)):
        return "forbidden", f"reached the sandbox's process limit ({text})"
    if isinstance(exc, OSError) and exc.errno in (errno.EFBIG, errno.ENOSPC):
        return "output_too_large", f"wrote more than the sandbox's file size or /tmp space allows ({text})"
    if isinstance(exc, OSError) and exc.errno in _FORBIDDEN_ERRNOS:
        return "forbidden", f"the sandbox refused an operation ({text})"
    if loading and isinstance(exc, ImportError):
        return "forbidden", (
            f"import failed ({text}); only the Python standard library, numpy, scipy "
            "and smarttouch are available in the sandbox"
        )
    return "crashed", text


def _cpu_limit_reached(signum: int, frame: object) -> None:
    """End at once with the status a SIGXCPU death would give (128 + SIGXCPU)."""
    os._exit(128 + signum)


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as fh:
        config = json.load(fh)
    config["config_path"] = argv[1]
    if argv[2:3] == ["game-process"]:
        return serve_game(config, argv[3])
    apply_limits(config["limits"])
    # Sandboxed, this process is pid 1 of its namespace, to which the kernel does not deliver
    # a signal whose action is the default: SIGXCPU at the CPU limit needs a handler (the hard
    # limit, one second later, is a SIGKILL that arrives regardless).
    signal.signal(signal.SIGXCPU, _cpu_limit_reached)
    if config.get("drop_to"):
        drop_privileges(*config["drop_to"])
    result_fd = int(config["result_fd"])
    install_audit_hook(config["allowed_roots"])
    os.chdir(config.get("workdir", "/tmp"))
    in_process = config["protocol"] == "in_process"  # a game is loaded only in its own process
    harness = load_harness(config["harness"]) if in_process else None
    loading = in_process
    try:
        if harness is not None:
            cls = load_entrypoint(config["solution"], config["entrypoint"])
            loading = False
            document = harness.run(
                cls, _inputs(config), config.get("options", {}), config.get("workdir", "/tmp")
            )
            result = {"ok": True, **_plain(document)}
        else:
            result = {"ok": True, **run_game(config)}
        try:
            data = json.dumps(result, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            result = {
                "ok": False,
                "reason": "invalid_output",
                "error": f"the solution returned something that is not plain JSON data: {exc}",
            }
            data = json.dumps(result).encode()
        code = 0
    except BaseException as exc:  # the solution's failure, reported, never re-raised
        if os.getpid() != _MAIN_PID:
            os._exit(1)  # a forked child of the solution never reports
        if isinstance(exc, SystemExit) and not loading and exc.code in (0, None):
            exc = RuntimeError("the solution called sys.exit()")
        if isinstance(exc, GameFailed):
            reason, message = exc.reason, exc.message
        else:
            reason, message = classify(exc, loading)
            traceback.print_exc(limit=-8)
        data = json.dumps({"ok": False, "reason": reason, "error": message[:2000]}).encode()
        code = 3
    if os.getpid() != _MAIN_PID:
        os._exit(1)
    view = memoryview(data)
    while view:
        view = view[os.write(result_fd, view) :]
    os.close(result_fd)
    return code


if __name__ == "__main__":
    status = main(sys.argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)  # do not wait for threads or exit handlers the solution left behind
