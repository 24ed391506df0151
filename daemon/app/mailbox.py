"""What an ingestion pass talks to (the mailbox, as daemon.adapters.imap.ImapMailbox offers
it) and what it reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from daemon.adapters.imap import FetchedMessage
from daemon.config import ImapSettings


class MailboxClient(Protocol):
    """The parts of daemon.adapters.imap.ImapMailbox ingestion uses."""

    def select(self, mailbox: str) -> int: ...
    def uids_after(self, last_uid: int) -> list[int]: ...
    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]: ...
    def move(self, uids: Iterable[int], folder: str) -> None: ...
    def add_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None: ...
    def remove_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None: ...
    def refile(self, message_id: str, source: str, target: str) -> int: ...
    def idle_wait(self, timeout_s: float) -> bool: ...
    @property
    def has_idle(self) -> bool: ...


@dataclass
class PassReport:
    fetched: int = 0
    stored: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    server_actions: int = 0
    errors: list[str] = field(default_factory=list)
    stopped_early: bool = False  # asked to stop; the rest waits for the next pass

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "stored": self.stored,
            "outcomes": self.outcomes,
            "server_actions": self.server_actions,
            "errors": self.errors,
            "stopped_early": self.stopped_early,
        }


def account_of(imap: ImapSettings) -> str:
    return f"{imap.username}@{imap.host}"
