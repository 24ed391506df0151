"""Real mail servers on loopback for integration and end-to-end tests.

``DovecotServer`` runs the installed Dovecot with a throw-away configuration under a temp
directory; ``MailAccount`` is one user on it (cheap: a line in a passwd-file that Dovecot
re-reads on change). ``SmtpServer`` is an aiosmtpd Controller that records what it
receives and can be told to refuse. Fixtures live in tests/conftest.py.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from imapclient import IMAPClient

from daemon.config import ImapSettings, SmtpSettings

READY_TIMEOUT_S = 10.0
USER_POOL = 1000
POOL_PASSWORD = "secret"
# Advertised by the "minimal" Dovecot: no MOVE, no IDLE — exercises the fallbacks.
MINIMAL_IMAP_CAPABILITY = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS NAMESPACE"


class ServerUnavailable(RuntimeError):
    """The server software is missing or would not start here."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Poll until something accepts on 127.0.0.1:port (bounded)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def dovecot_version() -> tuple[int, int] | None:
    if shutil.which("dovecot") is None:
        return None
    out = subprocess.run(["dovecot", "--version"], capture_output=True, text=True, check=False)
    match = re.match(r"(\d+)\.(\d+)", out.stdout.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


# -- Dovecot ------------------------------------------------------------------------------


def _mail_owner() -> tuple[int, int, str, str]:
    """uid, gid for mail, and the login/internal users Dovecot's processes run as."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("mail")  # Dovecot refuses uid 0 for mail access
        return mail.pw_uid, mail.pw_gid, _existing_user("dovenull"), _existing_user("dovecot")
    me = pwd.getpwuid(os.geteuid())
    return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name


def _existing_user(name: str) -> str:
    try:
        pwd.getpwnam(name)
    except KeyError as exc:
        raise ServerUnavailable(
            f"system user {name!r} missing (is dovecot-core installed?)"
        ) from exc
    return name


def _dovecot_conf(root: Path, port: int, version: tuple[int, int], capability: str | None) -> str:
    uid, gid, login_user, internal_user = _mail_owner()
    common = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
auth_mechanisms = plain login xoauth2
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_max_userip_connections = 100
# Tests log in with wrong passwords on purpose: no failure delay, and no per-IP penalty
# (auth disables it when it cannot reach anvil's penalty socket).
auth_failure_delay = 0
stats_writer_socket_path =
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
    if capability:
        common += f"protocol imap {{\n  imap_capability = {capability}\n}}\n"
    if version >= (2, 4):
        return f"""dovecot_config_version = {version[0]}.{version[1]}.0
dovecot_storage_version = {version[0]}.{version[1]}.0
{common}
auth_allow_cleartext = yes
mail_driver = maildir
mail_home = {root}/mail/%{{user}}
mail_path = {root}/mail/%{{user}}
namespace inbox {{
  inbox = yes
  separator = .
}}
passdb passwd-file {{
  passwd_file_path = {root}/passwd
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {root}/mail/%{{user}}
  }}
}}
"""
    return f"""{common}
disable_plaintext_auth = no
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = .
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
"""


@dataclass
class DovecotServer:
    """A running Dovecot instance on 127.0.0.1:port with its own config and mail."""

    root: Path
    port: int
    conf: Path
    _proc: subprocess.Popen[bytes] | None = None
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, capability: str | None = None) -> DovecotServer:
        version = dovecot_version()
        if version is None:
            raise ServerUnavailable("dovecot is not installed (apt-get install dovecot-imapd)")
        # Not under pytest's basetemp: that is mode 0700 and Dovecot's mail uid must
        # be able to reach the maildirs.
        root = Path(tempfile.mkdtemp(prefix="dunmail-dovecot-"))
        root.chmod(0o755)
        uid, gid, _, _ = _mail_owner()
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        os.chown(root / "mail", uid, gid)
        # Dovecot re-reads the passwd-file at most once a second, so a user appended
        # right after a login may stay unknown for up to a second: pre-create a pool.
        (root / "passwd").write_text(
            "".join(f"user{n}:{{PLAIN}}{POOL_PASSWORD}\n" for n in range(1, USER_POOL + 1))
        )
        port = free_port()
        conf = root / "dovecot.conf"
        conf.write_text(_dovecot_conf(root, port, version, capability))
        # Foreground (-F) so we are the master's parent and can reap it: this container's
        # pid 1 does not reap orphans, which makes a daemonized master look alive forever.
        err = (root / "start.err").open("wb")
        proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
        err.close()
        server = cls(root=root, port=port, conf=conf, _proc=proc)
        try:
            server._wait_ready()
        except ServerUnavailable:
            server.stop()
            raise
        return server

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def add_user(self, name: str | None = None, password: str = POOL_PASSWORD) -> MailAccount:
        """A fresh, empty account: the next one of the pool, or a named one."""
        with self._lock:
            number = next(self._counter)
        if name is None and password == POOL_PASSWORD and number <= USER_POOL:
            return MailAccount(server=self, username=f"user{number}", password=password)
        name = name or f"extra{number}"
        with self._lock, (self.root / "passwd").open("a") as f:
            f.write(f"{name}:{{PLAIN}}{password}\n")
        account = MailAccount(server=self, username=name, password=password)
        account.wait_until_known()
        return account

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                errors = (self.root / "start.err").read_text(errors="replace").strip()
                raise ServerUnavailable(f"dovecot exited at start-up: {errors}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise ServerUnavailable(f"dovecot not listening on {self.port}: {exc}") from exc
                time.sleep(0.02)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()  # what `doveadm stop` does: SIGTERM to the master
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class MailAccount:
    """One user on a DovecotServer, with helpers that talk IMAP on a separate connection."""

    server: DovecotServer
    username: str
    password: str

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self.server.port

    def imap_settings(self, **overrides: Any) -> ImapSettings:
        base = ImapSettings(
            host="127.0.0.1",
            port=self.server.port,
            security="plain",
            username=self.username,
            password=self.password,
            timeout_seconds=10,
        )
        return replace(base, **overrides)

    @contextlib.contextmanager
    def client(self) -> Iterator[IMAPClient]:
        c = IMAPClient("127.0.0.1", port=self.server.port, ssl=False, timeout=10)
        try:
            c.login(self.username, self.password)
            yield c
        finally:
            with contextlib.suppress(Exception):
                c.logout()

    def wait_until_known(self, timeout_s: float = 3.0) -> None:
        """Poll a LOGIN until Dovecot has re-read its passwd-file (bounded)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with self.client():
                    return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    @staticmethod
    def _server_name(mailbox: str) -> str:
        return mailbox if mailbox.upper() == "INBOX" else mailbox.replace("/", ".")

    def deliver(self, raw: bytes, mailbox: str = "INBOX", flags: tuple[str, ...] = ()) -> int:
        """APPEND a message; returns its UID."""
        name = self._server_name(mailbox)
        with self.client() as c:
            if not c.folder_exists(name):
                c.create_folder(name)
            response = c.append(name, raw, flags=list(flags))
        match = re.search(rb"\[APPENDUID \d+ (\d+)\]", response)
        assert match, response
        return int(match.group(1))

    def create_folder(self, mailbox: str) -> None:
        with self.client() as c:
            c.create_folder(self._server_name(mailbox))

    def folders(self) -> list[str]:
        """Folder names, with ``/`` as the separator like the settings use."""
        with self.client() as c:
            return sorted(
                (name if name == "INBOX" else name.replace(".", "/"))
                for _f, _d, name in c.list_folders()
            )

    def uids(self, mailbox: str = "INBOX") -> list[int]:
        with self.client() as c:
            c.select_folder(self._server_name(mailbox), readonly=True)
            return sorted(c.search("ALL"))

    def messages(self, mailbox: str = "INBOX") -> list[bytes]:
        with self.client() as c:
            c.select_folder(self._server_name(mailbox), readonly=True)
            got = c.fetch(c.search("ALL"), ["BODY.PEEK[]"])
            return [got[uid][b"BODY[]"] for uid in sorted(got)]

    def flags(self, mailbox: str = "INBOX") -> dict[int, set[str]]:
        with self.client() as c:
            c.select_folder(self._server_name(mailbox), readonly=True)
            got = c.get_flags(c.search("ALL"))
            return {uid: {f.decode() for f in fl} for uid, fl in got.items()}

    def uidvalidity(self, mailbox: str = "INBOX") -> int:
        with self.client() as c:
            status = c.folder_status(self._server_name(mailbox), ["UIDVALIDITY"])
            return int(status[b"UIDVALIDITY"])


# -- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    login: str | None


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        # AUTH is enforced here rather than with aiosmtpd's auth_required, which warns on
        # every connection when combined with auth_require_tls=False.
        if self._server.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        failure = self._server._take_failure("mail")
        if failure:
            return failure
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        failure = self._server._take_failure("rcpt")
        if failure:
            return failure
        code = self._server._rejected.get(address.lower())
        if code is not None:
            return f"{code} {'5.1.1' if code >= 500 else '4.2.0'} <{address}> refused by test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self._server._take_failure("data")
        if failure:
            return failure
        login = session.login_data.decode() if isinstance(session.login_data, bytes) else None
        self._server._record(
            ReceivedMail(
                envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content, login
            )
        )
        return "250 2.0.0 Message accepted"

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        # Initial response: base64("user=" u "\x01auth=Bearer " token "\x01\x01").
        try:
            decoded = base64.b64decode(args[1]).decode()
            fields = dict(p.split("=", 1) for p in decoded.split("\x01") if "=" in p)
            user, token = fields["user"], fields["auth"].removeprefix("Bearer ")
        except (IndexError, ValueError, KeyError):
            return AuthResult(success=False, handled=False)
        ok = self._server._tokens.get(user) == token
        return AuthResult(success=ok, handled=False, auth_data=LoginPassword(user.encode(), b""))


@dataclass
class SmtpServer:
    """aiosmtpd on loopback; records every accepted message, refuses when told."""

    users: dict[str, str] = field(default_factory=dict)
    require_auth: bool = False
    tls: str = "none"  # "none" | "starttls" | "implicit"
    cert_file: str | None = None
    key_file: str | None = None
    received: list[ReceivedMail] = field(default_factory=list)
    port: int = 0
    _tokens: dict[str, str] = field(default_factory=dict)
    _failures: list[tuple[str, str]] = field(default_factory=list)
    _rejected: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if self.tls != "none":
            assert self.cert_file and self.key_file
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.cert_file, self.key_file)
            if self.tls == "starttls":
                kwargs["tls_context"] = ctx
            else:
                kwargs["ssl_context"] = ctx
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            ready_timeout=READY_TIMEOUT_S,
            **kwargs,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = self.users.get(data.login.decode()) == data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=data)

    # -- steering ------------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> None:
        self.users[username] = password

    def add_token(self, username: str, token: str) -> None:
        self._tokens[username] = token

    def fail_next(self, code: int = 451, count: int = 1, stage: str = "data") -> None:
        """Answer the next ``count`` commands of ``stage`` (mail|rcpt|data) with ``code``."""
        assert stage in ("mail", "rcpt", "data")
        text = "4.3.0 try again later (test)" if code < 500 else "5.7.1 refused (test)"
        with self._lock:
            self._failures.extend([(stage, f"{code} {text}")] * count)

    def reject_recipient(self, address: str, code: int = 550) -> None:
        self._rejected[address.lower()] = code

    def _take_failure(self, stage: str) -> str | None:
        with self._lock:
            for i, (s, reply) in enumerate(self._failures):
                if s == stage:
                    del self._failures[i]
                    return reply
        return None

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.received.append(mail)

    def smtp_settings(self, **overrides: Any) -> SmtpSettings:
        security = {"none": "plain", "starttls": "starttls", "implicit": "tls"}[self.tls]
        base = SmtpSettings(
            host="127.0.0.1",
            port=self.port,
            security=security,  # type: ignore[arg-type]
            timeout_seconds=10,
            ca_file=self.cert_file or "",
        )
        return replace(base, **overrides)


def make_self_signed_cert(directory: Path) -> tuple[str, str] | None:
    """(cert, key) for CN=localhost / IP 127.0.0.1 via the openssl CLI; None if unavailable."""
    if shutil.which("openssl") is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True,
        check=False,
    )  # fmt: skip
    return (str(cert), str(key)) if done.returncode == 0 else None
