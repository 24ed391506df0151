"""An office installs dunmail and runs it: the admin commands work with the shipped config
outside systemd, secrets are read only to log in, a mistyped --db is refused, missing
templates stop dunmail before the first cycle, and exit codes say what happened."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from daemon.cli import main
from tests.office_files import DEBTOR_EMAIL, NOW, write_credential, write_office
from tests.servers import MailAccount, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def dunmail(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_admin_commands_work_with_the_shipped_config_outside_systemd(tmp_path: Path) -> None:
    """The example names `credential = "imap-password"`; no $CREDENTIALS_DIRECTORY here.
    Before: every command failed with `imap.credential: $CREDENTIALS_DIRECTORY is not set`."""
    db = str(tmp_path / "office.db")
    base = ["--config", str(EXAMPLE), "--db", db]
    assert dunmail(*base, "init").exit_code == 0
    backup = ["db", "backup", str(tmp_path / "backup"), "--keep", "2"]  # the backup unit's
    for command in (["status"], ["queue", "list"], ["preview", "--date", "2026-05-20"], backup):
        result = dunmail(*base, *command)
        assert result.exit_code == 0, (command, result.output)
        assert "credential" not in result.output
    checked = dunmail("--config", str(EXAMPLE), "check-config")
    assert checked.exit_code == 0, checked.output


def test_connect_reads_the_credential_from_credentials_dir(
    tmp_path: Path, dovecot: MailAccount, smtp_server: SmtpServer
) -> None:
    config = write_office(
        tmp_path,
        db=tmp_path / "office.db",
        smtp_port=smtp_server.port,
        imap_port=dovecot.port,
        imap_user=dovecot.username,
    )
    dunmail("--config", str(config), "init")
    for run in (["run", "--once", "--now", NOW], ["run"]):  # refused before any cycle
        refused = dunmail("--config", str(config), *run)
        assert refused.exit_code == 1
        assert "cannot log in: imap.credential: no credential 'imap-password'" in refused.output
    missing = dunmail("--config", str(config), "check-config", "--connect")
    assert missing.exit_code == 1
    assert "FAIL imap.auth: imap.credential: no credential 'imap-password'" in missing.output
    creds = write_credential(tmp_path / "creds", "imap-password", dovecot.password)
    ok = dunmail(
        "--config", str(config), "--credentials-dir", str(creds), "check-config", "--connect"
    )
    assert ok.exit_code == 0, ok.output
    assert f"ok   imap.auth: logged in as {dovecot.username}" in ok.output
    logged_in = ["--config", str(config), "--credentials-dir", str(creds)]
    once = dunmail(*logged_in, "run", "--once", "--now", NOW)
    assert once.exit_code == 0 and "sent 0" in once.output, once.output  # nothing imported
    # The same through the environment, as documented.
    env_ok = dunmail(
        "--config", str(config), "check-config", "--connect",
        env={"DUNMAIL_CREDENTIALS_DIR": str(creds)},
    )  # fmt: skip
    assert env_ok.exit_code == 0, env_ok.output


@pytest.mark.parametrize(
    "command", [["status"], ["queue", "list"], ["invoices", "list"]], ids=" ".join
)
def test_a_missing_database_is_refused_not_created(tmp_path: Path, command: list[str]) -> None:
    nope = tmp_path / "nope.db"
    result = dunmail("--db", str(nope), *command)
    assert result.exit_code == 1
    assert f"database {nope} does not exist (--db)" in result.output
    assert f"dunmail --db {nope} init" in result.output
    assert not nope.exists()
    daemon = dunmail("--db", str(nope), "run")
    assert daemon.exit_code == 1 and "does not exist" in daemon.output
    assert not nope.exists() and not Path(f"{nope}.lock").exists()
    # Positive control: init creates it, then the same command works.
    assert dunmail("--db", str(nope), "init").exit_code == 0
    assert dunmail("--db", str(nope), *command).exit_code == 0


def test_missing_templates_stop_check_config_and_run_before_any_cycle(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "office.db"
    config = str(write_office(tmp_path, db=db, smtp_port=smtp_server.port))
    assert dunmail("--config", config, "init").exit_code == 0
    csv = str(tmp_path / "invoices.csv")
    assert dunmail("--config", config, "invoices", "import", csv).exit_code == 0
    good = dunmail("--config", config, "check-config")
    assert good.exit_code == 0 and "ok   templates: all found in" in good.output
    empty = tmp_path / "no-templates"
    empty.mkdir()
    monkeypatch.setenv("DUNMAIL_TEMPLATES", str(empty))
    checked = dunmail("--config", config, "check-config")
    assert checked.exit_code == 1
    assert f"FAIL templates: the template folder {empty} holds no templates" in checked.output
    (empty / "thank_you.en.txt.j2").write_text("Subject: thanks\n\nthanks\n")
    partial = dunmail("--config", config, "check-config")
    assert partial.exit_code == 1
    assert f"FAIL templates: {empty} lacks call_summary.en.txt.j2, courtesy.en.txt.j2" in (
        partial.output
    )
    assert "thank_you.en" not in partial.output
    run = dunmail("--config", config, "run", "--once", "--now", NOW)
    assert run.exit_code == 1 and "templates are missing" in run.output
    daemon = dunmail("--config", config, "run")
    assert daemon.exit_code == 1 and "templates are missing" in daemon.output
    previewed = dunmail("--config", config, "preview", "--date", "2026-05-20")
    assert f"warning: templates missing: {empty} lacks" in previewed.output
    assert smtp_server.received == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_run_once_exit_code_says_whether_the_sends_failed(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    def office(name: str) -> str:
        config = str(write_office(tmp_path / name, db=tmp_path / name / "office.db",
                                  smtp_port=smtp_server.port))  # fmt: skip
        assert dunmail("--config", config, "init").exit_code == 0
        csv = str(tmp_path / name / "invoices.csv")
        assert dunmail("--config", config, "invoices", "import", csv).exit_code == 0
        return config

    refused = office("refused")
    smtp_server.fail_next(550, stage="data")
    failed = dunmail("--config", refused, "run", "--once", "--now", NOW)
    assert failed.exit_code == 1, failed.output
    assert "failed 1" in failed.output and "the cycle had failures" in failed.output
    as_json = dunmail("--config", refused, "run", "--once", "--now", NOW, "--json")
    assert as_json.exit_code == 0  # nothing left to send, nothing failed in this cycle
    # A server that cannot be reached: the mail is deferred, and that is a failure too.
    unreachable = office("unreachable")
    text = Path(unreachable).read_text().replace(f"port = {smtp_server.port}", "port = 1")
    Path(unreachable).write_text(text)
    deferred = dunmail("--config", unreachable, "run", "--once", "--now", NOW)
    assert deferred.exit_code == 1 and "deferred 1" in deferred.output, deferred.output
    # Positive control: the same office against a server that accepts.
    accepted = office("accepted")
    sent = dunmail("--config", accepted, "run", "--once", "--now", NOW, "--json")
    assert sent.exit_code == 0, sent.output
    assert len(json.loads(sent.output)["drain"]["sent"]) == 1
    assert [m.rcpt_tos for m in smtp_server.received] == [(DEBTOR_EMAIL,)]


def test_check_config_reports_every_bad_identifier_in_one_run(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[office]\n"
        'email = "not-an-address"\n'
        'iban = "NL00ABNA0000000000"\n'
        'bic = "ABNANL2"\n'
        'vat_number = "NL123456789B01"\n'
        'registration = "KvK 1234567"\n'
        "[imap]\n"
        'port = "abc"\n'
        "[bank]\n"
        'accounts = ["NL91ABNA0417164300", "BE00539007547034"]\n'
        "[staff]\n"
        'addresses = ["ann@voorbeeld.test", "piet(at)voorbeeld.test"]\n'
    )
    result = dunmail("--config", str(config), "check-config")
    assert result.exit_code == 1
    out = result.output
    for expected in (
        "8 problem(s) in the configuration; fix them and check again",
        "FAIL config: office.email: 'not-an-address' is not a valid e-mail address",
        f"({config} line 2)",
        "office.iban: 'NL00ABNA0000000000' is not a valid IBAN",
        f"({config} line 3)",
        "office.bic: 'ABNANL2' is not a valid BIC",
        "office.vat_number: 'NL123456789B01' is not a valid EU VAT number",
        "office.registration: 'KvK 1234567': a KvK number has 8 digits",
        "imap.port: expected an integer, got 'abc'",
        "bank.accounts[1]: 'BE00539007547034' is not a valid IBAN",
        "staff.addresses[1]: 'piet(at)voorbeeld.test' is not a valid e-mail address",
    ):
        assert expected in out, f"{expected!r} missing in:\n{out}"
    assert out.count("FAIL config: ") == 8
    as_json = dunmail("--config", str(config), "check-config", "--json")
    listed = json.loads(as_json.output[: as_json.output.rindex("]") + 1])
    assert as_json.exit_code == 1 and len(listed) == 8 and not any(c["ok"] for c in listed)
    # Every other command refuses the file the same way, listing all of it.
    status = dunmail("--config", str(config), "--db", str(tmp_path / "x.db"), "status")
    assert status.exit_code == 1 and "8 problems in the configuration:" in status.output


@pytest.mark.parametrize(
    ("registration", "jurisdiction", "ok"),
    [
        ("KvK 12345678", "NL", True),
        ("KBO 0403.170.701", "BE", True),
        ("0403.170.702", "BE", False),
        ("HRB 12345", "DE", True),
    ],
    ids=["kvk", "be-enterprise-number", "be-bad-check-digits", "de-register-unchecked"],
)
def test_company_numbers(tmp_path: Path, registration: str, jurisdiction: str, ok: bool) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[office]\njurisdiction = "{jurisdiction}"\nregistration = "{registration}"\n'
    )
    result = dunmail("--config", str(config), "check-config")
    assert (result.exit_code == 0) is ok, result.output
