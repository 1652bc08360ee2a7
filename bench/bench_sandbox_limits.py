"""The challenge sandbox's limits, measured: what a solution can actually get before it is stopped.

Each probe is an analyzer that pushes one resource until the sandbox stops it, printing what
it had reached (``MEASURED <value>``) as it goes; the figure is the last value printed, read
from the run's log, or the run's own outcome (wall-clock, exit status). Limits: a bundle's
defaults (:class:`smarttouch.challenges.bundle.Limits`) with a 6 s CPU and 8 s wall clock so the
run stays short. The figures go into docs/security-sandbox.md.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
from pathlib import Path

from bench.common import report
from smarttouch.challenges.bundle import Limits
from smarttouch.challenges.sandbox import TMP_MB, Sandbox
from smarttouch.challenges.syscall_filter import denied_syscalls

LIMITS = Limits(wall_s=60.0)
CPU_LIMITS = Limits(wall_s=60.0, cpu_s=2)
WALL_LIMITS = Limits(wall_s=5.0)
BIG_MEMORY = Limits(wall_s=60.0, memory_mb=4096)

PROBES = {
    "memory": """
import sys
held, step = [], 8 * 1024 * 1024
try:
    while True:
        held.append(bytearray(step))
        print("MEASURED", len(held) * step / 2**20, flush=True)
except MemoryError:
    held.clear()
""",
    "cpu": """
import time
mark = time.process_time()
while True:
    if time.process_time() - mark > 0.25:
        mark = time.process_time()
        print("MEASURED", mark, flush=True)
""",
    "wall": """
import time
time.sleep(3600)
""",
    "file_size": """
written = 0
try:
    with open("/tmp/big", "wb") as fh:
        while True:
            fh.write(b"x" * 2**20)
            fh.flush()
            written += 2**20
except OSError as exc:
    print("MEASURED", written / 2**20, exc.errno, flush=True)
""",
    "tmp_space": """
import os
written = 0
try:
    for i in range(10_000):
        with open(f"/tmp/part-{i}", "wb") as fh:
            for _ in range(4):
                fh.write(b"x" * 2**20)
                fh.flush()
                os.fsync(fh.fileno())
                written += 2**20
except OSError as exc:
    print("MEASURED", written / 2**20, exc.errno, flush=True)
""",
    "processes": """
import os, time
count = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        count += 1
except OSError as exc:
    print("MEASURED", count, exc.errno, flush=True)
""",
    "threads": """
import threading, time
count = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        count += 1
except RuntimeError:
    print("MEASURED", count, flush=True)
""",
    "open_files": """
handles = []
try:
    while True:
        handles.append(open("/dev/null"))
except OSError as exc:
    print("MEASURED", len(handles), exc.errno, flush=True)
""",
    "syscalls": """
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
refused = 0
for name, call in [("unshare", lambda: libc.unshare(0x10000000)), ("mount", lambda: libc.mount(b"x", b"/tmp", b"tmpfs", 0, None)),
                   ("ptrace", lambda: libc.ptrace(0, 0, None, None)), ("chroot", lambda: libc.chroot(b"/tmp"))]:
    ctypes.set_errno(0)
    if call() == -1 and ctypes.get_errno() == errno.EPERM:
        refused += 1
print("MEASURED", status["Seccomp"].strip(), refused, flush=True)
""",
}
SOLUTION = (
    "[solution]\nname = 'probe'\nchallenge = 'limits'\nkind = 'analyzer'\nentrypoint = 'probe:Solution'\n"
)


def measure(
    sandbox: Sandbox, root: Path, name: str, limits: Limits = LIMITS
) -> tuple[list[str], float, int | None]:
    """Run one probe; (fields of its last MEASURED line, wall seconds, exit status)."""
    folder = root / f"{name}-{limits.memory_mb}"
    folder.mkdir()
    (folder / "solution.toml").write_text(SOLUTION)
    body = "\n".join("        " + line for line in PROBES[name].strip().splitlines())
    (folder / "probe.py").write_text(
        f"class Solution:\n    def analyze(self, recording):\n{body}\n        return {{}}\n"
    )
    for path in (folder, *folder.iterdir()):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    run = sandbox.run(
        kind="analyzer",
        solution_dir=folder,
        entrypoint="probe:Solution",
        inputs_dir=root / "inputs",
        limits=limits,
    )
    lines = re.findall(r"^MEASURED (.*)$", run.log, flags=re.M)
    return (lines[-1].split() if lines else []), run.wall_s, run.exit_code


def main() -> None:
    from smarttouch.sensors.recording_io import save_recording
    from smarttouch.sensors.simulator import simulate

    print(
        f"  limits: cpu {LIMITS.cpu_s} s, wall {LIMITS.wall_s:g} s, memory {LIMITS.memory_mb} MiB, "
        f"processes {LIMITS.max_procs}, file {LIMITS.file_size_mb} MiB, /tmp {TMP_MB} MiB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        (root / "inputs").mkdir(mode=0o755)
        rec = simulate("shoulder_flexion", reps=1, fs=50.0, seed=1).recording
        save_recording(rec, root / "inputs" / "r.npz")
        os.chmod(root / "inputs" / "r.npz", 0o644)
        sandbox = Sandbox()
        print(f"  identity: {'fresh host uid (worker is root)' if sandbox.as_root else 'user namespace'}")
        values, _, _ = measure(sandbox, root, "memory")
        report(
            f"largest Python allocation before MemoryError ({LIMITS.memory_mb} MiB)", float(values[0]), "MiB"
        )
        values, wall, code = measure(sandbox, root, "cpu", CPU_LIMITS)
        killed = signal.Signals(code - 128).name if code and code > 128 else f"status {code}"
        report(f"CPU seconds used before {killed} ({CPU_LIMITS.cpu_s} s)", float(values[0]), "s")
        _, wall, code = measure(sandbox, root, "wall", WALL_LIMITS)
        report(f"wall clock when a sleeper is killed ({WALL_LIMITS.wall_s:g} s)", wall, "s")
        values, _, _ = measure(sandbox, root, "file_size")
        report(
            f"largest file written (errno {values[1]}, {LIMITS.file_size_mb} MiB)", float(values[0]), "MiB"
        )
        values, _, _ = measure(sandbox, root, "tmp_space")
        report(
            f"/tmp filled before a write failed (errno {values[1]}, {TMP_MB} MiB)", float(values[0]), "MiB"
        )
        values, _, _ = measure(sandbox, root, "processes")
        report(
            f"processes forked before fork failed (errno {values[1]}, {LIMITS.max_procs})",
            float(values[0]),
            "",
        )
        values, _, _ = measure(sandbox, root, "threads")
        report(f"threads started, address space {LIMITS.memory_mb} MiB", float(values[0]), "")
        values, _, _ = measure(sandbox, root, "threads", BIG_MEMORY)
        report(f"threads started, address space {BIG_MEMORY.memory_mb} MiB", float(values[0]), "")
        values, _, _ = measure(sandbox, root, "open_files")
        report(f"files open before open failed (errno {values[1]})", float(values[0]), "")
        values, _, _ = measure(sandbox, root, "syscalls")
        report(f"Seccomp mode {values[0]}; of unshare/mount/ptrace/chroot refused", float(values[1]), "of 4")
        print(f"  system calls refused by the filter: {len(denied_syscalls())} + clone with namespace flags")


if __name__ == "__main__":  # pragma: no cover
    main()
