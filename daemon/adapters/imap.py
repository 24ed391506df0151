"""Thin IMAP adapter over imapclient: one session, our errors, never deletes mail.

Folder names in settings use ``/`` as the hierarchy separator; the adapter maps them to
the server's delimiter and personal namespace prefix (``dunmail/review`` becomes
``dunmail.review`` on a Maildir++ Dovecot, ``INBOX.dunmail.review`` on Courier).
Reaching the server and logging in, and our errors for its failures, are in
daemon.adapters.imap_login.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import tenacity
from imapclient import IMAPClient

from daemon.adapters.imap_login import (
    PasswordResolver,
    login,
    oauth2_token,
    resolve_host,
    retryable,
    tls_context,
    translated,
)
from daemon.adapters.mailerrors import MailConnectError
from daemon.config import ImapSettings

# What callers import from here (the login helpers live in daemon.adapters.imap_login).
__all__ = [
    "DONE_KEYWORD",
    "FetchedMessage",
    "ImapMailbox",
    "PasswordResolver",
    "connect_with_retry",
    "oauth2_token",
    "tls_context",
]

DONE_KEYWORD = "$DunmailDone"
_FETCH_CHUNK_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One message as fetched. ``raw`` is None when ``too_large``; ``header`` is set then."""

    uid: int
    raw: bytes | None
    size: int
    internaldate: datetime | None
    too_large: bool
    header: bytes | None = None


class ImapMailbox:
    """One logged-in IMAP session. Create with ``ImapMailbox.connect``."""

    def __init__(self, client: IMAPClient, settings: ImapSettings) -> None:
        self._client = client
        self._settings = settings
        self._selected: str | None = None
        self._known_folders: set[str] = set()
        self._prefix, self._delimiter = self._namespace()

    # -- session -------------------------------------------------------------------------

    @classmethod
    def connect(
        cls, settings: ImapSettings, password_resolver: PasswordResolver | None = None
    ) -> ImapMailbox:
        """Resolve, connect, secure and log in; MailConnectError says which stage failed."""
        resolve_host(settings.host, settings.port)
        ctx = tls_context(settings.tls_verify, settings.ca_file)
        timeout = float(settings.timeout_seconds)
        try:
            client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == "tls",
                ssl_context=ctx,
                timeout=timeout,
            )
            client.normalise_times = False  # keep INTERNALDATE tz-aware
        except ssl.SSLError as exc:
            raise MailConnectError("tls", f"TLS handshake with {settings.host}: {exc}") from exc
        except (OSError, EOFError) as exc:
            where = f"{settings.host}:{settings.port}"
            raise MailConnectError("tcp", f"cannot connect to {where}: {exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise MailConnectError("protocol", f"bad IMAP greeting: {exc}") from exc
        try:
            if settings.security == "starttls":
                try:
                    client.starttls(ctx)
                except (ssl.SSLError, imaplib.IMAP4.error, OSError) as exc:
                    raise MailConnectError("tls", f"STARTTLS failed: {exc}") from exc
            login(client, settings, password_resolver)
            return cls(client, settings)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise

    def logout(self) -> None:
        try:
            self._client.logout()
        except (imaplib.IMAP4.error, OSError, EOFError):
            with contextlib.suppress(Exception):
                self._client.shutdown()

    def __enter__(self) -> ImapMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    def capabilities(self) -> frozenset[str]:
        with translated("CAPABILITY"):
            caps = self._client.capabilities()
        return frozenset(c.decode("ascii", "replace").upper() for c in caps)

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities()

    @property
    def has_move(self) -> bool:
        return "MOVE" in self.capabilities()

    # -- folders -------------------------------------------------------------------------

    def _namespace(self) -> tuple[str, str]:
        with translated("NAMESPACE"):
            if self._client.has_capability("NAMESPACE"):
                personal = self._client.namespace().personal
                if personal:
                    prefix, delimiter = personal[0]
                    return _text(prefix), _text(delimiter) if delimiter else "/"
            listed = self._client.list_folders("", "")
        delimiter = _text(listed[0][1]) if listed and listed[0][1] else "/"
        return "", delimiter

    def server_folder(self, name: str) -> str:
        """Map a ``/``-separated folder name from the settings to the server's name."""
        if name.upper() == "INBOX":
            return "INBOX"
        parts = [p for p in name.split("/") if p]
        server_name = self._delimiter.join(parts)
        if self._prefix and not server_name.startswith(self._prefix):
            server_name = self._prefix + server_name
        return server_name

    def folders(self) -> list[str]:
        with translated("LIST"):
            return [_text(name) for _flags, _delim, name in self._client.list_folders()]

    def folder_exists(self, name: str) -> bool:
        server_name = self.server_folder(name)
        with translated("LIST"):
            return bool(self._client.folder_exists(server_name))

    def ensure_folder(self, name: str) -> str:
        """Create the folder (and its parents) when missing; return the server's name."""
        server_name = self.server_folder(name)
        if server_name in self._known_folders:
            return server_name
        parts = server_name.split(self._delimiter)
        with translated(f"CREATE {server_name}"):
            for depth in range(1, len(parts) + 1):
                path = self._delimiter.join(parts[:depth])
                if path == self._prefix.rstrip(self._delimiter) or path.upper() == "INBOX":
                    continue
                if not self._client.folder_exists(path):
                    self._client.create_folder(path)
                    # Subscribed so the office sees dunmail's folders in its mail client.
                    with contextlib.suppress(imaplib.IMAP4.error):
                        self._client.subscribe_folder(path)
        self._known_folders.add(server_name)
        return server_name

    def select(self, mailbox: str) -> int:
        """Select ``mailbox`` read-write and return its UIDVALIDITY."""
        server_name = self.server_folder(mailbox)
        with translated(f"SELECT {server_name}"):
            info = self._client.select_folder(server_name)
        self._selected = server_name
        return int(info[b"UIDVALIDITY"])

    # -- reading -------------------------------------------------------------------------

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid`` in the selected mailbox, ascending."""
        with translated("UID SEARCH"):
            found = self._client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID, even when it is below n.
        return sorted(uid for uid in found if uid > last_uid)

    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
        """Fetch messages by UID; larger than max_message_bytes → header only, too_large."""
        wanted = sorted(set(uids))
        if not wanted:
            return []
        with translated("FETCH RFC822.SIZE"):
            meta = self._client.fetch(wanted, ["RFC822.SIZE", "INTERNALDATE"])
        limit = self._settings.max_message_bytes
        sizes = {uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in meta.items()}
        small = [uid for uid in wanted if uid in sizes and sizes[uid] <= limit]
        large = [uid for uid in wanted if uid in sizes and sizes[uid] > limit]
        bodies: dict[int, bytes] = {}
        for chunk in _chunks_by_size(small, sizes, _FETCH_CHUNK_BYTES):
            with translated("FETCH BODY.PEEK[]"):
                got = self._client.fetch(chunk, ["BODY.PEEK[]"])
            bodies.update({uid: data[b"BODY[]"] for uid, data in got.items() if b"BODY[]" in data})
        headers: dict[int, bytes] = {}
        if large:
            with translated("FETCH BODY.PEEK[HEADER]"):
                got = self._client.fetch(large, ["BODY.PEEK[HEADER]"])
            headers = {uid: data.get(b"BODY[HEADER]", b"") for uid, data in got.items()}
        out: list[FetchedMessage] = []
        for uid in wanted:
            if uid not in sizes or (uid in bodies) == (uid in headers):
                continue  # expunged by someone else between the two FETCHes
            out.append(
                FetchedMessage(
                    uid=uid,
                    raw=bodies.get(uid),
                    size=sizes[uid],
                    internaldate=meta[uid].get(b"INTERNALDATE"),
                    too_large=uid in headers,
                    header=headers.get(uid),
                )
            )
        return out

    def search_header(self, folder: str, header: str, value: str) -> list[int]:
        """UIDs in ``folder`` whose ``header`` equals ``value`` (exact, case-insensitive)."""
        server_name = self.server_folder(folder)
        if not self.folder_exists(folder):
            return []  # e.g. no Sent folder yet: the message is certainly not there
        previous = self._selected
        with translated(f"SEARCH {server_name}"):
            self._client.select_folder(server_name, readonly=True)
            self._selected = None
            try:
                candidates = self._client.search(["HEADER", header, value])
                if not candidates:
                    return []
                section = f"BODY.PEEK[HEADER.FIELDS ({header.upper()})]"
                got = self._client.fetch(candidates, [section])
            finally:
                if previous is not None:
                    self._client.select_folder(previous)
                    self._selected = previous
        wanted = value.strip().lower()
        hits = []
        for uid, data in got.items():
            blob = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
            if wanted in _header_values(blob, header):
                hits.append(uid)
        return sorted(hits)

    # -- writing (never deletes or expunges) ---------------------------------------------

    def add_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
        uid_list = sorted(set(uids))
        if uid_list:
            with translated("STORE +FLAGS"):
                self._client.add_flags(uid_list, list(flags), silent=True)

    def remove_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
        uid_list = sorted(set(uids))
        if uid_list:
            with translated("STORE -FLAGS"):
                self._client.remove_flags(uid_list, list(flags), silent=True)

    def refile(self, message_id: str, source: str, target: str) -> int:
        """Move the message(s) with this Message-ID from folder ``source`` to ``target``, for
        a decision that changed after the message was filed (a move gives it a new UID, so it
        is found again by its header). The selected mailbox stays selected. Returns how many
        were moved: 0 when it is no longer in ``source`` (someone moved it by hand)."""
        uids = self.search_header(source, "Message-ID", message_id)
        if not uids:
            return 0
        previous = self._selected
        server_name = self.server_folder(source)
        with translated(f"SELECT {server_name}"):
            self._client.select_folder(server_name)
            self._selected = server_name
        try:
            self.move(uids, target)
        finally:
            if previous is not None and previous != server_name:
                with translated(f"SELECT {previous}"):
                    self._client.select_folder(previous)
                    self._selected = previous
        return len(uids)

    def move(self, uids: Iterable[int], folder: str) -> None:
        """Move to ``folder``; without MOVE, copy and mark the originals $DunmailDone."""
        uid_list = sorted(set(uids))
        if not uid_list:
            return
        target = self.ensure_folder(folder)
        if self.has_move:
            with translated(f"MOVE {target}"):
                self._client.move(uid_list, target)
            return
        with translated(f"COPY {target}"):
            self._client.copy(uid_list, target)
        self.add_flags(uid_list, [DONE_KEYWORD])

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[str] = ("\\Seen",),
        msg_time: datetime | None = None,
    ) -> int | None:
        """APPEND to ``folder`` (created if missing); the new UID when the server says it."""
        target = self.ensure_folder(folder)
        with translated(f"APPEND {target}"):
            response = self._client.append(target, raw, flags=list(flags), msg_time=msg_time)
        match = re.search(rb"\[APPENDUID \d+ (\d+)\]", response or b"")
        return int(match.group(1)) if match else None

    # -- waiting -------------------------------------------------------------------------

    def idle_wait(self, timeout_s: float) -> bool:
        """IDLE up to ``timeout_s``; True when the server announced new mail.

        Without IDLE support returns False at once, so the caller polls instead.
        """
        if not self.has_idle:
            return False
        with translated("IDLE"):
            responses: list[Any] = []
            self._client.idle()
            try:
                responses += list(self._client.idle_check(timeout=timeout_s))
            finally:
                responses.extend(_done_responses(self._client))
                # idle_check leaves the socket blocking forever; restore our timeout.
                self._client.socket().settimeout(float(self._settings.timeout_seconds))
        return any(_is_new_mail(r) for r in responses)


def _done_responses(client: IMAPClient) -> list[Any]:
    _text_reply, extra = client.idle_done()
    return list(extra or [])


def _is_new_mail(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS",)


def _chunks_by_size(uids: list[int], sizes: dict[int, int], budget: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    total = 0
    for uid in uids:
        if chunk and total + sizes[uid] > budget:
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += sizes[uid]
    if chunk:
        yield chunk


def _header_values(blob: bytes, header: str) -> set[str]:
    """Unfolded values of ``header`` in a header block, lower-cased."""
    text = blob.decode("utf-8", "replace").replace("\r\n", "\n")
    unfolded = re.sub(r"\n[ \t]+", " ", text)
    prefix = header.lower() + ":"
    return {
        line[len(prefix) :].strip().lower()
        for line in unfolded.split("\n")
        if line.lower().startswith(prefix)
    }


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def connect_with_retry(
    settings: ImapSettings,
    *,
    attempts: int = 5,
    max_wait: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
    password_resolver: PasswordResolver | None = None,
) -> ImapMailbox:
    """``ImapMailbox.connect`` with capped exponential backoff on transient failures.

    Authentication and TLS failures are not retried: they need a person to fix them.
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=1, min=1, max=max_wait),
        retry=tenacity.retry_if_exception(retryable),
        sleep=sleep,
        reraise=True,
    )
    return retrying(ImapMailbox.connect, settings, password_resolver)
