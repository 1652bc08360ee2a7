"""The trusted runner: the first code that runs inside the sandbox, around the solution.

Run as a script (``python -I runner.py CONFIG_JSON``), it depends only on the standard library
and the parts of SmartTouch bound into the sandbox (``smarttouch.sensors``, ``.scoring``,
``.games``). In order it:

1. lowers its resource limits (CPU seconds, address space, processes, file size, open files,
   no core dumps) - they then bind the solution it loads;
2. drops to the unprivileged uid/gid it was given (when the sandbox started it as root);
3. records, with an audit hook, attempts to reach the network or files outside the sandbox's
   allowed roots (this only *classifies* failures; the wall is bubblewrap);
4. loads the challenge kind's harness file (``kinds/<kind>/harness.py``), imports the
   entrypoint, has the harness run it over every input recording (an analyzer's ``analyze``; a
   game played headless by the games framework) and writes one JSON document
   ``{"ok": true, "predictions": {...}}`` or ``{"ok": false, "reason": ..., "error": ...}`` to
   the result file descriptor.

Everything this process writes is untrusted by the hub: it is size-capped, parsed and checked
against the challenge's schema outside the sandbox.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import sys
import traceback

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
    """Import the kind's harness file (trusted: it ships with the kind) as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("smarttouch_harness", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the harness {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    apply_limits(config["limits"])
    if config.get("drop_to"):
        drop_privileges(*config["drop_to"])
    result_fd = int(config["result_fd"])
    install_audit_hook(config["allowed_roots"])
    os.chdir(config.get("workdir", "/tmp"))
    harness = load_harness(config["harness"])
    loading = True
    try:
        cls = load_entrypoint(config["solution"], config["entrypoint"])
        loading = False
        document = harness.run(cls, _inputs(config), config.get("options", {}), config.get("workdir", "/tmp"))
        result = {"ok": True, **_plain(document)}
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
