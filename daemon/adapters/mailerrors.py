"""The project's own mail errors: adapters translate library exceptions into these.

Callers decide on retry vs. bounce handling from the class alone: a
``TransientMailError`` is worth retrying later, a ``PermanentMailError`` is not.
"""

from __future__ import annotations

from typing import Literal

ConnectStage = Literal["dns", "tcp", "tls", "auth", "folder", "protocol"]
CONNECT_STAGES: tuple[ConnectStage, ...] = ("dns", "tcp", "tls", "auth", "folder", "protocol")


class MailError(Exception):
    """Base class of every error the IMAP/SMTP adapters raise."""


class TransientMailError(MailError):
    """Try again later: 4xx replies, timeouts, refused connections, network errors."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class PermanentMailError(MailError):
    """Retrying will not help: 5xx replies.

    ``recipients`` maps each refused address to its ``(code, server message)`` when the
    refusal was per recipient; it is empty when the whole transaction was refused.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        recipients: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.recipients: dict[str, tuple[int, str]] = dict(recipients or {})


class MailConnectError(MailError):
    """Could not get a usable session; ``stage`` names where it broke."""

    def __init__(self, stage: ConnectStage, message: str) -> None:
        if stage not in CONNECT_STAGES:
            raise ValueError(f"unknown connect stage {stage!r}")
        super().__init__(f"{stage}: {message}")
        self.stage: ConnectStage = stage
        self.detail = message


class MailAuthError(MailConnectError):
    """The server refused our credentials, or no password/token could be obtained."""

    def __init__(self, message: str) -> None:
        super().__init__("auth", message)
