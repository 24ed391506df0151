"""Every command the reply domain can decide has its handler in the table (#14)."""

from __future__ import annotations

import typing

from daemon.app.replies import COMMAND_HANDLERS
from daemon.domain import reply_effects as fx


def test_every_reply_command_has_a_handler() -> None:
    commands = set(typing.get_args(fx.Command))
    assert len(commands) == 12
    assert set(COMMAND_HANDLERS) == commands


def test_each_handler_is_named_after_its_command() -> None:
    for command, handler in COMMAND_HANDLERS.items():
        words = handler.__name__.strip("_").split("_")
        assert "".join(w.capitalize() for w in words) == command.__name__
