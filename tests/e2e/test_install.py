"""An office installs dunmail like any Python service and it works: built as sdist and
wheel, installed into a fresh virtualenv outside the source tree, the installed `dunmail`
runs a full cycle against real Dovecot and SMTP servers and delivers a reminder; the
installed `dunmail demo` tells its whole story. Also an editable install finds the
templates. Needs pip to reach its index for the dependencies (pip's cache makes it quick)."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.e2e.install_support import ROOT, Built, build_dists, clean_env, copy_tree, make_venv, run
from tests.office_files import DEBTOR_EMAIL, INVOICE, NOW, write_credential, write_office
from tests.servers import MailAccount, SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

TEMPLATES = sorted(p.name for p in (ROOT / "templates").glob("*.j2"))
PRESETS = sorted(p.name for p in (ROOT / "parsers" / "mappings").glob("*.toml"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = copy_tree(tmp_path_factory.mktemp("clone") / "dunmail")
    return build_dists(source, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """bin/ of a fresh virtualenv holding the wheel with its demo extra."""
    home = tmp_path_factory.mktemp("venv")
    env = make_venv(home / "dunmail", f"{built.wheel}[demo]", cwd=home)
    yield env / "bin"


def dunmail(bin_dir: Path, *args: str, cwd: Path, timeout: float = 120) -> str:
    return run([str(bin_dir / "dunmail"), *args], cwd=cwd, timeout=timeout)


def test_sdist_and_wheel_carry_the_templates_and_data_files(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = wheel.namelist()
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("daemon/templates/")) == (
        TEMPLATES
    )
    assert "daemon/py.typed" in names and "parsers/py.typed" in names
    # The column-mapping presets of `invoices import --mapping` (read with importlib.resources).
    assert PRESETS and {f"parsers/mappings/{p}" for p in PRESETS} <= set(names)
    with tarfile.open(built.sdist) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {f"templates/{t}" for t in TEMPLATES} <= members
    assert {f"parsers/mappings/{p}" for p in PRESETS} <= members
    for data in (
        "config.example.toml",
        "README.md",
        "systemd/dunmail.service",
        "systemd/dunmail-backup.service",
        "systemd/dunmail-backup.timer",
    ):
        assert data in members, data


def test_the_installed_daemon_delivers_a_reminder(
    installed: Path, tmp_path: Path, dovecot: MailAccount, smtp_server: SmtpServer
) -> None:
    where = run(
        [str(installed / "python"), "-c", "import daemon; print(daemon.__file__)"], cwd=tmp_path
    )
    assert where.startswith(str(installed.parent)) and "site-packages" in where
    office = tmp_path / "office"
    config = write_office(
        office,
        db=office / "dunmail.db",
        smtp_port=smtp_server.port,
        imap_port=dovecot.port,
        imap_user=dovecot.username,
    )
    creds = write_credential(tmp_path / "credstore", "imap-password", dovecot.password)
    base = ["--config", str(config), "--credentials-dir", str(creds)]
    checked = dunmail(installed, *base, "check-config", "--connect", cwd=office)
    assert "ok   templates: all found in " + str(installed.parent) in checked
    dunmail(installed, *base, "init", cwd=office)
    dunmail(installed, *base, "invoices", "import", str(office / "invoices.csv"), cwd=office)
    out = dunmail(installed, *base, "run", "--once", "--now", NOW, cwd=office)
    assert "sent 1, deferred 0, failed 0" in out, out
    [mail] = smtp_server.received
    assert mail.rcpt_tos == (DEBTOR_EMAIL,)
    message = message_from_bytes(mail.raw, policy=policy.default)
    assert INVOICE in message.get_body(("plain",)).get_content()
    [copy] = dovecot.messages("Sent")  # the installed daemon filed its copy over IMAP
    assert message["Message-ID"] in copy.decode()


def test_the_installed_demo_tells_its_story(installed: Path, tmp_path: Path) -> None:
    out = dunmail(installed, "demo", "--seconds", "25", cwd=tmp_path, timeout=240)
    assert "Bakkerij De Gouden Korst replies (promise)" in out
    assert "F2026-0803: paid" in out and "mails sent: 0" not in out


def test_the_demo_fails_when_its_story_does_not_happen(installed: Path, tmp_path: Path) -> None:
    """No templates: nothing can be sent, and the demo must say so with exit code 1."""
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(
        [str(installed / "dunmail"), "demo", "--seconds", "10"],
        cwd=tmp_path,
        env=clean_env(DUNMAIL_TEMPLATES=str(empty)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"templates are missing: the template folder {empty} holds no" in result.stdout


def test_an_editable_install_finds_the_templates(tmp_path: Path) -> None:
    source = copy_tree(tmp_path / "checkout")
    env = make_venv(tmp_path / "venv", "-e", str(source), cwd=tmp_path)
    found = run(
        [
            str(env / "bin" / "python"),
            "-c",
            "from daemon.adapters.templates import templates_dir; print(templates_dir())",
        ],
        cwd=tmp_path,
    )
    assert found.strip() == str(source / "templates")
    checked = run([str(env / "bin" / "dunmail"), "check-config"], cwd=tmp_path)
    assert f"ok   templates: all found in {source / 'templates'}" in checked
