"""Thin SMTP adapter over aiosmtplib: send one message, translate failures into ours.

Error contract for callers (the outbox):
- ``TransientMailError``: 4xx, timeouts, refused/broken connections, DNS failure → retry later.
- ``PermanentMailError``: 5xx on MAIL FROM or DATA, or every recipient refused with 5xx
  (``.recipients`` says who) → bounce handling, never resend as is.
- ``MailAuthError`` / ``MailConnectError("tls")``: configuration problems → retry later and
  tell a person; the message itself is fine.
- Some recipients refused: no exception; ``SendResult.refused`` lists them.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiosmtplib

from daemon.adapters.imap import oauth2_token, tls_context
from daemon.adapters.mailerrors import (
    MailAuthError,
    MailConnectError,
    PermanentMailError,
    TransientMailError,
)
from daemon.config import ConfigError, SmtpSettings


@dataclass(frozen=True, slots=True)
class SendResult:
    accepted: list[str]
    refused: dict[str, tuple[int, str]]
    response: str


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def open_session(settings: SmtpSettings) -> aiosmtplib.SMTP:
    """Connect, secure and authenticate; MailConnectError says which stage failed."""
    try:
        await asyncio.get_running_loop().getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise MailConnectError("dns", f"cannot resolve {settings.host!r}: {exc}") from exc
    client = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.security == "tls",
        start_tls=False,
        tls_context=tls_context(settings.tls_verify, settings.ca_file or None),
        timeout=float(settings.timeout_seconds),
    )
    try:
        await client.connect()
    except (aiosmtplib.SMTPException, OSError) as exc:
        if _caused_by_tls(exc):
            raise MailConnectError("tls", f"TLS handshake with {settings.host}: {exc}") from exc
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            raise MailConnectError("protocol", f"greeting refused: {exc}") from exc
        where = f"{settings.host}:{settings.port}"
        raise MailConnectError("tcp", f"cannot connect to {where}: {exc}") from exc
    try:
        if settings.security == "starttls":
            try:
                await client.starttls()
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise MailConnectError("tls", f"STARTTLS failed: {exc}") from exc
        if settings.username:
            await _authenticate(client, settings)
    except BaseException:
        client.close()
        raise
    return client


async def _authenticate(client: aiosmtplib.SMTP, settings: SmtpSettings) -> None:
    try:
        if settings.auth == "xoauth2":
            token = oauth2_token(
                settings.oauth2_token_file,
                settings.oauth2_token_command,
                float(settings.timeout_seconds),
            )
            await client.ehlo()
            await client.auth_xoauth2(settings.username, token)
        else:
            await client.login(settings.username, settings.secret() or "")
    except ConfigError as exc:  # the secret could not be read: say which key
        raise MailAuthError(str(exc)) from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise MailAuthError(f"SMTP login as {settings.username!r} refused: {exc}") from exc
    except aiosmtplib.SMTPException as exc:
        if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError):
            raise MailConnectError("protocol", f"SMTP AUTH failed: {exc}") from exc
        raise MailAuthError(f"SMTP AUTH not possible: {exc}") from exc


def _response_error(exc: aiosmtplib.SMTPResponseException, what: str) -> Exception:
    text = f"{what}: {exc.code} {exc.message}"
    if 400 <= exc.code < 500:
        return TransientMailError(text, code=exc.code)
    return PermanentMailError(text, code=exc.code)


async def send_message(
    settings: SmtpSettings, raw: bytes, *, mail_from: str, recipients: Sequence[str]
) -> SendResult:
    """Send ``raw`` as is (no header rewriting) to ``recipients``."""
    if not recipients:
        raise PermanentMailError("no recipients")
    try:
        client = await open_session(settings)
    except MailConnectError as exc:
        if exc.stage in ("dns", "tcp", "protocol"):
            raise TransientMailError(str(exc)) from exc
        raise
    try:
        options = ["SMTPUTF8"] if not all(a.isascii() for a in [mail_from, *recipients]) else []
        refused, response = await client.sendmail(
            mail_from, list(recipients), raw, mail_options=options
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        by_address = {r.recipient: (r.code, r.message) for r in exc.recipients}
        if all(code >= 500 for code, _ in by_address.values()):
            raise PermanentMailError(
                f"all recipients refused: {by_address}", recipients=by_address
            ) from exc
        raise TransientMailError(f"recipients refused (some temporarily): {by_address}") from exc
    except aiosmtplib.SMTPSenderRefused as exc:
        raise _response_error(exc, f"MAIL FROM {mail_from}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise _response_error(exc, "DATA") from exc
    except (aiosmtplib.SMTPException, OSError) as exc:  # timeouts, disconnects, 8BITMIME…
        raise TransientMailError(f"SMTP send failed: {exc}") from exc
    finally:
        await _quit(client)
    refused_map = {addr: (int(code), str(msg)) for addr, (code, msg) in refused.items()}
    accepted = [r for r in recipients if r not in refused_map]
    return SendResult(accepted=accepted, refused=refused_map, response=response)


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        if client.is_connected:
            await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


def send_message_sync(
    settings: SmtpSettings, raw: bytes, *, mail_from: str, recipients: Sequence[str]
) -> SendResult:
    """``send_message`` for callers without an event loop (the CLI)."""
    return asyncio.run(send_message(settings, raw, mail_from=mail_from, recipients=recipients))


@dataclass(frozen=True, slots=True)
class RateLimiter:
    """Sliding one-minute window; pure: the caller passes monotonic seconds in.

    ``per_minute == 0`` means unlimited.
    """

    per_minute: int
    sent: tuple[float, ...] = field(default=())

    def wait_seconds(self, now: float) -> float:
        """How long to wait before the next send is allowed (0.0 = send now)."""
        if self.per_minute <= 0:
            return 0.0
        recent = [t for t in self.sent if now - t < 60.0]
        if len(recent) < self.per_minute:
            return 0.0
        return max(0.0, recent[-self.per_minute] + 60.0 - now)

    def record(self, now: float) -> RateLimiter:
        """The limiter after a send at ``now``."""
        if self.per_minute <= 0:
            return self
        recent = tuple(t for t in self.sent if now - t < 60.0)
        return RateLimiter(self.per_minute, (*recent, now)[-self.per_minute :])
