"""`check-config --connect` reports the stage that fails, against real servers."""

from __future__ import annotations

import concurrent.futures
import socket
from collections.abc import Callable

import pytest

from daemon.app.connectivity import CheckStep, check_imap, check_smtp
from tests.servers import MailAccount, SmtpServer, free_port

pytestmark = pytest.mark.integration

UNRESOLVABLE = "dunmail-check.invalid"  # RFC 2606: .invalid never resolves


@pytest.fixture(scope="module")
def resolver_fails_fast() -> None:
    """Skip the DNS cases when this machine's resolver hangs on .invalid names."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(socket.getaddrinfo, UNRESOLVABLE, 25)
    try:
        future.result(timeout=3)
    except socket.gaierror:
        return
    except concurrent.futures.TimeoutError:
        pytest.skip("the resolver does not fail fast on .invalid names")
    finally:
        pool.shutdown(wait=False)
    pytest.skip(f"{UNRESOLVABLE} unexpectedly resolves here")


def failing(steps: list[CheckStep]) -> list[str]:
    return [s.name for s in steps if not s.ok]


def test_imap_all_good_reports_missing_dunmail_folders(dovecot: MailAccount) -> None:
    dovecot.create_folder("Sent")
    steps = check_imap(dovecot.imap_settings())
    assert failing(steps) == []
    assert [s.name for s in steps[:4]] == ["dns", "tcp", "tls", "auth"]
    details = " | ".join(s.detail for s in steps)
    assert "'dunmail/processed' is missing (dunmail.processed)" in details
    assert "'Sent' exists" in details
    assert "IDLE" in details
    assert dovecot.folders() == ["INBOX", "Sent"]  # the check changed nothing


def test_imap_create_missing_creates_the_folders(dovecot: MailAccount) -> None:
    steps = check_imap(dovecot.imap_settings(), create_missing=True)
    assert failing(steps) == []
    assert {"dunmail/processed", "dunmail/review", "Sent"} <= set(dovecot.folders())


@pytest.mark.parametrize(
    ("overrides", "stage"),
    [
        ({"port": "free"}, "tcp"),
        ({"password": "wrong"}, "auth"),
        ({"security": "starttls"}, "tls"),
        ({"mailbox": "Nope"}, "mailbox"),
    ],
    ids=["wrong-port", "bad-password", "starttls-not-offered", "mailbox-missing"],
)
def test_imap_names_the_failing_stage(
    dovecot: MailAccount, overrides: dict[str, object], stage: str
) -> None:
    if overrides.get("port") == "free":
        overrides = {"port": free_port()}
    steps = check_imap(dovecot.imap_settings(**overrides))
    assert failing(steps) == [stage]
    assert steps[-1].name == stage or stage == "mailbox"


def test_imap_unresolvable_host_is_dns(dovecot: MailAccount, resolver_fails_fast: None) -> None:
    steps = check_imap(dovecot.imap_settings(host=UNRESOLVABLE))
    assert [(s.name, s.ok) for s in steps] == [("dns", False)]
    assert UNRESOLVABLE in steps[0].detail


def test_smtp_all_good(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(tls="starttls", users={"office": "s3cret"})
    steps = check_smtp(server.smtp_settings(username="office", password="s3cret"))
    assert [(s.name, s.ok) for s in steps] == [
        ("dns", True),
        ("tcp", True),
        ("tls", True),
        ("auth", True),
    ]
    assert server.received == []  # nothing is sent


@pytest.mark.parametrize(
    ("overrides", "stage"),
    [
        ({"port": "free"}, "tcp"),
        ({"username": "office", "password": "wrong"}, "auth"),
        ({"security": "starttls"}, "tls"),
    ],
    ids=["wrong-port", "bad-password", "starttls-not-offered"],
)
def test_smtp_names_the_failing_stage(
    smtp_server_factory: Callable[..., SmtpServer], overrides: dict[str, object], stage: str
) -> None:
    server = smtp_server_factory(users={"office": "s3cret"})
    if overrides.get("port") == "free":
        overrides = {"port": free_port()}
    steps = check_smtp(server.smtp_settings(**overrides))
    assert failing(steps) == [stage]
    assert steps[-1].name == stage


def test_smtp_unresolvable_host_is_dns(smtp_server: SmtpServer, resolver_fails_fast: None) -> None:
    steps = check_smtp(smtp_server.smtp_settings(host=UNRESOLVABLE))
    assert [(s.name, s.ok) for s in steps] == [("dns", False)]
