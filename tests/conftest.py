"""Shared fixtures: a real Dovecot IMAP server and a real SMTP server on loopback.

``dovecot`` gives each test a fresh account on one session-wide Dovecot;
``dovecot_minimal`` the same on a Dovecot that advertises neither MOVE nor IDLE.
``smtp_server`` is a plain recording SMTP server; ``smtp_server_factory`` builds ones with
AUTH and/or TLS. Implementation: tests/servers.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import pytest

from tests.hermetic import CLEARED, SET, in_ci, make_hermetic
from tests.servers import (
    MINIMAL_IMAP_CAPABILITY,
    DovecotServer,
    MailAccount,
    ServerUnavailable,
    SmtpServer,
    make_self_signed_cert,
)

# Hermetic from the first import on: session fixtures and subprocesses see it too.
make_hermetic(os.environ)


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Again for every test (a test may have changed os.environ): no test reads the
    machine's /etc/dunmail, a ./config.toml, /etc/credstore or DUNMAIL_* settings."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in SET.items():
        monkeypatch.setenv(name, value)


def unavailable(reason: str) -> NoReturn:
    """In CI a missing server is a failure; on a workstation it is a skip."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def _start_dovecot(capability: str | None) -> DovecotServer:
    try:
        return DovecotServer.start(capability=capability)
    except ServerUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    server = _start_dovecot(None)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_minimal_server() -> Iterator[DovecotServer]:
    server = _start_dovecot(MINIMAL_IMAP_CAPABILITY)
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> MailAccount:
    """A fresh, empty account on the shared Dovecot."""
    return dovecot_server.add_user()


@pytest.fixture
def dovecot_minimal(dovecot_minimal_server: DovecotServer) -> MailAccount:
    return dovecot_minimal_server.add_user()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    made = make_self_signed_cert(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("no openssl CLI to make a test certificate")
    return made


@pytest.fixture
def smtp_server_factory(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., SmtpServer]]:
    started: list[SmtpServer] = []

    def make(*, tls: str = "none", **kwargs: Any) -> SmtpServer:
        if tls != "none":
            cert, key = request.getfixturevalue("tls_cert")
            kwargs.update(cert_file=cert, key_file=key)
        server = SmtpServer(tls=tls, **kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """A plain SMTP server without AUTH that accepts everything unless told otherwise."""
    return smtp_server_factory()


# -- corpus scores in the test output -----------------------------------------------------
# The corpus tests print per-category tables (precision/recall per intent, checks per bank
# source). pytest hides captured output of passing tests, so collect it and show it at the end
# of every run, CI included.
_SCORES: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "tests/corpus/" in report.nodeid and report.capstdout.strip():
        _SCORES.append((report.nodeid, report.capstdout.strip()))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _SCORES:
        return
    terminalreporter.section("corpus scores")
    for nodeid, text in _SCORES:
        terminalreporter.write_line(nodeid)
        for line in text.splitlines():
            terminalreporter.write_line("    " + line)
