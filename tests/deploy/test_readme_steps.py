"""README's install and deploy steps, run for real as tests/deploy/readme_steps.sh: a venv
install from the clone, the config copied and edited, secrets in a credential store,
check-config --connect against Dovecot and SMTP, init, invoices and statement import,
preview; the units checked by systemd-analyze verify when it exists. And the script's
commands are the README's."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from daemon.demo import camt_statement
from tests.e2e.install_support import ROOT, clean_env, copy_tree
from tests.office_files import INVOICE
from tests.servers import MailAccount, SmtpServer

SCRIPT = ROOT / "tests" / "deploy" / "readme_steps.sh"
README = (ROOT / "README.md").read_text()


def readme_lines(script: str) -> list[str]:
    """The script's `# README` lines as the README writes them: "$ROOT" dropped, the
    keyboard stand-in (printf … |) left out."""
    lines = []
    for line in script.splitlines():
        if not line.rstrip().endswith("# README"):
            continue
        command = line.rsplit("# README", 1)[0].strip()
        command = re.sub(r'"\$ROOT(/[^"]*)"', r"\1", command)
        command = re.sub(r"^printf '%s' \"\$\{\w+:\?\}\" \| ", "", command)
        lines.append(command)
    return lines


def test_the_script_runs_the_readmes_commands() -> None:
    lines = readme_lines(SCRIPT.read_text())
    assert len(lines) >= 18
    for command in lines:
        assert command in README, f"README lacks the script's command:\n{command}"
    # And the other way round for the code blocks of the two sections.
    section = README[README.index("## Installing") : README.index("## Using it")]
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        for command in filter(None, (c.strip() for c in block.splitlines())):
            if command.startswith("git clone"):
                continue  # the script copies the tree under test instead
            assert any(command in line for line in lines), f"script lacks:\n{command}"


def _phase(phase: str, root: Path, **env: str) -> str:
    result = subprocess.run(
        ["bash", str(SCRIPT), phase],
        env=clean_env(ROOT=str(root), SYSTEMD="no", **env),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{phase}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_readme_deploy_steps_work_verbatim(
    tmp_path: Path, dovecot: MailAccount, smtp_server: SmtpServer
) -> None:
    root = tmp_path / "root"
    copy_tree(root / "opt" / "dunmail")  # what `git clone` gives
    _phase("install", root)
    # The admin edits /etc/dunmail/config.toml: the test's mail servers on loopback.
    config = root / "etc" / "dunmail" / "config.toml"
    text = config.read_text()
    for old, new in (
        ('host = "imap.example.com"\nport = 993', f'host = "127.0.0.1"\nport = {dovecot.port}'),
        ('host = "smtp.example.com"\nport = 587', f'host = "127.0.0.1"\nport = {smtp_server.port}'),
        ('security = "tls"', 'security = "plain"'),
        ('security = "starttls"', 'security = "plain"'),
        ('username = "debiteuren@voorbeeld-bv.nl"', f'username = "{dovecot.username}"'),
        ("/var/lib/dunmail/dunmail.db", f"{root}/var/lib/dunmail/dunmail.db"),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    config.write_text(text)
    smtp_server.add_user("debiteuren@voorbeeld-bv.nl", "smtp-secret")
    _phase("secrets", root, IMAP_PASSWORD=dovecot.password, SMTP_PASSWORD="smtp-secret")
    assert oct((root / "etc" / "credstore" / "imap-password").stat().st_mode)[-3:] == "600"
    units = _phase("units", root)
    if shutil.which("systemd-analyze"):
        assert "units verified" in units
    imports = tmp_path / "import"
    imports.mkdir()
    (imports / "invoices.csv").write_text(
        "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
        f"{INVOICE},D1,Klant B.V.,boekhouding@klant.example,2026-03-16,2026-04-15,1234.50\n"
    )
    (imports / "statement.xml").write_bytes(
        camt_statement(date(2026, 5, 19), [("42.00", "Iemand", "NL20INGB0001234567", "x")], 1)
    )
    out = _phase("setup", root, IMPORT_FROM=str(imports))
    assert "ok   imap.auth: logged in as" in out and "ok   smtp.auth" in out
    assert "ok   templates: all found in" in out
    assert "schema version" in out and "D1" in out  # init, then the preview's line
    assert (root / "var" / "lib" / "dunmail" / "dunmail.db").is_file()
    assert "start skipped: no systemd" in _phase("start", root)
