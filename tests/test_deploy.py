"""The shipped process definitions (Procfile, systemd units) and docs/deploy.md name only
commands, options, app factories, settings and files that exist."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from smarttouch.cli import main
from smarttouch.platform.core.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def _expand(command: str) -> str:
    """Shell defaults (``${X:-d}`` -> ``d``, ``${X}`` -> a number) and systemd's ``%i``."""
    command = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command)
    command = re.sub(r"\$\{\w+\}", "2", command)
    return command.replace("%i", "8001")


def commands() -> list[tuple[str, str]]:
    """(where, command line) of every process the Procfile and the units start."""
    found = []
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            found.append((f"Procfile {name}", command.strip()))
    for unit in UNITS:
        for line in unit.read_text().splitlines():
            key, _, value = line.partition("=")
            if key in {"ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload"}:
                found.append((unit.name, value.strip()))
    return found


def _check_smarttouch(args: list[str]) -> None:
    command: click.Command = main
    ctx = click.Context(main)
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        sub = command.get_command(ctx, args.pop(0))
        assert sub is not None, f"no such smarttouch command in {args}"
        assert getattr(sub, "unavailable_reason", None) is None
        command, ctx = sub, click.Context(sub, parent=ctx)
    assert not isinstance(command, click.Group), f"{command.name} needs a sub-command"
    options = {opt for p in command.params for opt in p.opts}
    for arg in args:
        if arg.startswith("-"):
            assert arg.split("=")[0] in options, f"smarttouch {command.name} has no option {arg}"


def _check_gunicorn(args: list[str], tmp_path: Path) -> None:
    from gunicorn.config import Config

    target = args[-1]
    module_name, _, attr = target.partition(":")
    if attr.endswith("()"):
        assert callable(getattr(importlib.import_module(module_name), attr.removesuffix("()")))
    else:  # a module that builds the app when imported: built in a fresh interpreter
        code = f"from {module_name} import {attr} as app; assert callable(app)"
        env = {**os.environ, "SMARTTOUCH_INSTANCE_PATH": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
        )
        assert done.returncode == 0, done.stderr
    parsed = Config(usage="%(prog)s [OPTIONS] APP").parser().parse_args(args)  # gunicorn's own parser
    assert parsed.args == [target]


def test_there_are_process_definitions() -> None:
    names = {u.name for u in UNITS}
    assert {"smarttouch-hub@.service", "smarttouch-worker@.service", "smarttouch-migrate.service"} <= names
    where = {w.split()[-1] if w.startswith("Procfile") else w for w, _ in commands()}
    assert {"web", "worker", "release"} <= where


@pytest.mark.parametrize(("where", "command"), commands())
def test_every_command_exists(where: str, command: str, tmp_path: Path) -> None:
    args = shlex.split(_expand(command))
    program = Path(args.pop(0)).name
    if program == "smarttouch":
        _check_smarttouch(args)
    elif program == "gunicorn":
        _check_gunicorn(args, tmp_path)
    else:
        pytest.fail(f"{where}: unknown program {program}")


def test_units_read_the_shared_settings_file() -> None:
    for unit in UNITS:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/smarttouch/smarttouch.env" in text, unit.name
        assert re.search(r"^User=smarttouch$", text, flags=re.M), unit.name


def test_the_example_settings_are_declared() -> None:
    declared = {s.env_var for s in SETTINGS}
    names = re.findall(r"^(SMARTTOUCH_\w+)=", (ROOT / "deploy" / "smarttouch.env.example").read_text(), re.M)
    assert names and set(names) <= declared


def test_the_deploy_document_names_real_files_and_settings() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text()
    paths = set(re.findall(r"`((?:deploy/[\w@./-]+)|Procfile)`", text))
    assert {"Procfile", "deploy/nginx/smarttouch.conf", "deploy/systemd/smarttouch-hub@.service"} <= paths
    for rel in paths:
        assert (ROOT / rel).exists(), rel
    declared = {s.env_var for s in SETTINGS}
    for name in set(re.findall(r"SMARTTOUCH_[A-Z_]+", text)) - {"SMARTTOUCH_TEST_REDIS_URL"}:
        assert name in declared, name
    # `smarttouch ...` and `st ...` (the document's shell function running smarttouch)
    lines = re.findall(r"(?:^\s*|`)(?:smarttouch|st) ([a-z][\w -]*)", text, flags=re.M)
    assert len(lines) >= 8
    for line in lines:
        words = [w for w in line.split() if not w.startswith("-")]
        command: click.Command = main
        ctx = click.Context(main)
        for word in words:
            if not isinstance(command, click.Group):
                break
            sub = command.get_command(ctx, word)
            assert sub is not None, line
            command, ctx = sub, click.Context(sub, parent=ctx)
