"""`dunmail check-config --connect`: say exactly where the mail servers fail.

Each check walks the stages in order (dns → tcp → tls → auth → folders) and stops at the
first failure, so the last step is the one to fix. Nothing is created or changed on the
server unless ``create_missing`` is asked for; a missing dunmail folder is reported but is
not a failure, because the daemon creates it on first use.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from daemon.adapters.imap import ImapMailbox
from daemon.adapters.mailerrors import MailConnectError, MailError
from daemon.adapters.smtp import open_session
from daemon.config import ImapSettings, SmtpSettings

_STAGES = ("dns", "tcp", "tls", "auth")


@dataclass(frozen=True, slots=True)
class CheckStep:
    name: str
    ok: bool
    detail: str


def _connect_steps(
    host: str, port: int, security: str, username: str, failure: MailConnectError | None
) -> list[CheckStep]:
    """Steps up to and including the failing stage (all of them when ``failure`` is None)."""
    passed = {
        "dns": f"{host} resolves",
        "tcp": f"connected to {host}:{port}",
        "tls": "not used (security = plain)" if security == "plain" else f"{security} handshake ok",
        "auth": f"logged in as {username}" if username else "no login configured",
    }
    steps: list[CheckStep] = []
    for stage in _STAGES:
        if failure is not None and failure.stage == stage:
            steps.append(CheckStep(stage, False, failure.detail))
            return steps
        steps.append(CheckStep(stage, True, passed[stage]))
    if failure is not None:  # e.g. "protocol": a broken greeting or login exchange
        steps.append(CheckStep(failure.stage, False, failure.detail))
    return steps


def check_imap(settings: ImapSettings, *, create_missing: bool = False) -> list[CheckStep]:
    """Connect and log in, then check the mailbox and dunmail's folders."""
    try:
        box = ImapMailbox.connect(settings)
    except MailConnectError as exc:
        return _connect_steps(settings.host, settings.port, settings.security, "", exc)
    except MailError as exc:
        return [CheckStep("protocol", False, str(exc))]
    steps = _connect_steps(settings.host, settings.port, settings.security, settings.username, None)
    try:
        steps.append(_check_mailbox(box, settings.mailbox))
        folders = [settings.review_folder, settings.sent_folder]
        if settings.mark_mode == "move":
            folders.insert(0, settings.processed_folder)
        steps.extend(_check_folder(box, name, create_missing) for name in folders)
        steps.append(
            CheckStep(
                "idle",
                True,
                "server offers IDLE"
                if box.has_idle
                else f"no IDLE: will poll every {settings.poll_seconds}s",
            )
        )
    except MailError as exc:
        steps.append(CheckStep("folder", False, str(exc)))
    finally:
        box.logout()
    return steps


def _check_mailbox(box: ImapMailbox, name: str) -> CheckStep:
    if not box.folder_exists(name):
        return CheckStep("mailbox", False, f"mailbox {name!r} does not exist")
    uidvalidity = box.select(name)
    return CheckStep("mailbox", True, f"mailbox {name!r} selectable (UIDVALIDITY {uidvalidity})")


def _check_folder(box: ImapMailbox, name: str, create: bool) -> CheckStep:
    server_name = box.server_folder(name)
    if box.folder_exists(name):
        return CheckStep("folder", True, f"{name!r} exists ({server_name})")
    if create:
        box.ensure_folder(name)
        return CheckStep("folder", True, f"{name!r} created ({server_name})")
    # Not a failure: the daemon creates its folders itself (ImapMailbox.ensure_folder).
    return CheckStep(
        "folder", True, f"{name!r} is missing ({server_name}); dunmail creates it on first use"
    )


def check_smtp(settings: SmtpSettings) -> list[CheckStep]:
    """Connect, secure and authenticate; send nothing."""
    return asyncio.run(_check_smtp(settings))


async def _check_smtp(settings: SmtpSettings) -> list[CheckStep]:
    try:
        client = await open_session(settings)
    except MailConnectError as exc:
        return _connect_steps(settings.host, settings.port, settings.security, "", exc)
    try:
        await client.quit()
    except Exception:
        client.close()
    return _connect_steps(settings.host, settings.port, settings.security, settings.username, None)
