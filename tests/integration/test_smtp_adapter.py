"""daemon.adapters.smtp against a real aiosmtpd server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from daemon.adapters.mailerrors import (
    MailAuthError,
    MailConnectError,
    PermanentMailError,
    TransientMailError,
)
from daemon.adapters.smtp import RateLimiter, send_message, send_message_sync
from tests.servers import SmtpServer, free_port

pytestmark = pytest.mark.integration

RAW = (
    b"From: office@example.test\r\nTo: debtor@example.test\r\n"
    b"Subject: Herinnering F2026-0001\r\nMessage-ID: <reminder.F2026-0001.1@example.test>\r\n"
    b"\r\nBeste klant,\r\n.leading dot survives\r\n"
)
FROM = "office@example.test"


def send(server: SmtpServer, recipients: list[str], **overrides: object):  # type: ignore[no-untyped-def]
    return send_message_sync(
        server.smtp_settings(**overrides), RAW, mail_from=FROM, recipients=recipients
    )


def test_sends_the_exact_bytes(smtp_server: SmtpServer) -> None:
    result = send(smtp_server, ["debtor@example.test", "cc@example.test"])
    assert result.accepted == ["debtor@example.test", "cc@example.test"]
    assert result.refused == {}
    assert "accepted" in result.response
    [got] = smtp_server.received
    assert got.mail_from == FROM
    assert got.rcpt_tos == ("debtor@example.test", "cc@example.test")
    assert got.raw == RAW


def test_async_api(smtp_server: SmtpServer) -> None:
    settings = smtp_server.smtp_settings()
    result = asyncio.run(send_message(settings, RAW, mail_from=FROM, recipients=["a@example.test"]))
    assert result.accepted == ["a@example.test"]


@pytest.mark.parametrize(
    ("stage", "code", "error"),
    [
        ("mail", 451, TransientMailError),
        ("rcpt", 450, TransientMailError),
        ("data", 451, TransientMailError),
        ("mail", 550, PermanentMailError),
        ("data", 554, PermanentMailError),
    ],
    ids=[
        "451-on-mail-from",
        "450-greylisted-recipient",
        "451-on-data",
        "550-sender-refused",
        "554-content-refused",
    ],
)
def test_server_replies_become_our_errors(
    smtp_server: SmtpServer, stage: str, code: int, error: type[Exception]
) -> None:
    smtp_server.fail_next(code=code, count=1, stage=stage)
    with pytest.raises(error):
        send(smtp_server, ["debtor@example.test"])
    assert smtp_server.received == []
    send(smtp_server, ["debtor@example.test"])  # the failure was one-off; the session recovers
    assert len(smtp_server.received) == 1


def test_transient_failure_repeats_count_times(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(code=451, count=2)
    for _ in range(2):
        with pytest.raises(TransientMailError) as caught:
            send(smtp_server, ["debtor@example.test"])
        assert caught.value.code == 451
    assert send(smtp_server, ["debtor@example.test"]).accepted == ["debtor@example.test"]


def test_all_recipients_refused_is_permanent_and_names_them(smtp_server: SmtpServer) -> None:
    smtp_server.reject_recipient("gone@example.test", code=550)
    with pytest.raises(PermanentMailError) as caught:
        send(smtp_server, ["gone@example.test"])
    assert list(caught.value.recipients) == ["gone@example.test"]
    assert caught.value.recipients["gone@example.test"][0] == 550
    assert smtp_server.received == []


def test_some_recipients_refused_sends_to_the_rest(smtp_server: SmtpServer) -> None:
    smtp_server.reject_recipient("gone@example.test", code=550)
    result = send(smtp_server, ["debtor@example.test", "gone@example.test"])
    assert result.accepted == ["debtor@example.test"]
    assert result.refused["gone@example.test"][0] == 550
    assert smtp_server.received[0].rcpt_tos == ("debtor@example.test",)


def test_all_refused_with_a_temporary_refusal_is_transient(smtp_server: SmtpServer) -> None:
    smtp_server.reject_recipient("gone@example.test", code=550)
    smtp_server.reject_recipient("busy@example.test", code=452)
    with pytest.raises(TransientMailError):
        send(smtp_server, ["gone@example.test", "busy@example.test"])


def test_connection_refused_is_transient(smtp_server: SmtpServer) -> None:
    with pytest.raises(TransientMailError):
        send(smtp_server, ["debtor@example.test"], port=free_port())


@pytest.mark.parametrize(
    ("username", "password", "ok"),
    [("office", "s3cret", True), ("office", "wrong", False), ("nobody", "s3cret", False)],
    ids=["right-password", "wrong-password", "unknown-user"],
)
def test_auth(
    smtp_server_factory: Callable[..., SmtpServer], username: str, password: str, ok: bool
) -> None:
    server = smtp_server_factory(require_auth=True, users={"office": "s3cret"})
    if ok:
        send(server, ["debtor@example.test"], username=username, password=password)
        assert server.received[0].login == "office"
    else:
        with pytest.raises(MailAuthError):
            send(server, ["debtor@example.test"], username=username, password=password)
        assert server.received == []


def test_auth_required_but_not_configured_is_permanent(
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    server = smtp_server_factory(require_auth=True, users={"office": "s3cret"})
    with pytest.raises(PermanentMailError) as caught:
        send(server, ["debtor@example.test"])
    assert caught.value.code == 530


def test_xoauth2_token_from_command(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(require_auth=True)
    server.add_token("office@example.test", "ya29.token")
    send(
        server,
        ["debtor@example.test"],
        username="office@example.test",
        auth="xoauth2",
        oauth2_token_command="echo ya29.token",
    )
    assert server.received[0].login == "office@example.test"
    with pytest.raises(MailAuthError):
        send(
            server,
            ["debtor@example.test"],
            username="office@example.test",
            auth="xoauth2",
            oauth2_token_command="echo expired",
        )


@pytest.mark.parametrize("tls", ["starttls", "implicit"], ids=["starttls-587", "implicit-tls-465"])
def test_tls_with_verified_certificate(
    smtp_server_factory: Callable[..., SmtpServer], tls: str
) -> None:
    server = smtp_server_factory(tls=tls, require_auth=True, users={"office": "s3cret"})
    send(server, ["debtor@example.test"], username="office", password="s3cret")
    assert server.received[0].raw == RAW


@pytest.mark.parametrize("tls", ["starttls", "implicit"], ids=["starttls-587", "implicit-tls-465"])
def test_untrusted_certificate_fails_at_tls(
    smtp_server_factory: Callable[..., SmtpServer], tls: str
) -> None:
    server = smtp_server_factory(tls=tls)
    with pytest.raises(MailConnectError) as caught:
        send(server, ["debtor@example.test"], ca_file="")
    assert caught.value.stage == "tls"
    # tls_verify = false is the documented escape hatch for self-signed office servers.
    send(server, ["debtor@example.test"], ca_file="", tls_verify=False)
    assert len(server.received) == 1


def test_starttls_required_but_not_offered(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailConnectError) as caught:
        send(smtp_server, ["debtor@example.test"], security="starttls")
    assert caught.value.stage == "tls"


@pytest.mark.parametrize(
    ("per_minute", "sent_at", "now", "wait"),
    [
        (0, (0.0, 1.0, 2.0), 3.0, 0.0),
        (3, (0.0, 1.0), 2.0, 0.0),
        (3, (0.0, 1.0, 2.0), 3.0, 57.0),
        (3, (0.0, 1.0, 2.0), 60.0, 0.0),
        (2, (0.0, 10.0, 20.0), 30.0, 40.0),
    ],
    ids=[
        "unlimited",
        "below-limit",
        "limit-reached-wait-for-oldest",
        "oldest-left-the-window",
        "only-the-last-n-count",
    ],
)
def test_rate_limiter(per_minute: int, sent_at: tuple[float, ...], now: float, wait: float) -> None:
    limiter = RateLimiter(per_minute)
    for moment in sent_at:
        limiter = limiter.record(moment)
    assert limiter.wait_seconds(now) == pytest.approx(wait)
    assert len(limiter.sent) <= max(per_minute, 0)
