"""Copies of sent mail in the office's Sent folder (IMAP): one lazily opened session per
outbox drain; a failed copy never blocks sending and is tried again at the next drain."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from daemon.adapters.mailerrors import MailError
from daemon.adapters.store import outbox as outbox_store
from daemon.adapters.store.db import Store
from daemon.config import Config

ImapFactory = Callable[[], Any]


class CopyReport(Protocol):
    """What a copy counts in (the drain's report)."""

    copied: int
    errors: list[str]


def default_imap_factory(config: Config) -> ImapFactory | None:
    if not config.imap.configured:
        return None
    from daemon.adapters.imap import ImapMailbox

    return lambda: ImapMailbox.connect(config.imap)


def _copy(imap: Any, config: Config, store: Store, row: dict[str, Any], search: bool) -> None:
    folder = config.imap.sent_folder
    if not (search and imap.search_header(folder, "Message-ID", row["message_id"])):
        imap.append(folder, row["raw"], flags=("\\Seen",))
    outbox_store.set_in_sent_folder(store, row["id"])


class ImapSession:
    """One lazily opened IMAP session for the whole drain."""

    def __init__(self, factory: ImapFactory | None) -> None:
        self.factory, self.box, self.broken = factory, None, False

    def get(self) -> Any:
        if self.factory is None or self.broken:
            return None
        if self.box is None:
            self.box = self.factory()
        return self.box

    def close(self) -> None:
        if self.box is not None:
            with contextlib.suppress(Exception):
                self.box.logout()


def copy_row(
    imap: ImapSession,
    config: Config,
    store: Store,
    row: dict[str, Any],
    search: bool,
    report: CopyReport,
) -> None:
    try:
        box = imap.get()
        if box is None:
            return
        _copy(box, config, store, row, search)
        report.copied += 1
    except (MailError, OSError) as exc:
        imap.broken = True
        report.errors.append(f"copy to {config.imap.sent_folder} failed: {exc}")
