"""daemon.adapters.imap against a real Dovecot on loopback."""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.adapters.imap import DONE_KEYWORD, ImapMailbox, connect_with_retry
from daemon.adapters.mailerrors import MailAuthError, MailConnectError
from tests.servers import MailAccount, free_port

pytestmark = pytest.mark.integration


def mail(n: int, *, message_id: str | None = None, body: str = "hello") -> bytes:
    mid = message_id or f"<msg{n}@example.test>"
    return (
        f"From: debtor{n}@example.test\r\nTo: office@example.test\r\n"
        f"Subject: message {n}\r\nMessage-ID: {mid}\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def box(dovecot: MailAccount) -> Iterator[ImapMailbox]:
    mailbox = ImapMailbox.connect(dovecot.imap_settings())
    yield mailbox
    mailbox.logout()


def test_fetch_returns_exact_bytes_and_tz_aware_dates(
    dovecot: MailAccount, box: ImapMailbox
) -> None:
    raws = [mail(n) for n in (1, 2, 3)]
    uids = [dovecot.deliver(raw) for raw in raws]
    box.select("INBOX")
    assert box.uids_after(0) == uids
    fetched = box.fetch(reversed(uids))
    assert [m.uid for m in fetched] == uids
    assert [m.raw for m in fetched] == raws
    assert all(not m.too_large and m.size == len(m.raw or b"") for m in fetched)
    assert all(m.internaldate is not None and m.internaldate.tzinfo for m in fetched)


@pytest.mark.parametrize(
    ("cursor_index", "expected_indexes"),
    [(None, [0, 1, 2]), (0, [1, 2]), (2, [])],
    ids=["from-scratch", "after-first", "cursor-at-newest-star-range-quirk"],
)
def test_uids_after_cursor(
    dovecot: MailAccount, box: ImapMailbox, cursor_index: int | None, expected_indexes: list[int]
) -> None:
    uids = [dovecot.deliver(mail(n)) for n in (1, 2, 3)]
    box.select("INBOX")
    cursor = 0 if cursor_index is None else uids[cursor_index]
    assert box.uids_after(cursor) == [uids[i] for i in expected_indexes]


def test_too_large_message_gets_header_only_and_is_marked(dovecot: MailAccount) -> None:
    small = mail(1)
    big = mail(2, body="x" * 5000)
    uids = [dovecot.deliver(small), dovecot.deliver(big)]
    with ImapMailbox.connect(dovecot.imap_settings(max_message_bytes=1000)) as box:
        box.select("INBOX")
        first, second = box.fetch(uids)
    assert first.raw == small and not first.too_large
    assert second.too_large and second.raw is None and second.size == len(big)
    assert second.header is not None and b"Message-ID: <msg2@example.test>" in second.header
    assert b"xxxx" not in second.header
    assert dovecot.uids("INBOX") == uids  # never dropped


def test_move_maps_slash_folders_to_server_delimiter(
    dovecot: MailAccount, box: ImapMailbox
) -> None:
    uids = [dovecot.deliver(mail(n)) for n in (1, 2)]
    box.select("INBOX")
    box.move(uids[:1], "dunmail/processed")
    assert box.server_folder("dunmail/processed") == "dunmail.processed"
    assert "dunmail/processed" in dovecot.folders()
    assert dovecot.messages("dunmail/processed") == [mail(1)]
    assert dovecot.uids("INBOX") == uids[1:]


def test_without_move_copies_and_marks_instead_of_deleting(dovecot_minimal: MailAccount) -> None:
    uid = dovecot_minimal.deliver(mail(1))
    with ImapMailbox.connect(dovecot_minimal.imap_settings()) as box:
        assert not box.has_move
        box.select("INBOX")
        box.move([uid], "dunmail/processed")
    assert dovecot_minimal.messages("dunmail/processed") == [mail(1)]
    flags = dovecot_minimal.flags("INBOX")
    assert DONE_KEYWORD in flags[uid] and "\\Deleted" not in flags[uid]


def test_add_flags(dovecot: MailAccount, box: ImapMailbox) -> None:
    uid = dovecot.deliver(mail(1))
    box.select("INBOX")
    box.add_flags([uid], ["\\Seen", "$DunmailReview"])
    assert {"\\Seen", "$DunmailReview"} <= dovecot.flags("INBOX")[uid]


def test_append_creates_sent_folder_and_returns_uid(dovecot: MailAccount, box: ImapMailbox) -> None:
    raw = mail(7, message_id="<reminder.F1.2@office.test>")
    uid = box.append("Sent", raw)
    assert uid is not None
    assert dovecot.uids("Sent") == [uid]
    assert dovecot.messages("Sent") == [raw]
    assert "\\Seen" in dovecot.flags("Sent")[uid]


def test_search_header_is_exact_and_keeps_the_selection(
    dovecot: MailAccount, box: ImapMailbox
) -> None:
    wanted = dovecot.deliver(mail(1, message_id="<reminder.F1.1@office.test>"), "Sent")
    dovecot.deliver(mail(2, message_id="<reminder.F1.10@office.test>"), "Sent")
    dovecot.deliver(mail(3, message_id="<x.reminder.F1.1@office.test>"), "Sent")
    inbox_uid = dovecot.deliver(mail(4))
    box.select("INBOX")
    assert box.search_header("Sent", "Message-ID", "<reminder.F1.1@office.test>") == [wanted]
    assert box.search_header("Sent", "Message-ID", "<reminder.F9.1@office.test>") == []
    assert box.search_header("Outbox", "Message-ID", "<reminder.F1.1@office.test>") == []
    assert box.uids_after(0) == [inbox_uid]  # INBOX is selected again


def test_uidvalidity_matches_server_and_changes_on_recreate(dovecot: MailAccount) -> None:
    dovecot.create_folder("Incoming")
    with ImapMailbox.connect(dovecot.imap_settings()) as box:
        first = box.select("Incoming")
    assert first == dovecot.uidvalidity("Incoming")
    with dovecot.client() as c:
        c.delete_folder("Incoming")
        c.create_folder("Incoming")
    with ImapMailbox.connect(dovecot.imap_settings()) as box:
        assert box.select("Incoming") != first


def test_idle_wakes_up_when_mail_arrives(dovecot: MailAccount, box: ImapMailbox) -> None:
    box.select("INBOX")
    assert box.has_idle
    delivery = threading.Thread(target=dovecot.deliver, args=(mail(1),))
    started = time.monotonic()
    delivery.start()
    try:
        woke = box.idle_wait(timeout_s=5)
    finally:
        delivery.join(timeout=5)
    assert woke and time.monotonic() - started < 5
    assert len(box.uids_after(0)) == 1  # the session is usable after IDLE


def test_idle_times_out_quietly_without_mail(box: ImapMailbox) -> None:
    box.select("INBOX")
    assert box.idle_wait(timeout_s=0.2) is False


def test_without_idle_returns_at_once_so_the_caller_polls(dovecot_minimal: MailAccount) -> None:
    with ImapMailbox.connect(dovecot_minimal.imap_settings()) as box:
        box.select("INBOX")
        assert not box.has_idle
        assert box.idle_wait(timeout_s=30) is False


def _token_file(tmp_path: Path, token: str) -> dict[str, str]:
    path = tmp_path / "token"
    path.write_text(token + "\n")
    return {"oauth2_token_file": str(path)}


def _token_command(tmp_path: Path, token: str) -> dict[str, str]:
    return {"oauth2_token_command": f"echo {shlex.quote(token)}"}


@pytest.mark.parametrize(
    "source", [_token_file, _token_command], ids=["token-file", "token-command"]
)
def test_xoauth2_login(dovecot: MailAccount, tmp_path: Path, source) -> None:  # type: ignore[no-untyped-def]
    # This Dovecot's passdb checks the bearer token like a password.
    settings = dovecot.imap_settings(
        auth="xoauth2", password=None, **source(tmp_path, dovecot.password)
    )
    with ImapMailbox.connect(settings) as box:
        assert box.select("INBOX") > 0


@pytest.mark.parametrize(
    ("overrides", "stage"),
    [
        ({"password": "wrong"}, "auth"),
        ({"auth": "xoauth2", "oauth2_token_command": "exit 3"}, "auth"),
        ({"security": "starttls"}, "tls"),
    ],
    ids=["bad-password", "token-command-fails", "starttls-not-offered"],
)
def test_connect_failures_name_the_stage(
    dovecot: MailAccount, overrides: dict[str, str], stage: str
) -> None:
    with pytest.raises(MailConnectError) as caught:
        ImapMailbox.connect(dovecot.imap_settings(**overrides))
    assert caught.value.stage == stage
    assert isinstance(caught.value, MailAuthError) == (stage == "auth")


def test_connect_with_retry_backs_off_then_gives_up(dovecot: MailAccount) -> None:
    slept: list[float] = []
    settings = dovecot.imap_settings(port=free_port())
    with pytest.raises(MailConnectError) as caught:
        connect_with_retry(settings, attempts=4, max_wait=3, sleep=slept.append)
    assert caught.value.stage == "tcp"
    assert slept == [1, 2, 3]  # exponential, capped at max_wait


def test_connect_with_retry_does_not_retry_bad_credentials(dovecot: MailAccount) -> None:
    slept: list[float] = []
    with pytest.raises(MailAuthError):
        connect_with_retry(dovecot.imap_settings(password="nope"), attempts=4, sleep=slept.append)
    assert slept == []
