"""The top-level command: every listed command resolves to a real click command."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from smarttouch.cli import COMMANDS, HELP, main


def test_every_command_has_help_text() -> None:
    assert set(COMMANDS) == set(HELP)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_resolves_to_its_room(name: str) -> None:
    ctx = click.Context(main)
    command = main.get_command(ctx, name)
    assert command is not None
    assert getattr(command, "unavailable_reason", None) is None, command.unavailable_reason
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "is unavailable" not in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_a_broken_room_is_reported_not_a_traceback(monkeypatch) -> None:
    monkeypatch.setitem(COMMANDS, "analyze", "smarttouch.no_such_room.cli:analyze")
    result = CliRunner().invoke(main, ["analyze"])
    assert result.exit_code == 1
    assert "'analyze' is unavailable: No module named 'smarttouch.no_such_room'" in result.output
