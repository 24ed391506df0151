"""Reaching an IMAP server and logging in (daemon.adapters.imap): the TLS context, the
host's name, an OAuth2 token or the password, which failures a retry may cure, and
imapclient's and the socket's exceptions translated into ours (daemon.adapters.mailerrors).
"""

from __future__ import annotations

import contextlib
import functools
import imaplib
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from imapclient import IMAPClient
from imapclient import exceptions as imap_exc

from daemon.adapters.mailerrors import (
    MailAuthError,
    MailConnectError,
    MailError,
    PermanentMailError,
    TransientMailError,
)
from daemon.config import ConfigError, ImapSettings

# RFC 5530 response codes after which the same command may succeed later.
_TRANSIENT_CODES = ("UNAVAILABLE", "INUSE", "OVERQUOTA", "LIMIT", "SERVERBUG", "EXPUNGEISSUED")

PasswordResolver = Callable[[], str | None]


@functools.lru_cache(maxsize=8)
def tls_context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    """One context per setting: loading the system CA store costs ~50 ms, and a context
    can be shared by any number of connections."""
    ctx = ssl.create_default_context(cafile=ca_file)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def oauth2_token(token_file: str | None, token_command: str | None, timeout: float) -> str:
    """Read an OAuth2 access token from a file or the stdout of a command."""
    try:
        if token_file:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        elif token_command:
            done = subprocess.run(
                token_command,
                shell=True,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
            token = done.stdout.strip()
        else:
            raise MailAuthError("auth = xoauth2 needs oauth2_token_file or oauth2_token_command")
    except (OSError, subprocess.SubprocessError) as exc:
        raise MailAuthError(f"could not obtain OAuth2 token: {exc}") from exc
    if not token:
        raise MailAuthError("OAuth2 token is empty")
    return token


def resolve_host(host: str, port: int) -> None:
    """Raise MailConnectError('dns') when the host name does not resolve."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MailConnectError("dns", f"cannot resolve {host!r}: {exc}") from exc


def _imap_error(exc: Exception, what: str) -> MailError:
    """Translate an imapclient/socket exception into ours."""
    text = f"{what}: {exc}"
    if isinstance(exc, imap_exc.IMAPClientAbortError | OSError | EOFError):
        return TransientMailError(text)
    if isinstance(exc, imaplib.IMAP4.error):
        message = str(exc).upper()
        if any(f"[{code}" in message for code in _TRANSIENT_CODES):
            return TransientMailError(text)
        return PermanentMailError(text)
    return MailError(text)


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    try:
        yield
    except MailError:
        raise
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        raise _imap_error(exc, what) from exc


def login(
    client: IMAPClient, settings: ImapSettings, password_resolver: PasswordResolver | None
) -> None:
    try:
        if settings.auth == "xoauth2":
            token = oauth2_token(
                settings.oauth2_token_file,
                settings.oauth2_token_command,
                float(settings.timeout_seconds),
            )
            client.oauth2_login(settings.username, token)
        else:
            password = password_resolver() if password_resolver else settings.secret()
            client.login(settings.username, password or "")
    except ConfigError as exc:  # the secret could not be read: say which key
        raise MailAuthError(str(exc)) from exc
    except imap_exc.LoginError as exc:
        raise MailAuthError(f"IMAP login as {settings.username!r} refused: {exc}") from exc
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        raise MailConnectError("protocol", f"IMAP login failed: {exc}") from exc


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, MailAuthError):
        return False
    if isinstance(exc, MailConnectError):
        return exc.stage in ("dns", "tcp", "protocol")
    return isinstance(exc, TransientMailError)
