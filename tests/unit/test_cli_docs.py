"""Docs as tests: every command has help with an example and is in the README; every
listing command offers --json."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from daemon.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found.append(path)
            found += commands(command, path)
        else:
            found.append(path)
    return found


def leaf(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


ALL = commands()


def test_there_are_commands() -> None:
    assert len(ALL) > 30


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    example = result.output.split("Example:", 1)[1]
    assert "dunmail" in example


@pytest.mark.parametrize(
    "path", [p for p in ALL if not isinstance(leaf(p), click.Group)], ids=" ".join
)
def test_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    assert re.search(r"dunmail (\[[^\]]*\] )?" + re.escape(" ".join(path)) + r"\b", README), (
        f"README does not mention `dunmail {' '.join(path)}`"
    )


@pytest.mark.parametrize("path", [p for p in ALL if p[-1] == "list"], ids=" ".join)
def test_listings_have_json(path: tuple[str, ...]) -> None:
    assert any(p.name == "as_json" or "--json" in p.opts for p in leaf(path).params)
