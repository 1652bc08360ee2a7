"""The sandbox's mount order: a runtime that lives under /tmp on the host stays visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarttouch.challenges import sandbox as sandbox_mod


def _mount_order(args: list[str]) -> list[tuple[str, str]]:
    """(option, target) for every --tmpfs / --ro-bind / --dir in order."""
    out = []
    for i, arg in enumerate(args):
        if arg == "--tmpfs":
            out.append((arg, args[i + 1]))
        elif arg in ("--ro-bind", "--dir"):
            out.append((arg, args[i + 2] if arg == "--ro-bind" else args[i + 1]))
    return out


@pytest.mark.parametrize("identity", ["setuid", "userns"])
def test_runtime_under_tmp_is_bound_after_the_private_tmp(monkeypatch, tmp_path: Path, identity: str) -> None:
    venv = "/tmp/ci-checkout/.venv"
    monkeypatch.setattr(sandbox_mod, "_runtime_binds", lambda: [(venv, venv)])
    try:
        box = sandbox_mod.Sandbox(bwrap="/usr/bin/true", identity=identity)
    except sandbox_mod.SandboxUnavailable as exc:  # pragma: no cover - python3-seccomp is a test dependency
        pytest.skip(f"sandbox unavailable: {exc}")
    args = box._options(tmp_path, tmp_path)
    order = _mount_order(args)
    tmpfs = order.index(("--tmpfs", "/tmp"))
    assert order.index(("--ro-bind", venv)) > tmpfs
    assert order.index(("--dir", "/tmp/ci-checkout")) > tmpfs
