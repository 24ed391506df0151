"""Configuration: every key documented, errors that name the key and the line, secrets."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from pathlib import Path

import pytest

from daemon.config import (
    Config,
    ConfigError,
    LadderSettings,
    LadderStep,
    load_config,
    parse_config,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def toml_fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.metadata.get("toml", True)]


def test_example_config_loads_with_its_secrets(tmp_path: Path) -> None:
    (tmp_path / "imap-password").write_text("s3cret\n")
    (tmp_path / "smtp-password").write_text("other\n")
    config = load_config(EXAMPLE, {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert config.imap.secret() == "s3cret"
    assert config.smtp.secret() == "other"
    assert config.office.tz.key == "Europe/Amsterdam"
    assert "key-account" in config.ladders


def test_example_documents_every_key() -> None:
    data = tomllib.loads(EXAMPLE.read_text())
    for section in toml_fields(Config):
        if section == "ladders":
            continue
        cls = typing.get_type_hints(Config)[section]
        assert section in data, f"[{section}] missing from config.example.toml"
        missing = set(toml_fields(cls)) - set(data[section])
        assert not missing, f"[{section}] does not document {sorted(missing)}"
    ladder = data["ladders"]["b2b"]
    assert set(toml_fields(LadderSettings)) <= set(ladder)
    step_keys = set().union(*(set(step) for step in ladder["steps"]))
    assert set(toml_fields(LadderStep)) <= step_keys


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "[imap]\nhost = 'x'\n\nport = 'abc'\n",
            "imap.port: expected an integer, got 'abc' (config.toml line 4)",
            id="wrong-type",
        ),
        pytest.param("[imap]\nprot = 143\n", "imap.prot: unknown key", id="unknown-key"),
        pytest.param(
            "[smtp]\npassword = 'hunter2'\n",
            "smtp.password: secrets never live in the TOML",
            id="secret-in-toml",
        ),
        pytest.param(
            "[office]\ntimezone = 'Mars/Olympus'\n",
            "office.timezone: unknown time zone",
            id="bad-timezone",
        ),
        pytest.param(
            "[office]\nlanguage = 'es'\n", "office.language: expected one of", id="bad-language"
        ),
        pytest.param(
            "[dunning]\nmin_open_amount = 'five'\n", "dunning.min_open_amount:", id="bad-amount"
        ),
        pytest.param(
            "[dunning]\nladder_b2c = 'nope'\n",
            "dunning.ladder_b2c: no ladder named 'nope'",
            id="unknown-ladder",
        ),
        pytest.param(
            "[ladders.x]\nsteps = [{ name = 'a' }]\n",
            "ladders.x.steps[0].template: required",
            id="ladder-step-missing-key",
        ),
        pytest.param(
            "[dunning]\nsend_start = '17:30'\nsend_end = '09:00'\n",
            "dunning.send_end: '09:00' must come after send_start '17:30' (config.toml line 3)",
            id="window-backwards",
        ),
        pytest.param(
            "[dunning]\nsend_start = '9h'\n", "dunning.send_start: expected HH:MM", id="bad-time"
        ),
        pytest.param("[imap\n", "not valid TOML", id="broken-toml"),
        pytest.param(
            "[invoices]\npdf_dir = 'pdfs'\n",
            "invoices.pdf_dir: expected an absolute folder path, got 'pdfs' (config.toml line 2)",
            id="pdf-dir-relative",
        ),
        pytest.param(
            "[invoices]\npdf_dir = '/'\n", "invoices.pdf_dir: '/' would allow", id="pdf-dir-root"
        ),
        pytest.param(
            "[invoices]\npdf_max_bytes = 100000000\n",
            "invoices.pdf_max_bytes: expected 1024 to 18874368 bytes",
            id="pdf-max-bytes-too-big",
        ),
        pytest.param(
            "[intake.invoices]\nmapping = 'exact-onlien'\n",
            "intake.invoices.mapping: no mapping 'exact-onlien'",
            id="unknown-folder-mapping",
        ),
        pytest.param(
            "[intake.statements]\nmapping = 'datev-opos-debitoren'\n",
            "intake.statements.mapping: bank statements are read by their own format",
            id="statements-folder-mapping",
        ),
    ],
)
def test_config_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert message in str(info.value)


def test_password_from_file_and_world_readable_warning(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("pw\n")
    os.chmod(secret, 0o644)
    conf = tmp_path / "config.toml"
    conf.write_text(f"[imap]\nhost = 'h'\npassword_file = '{secret}'\n")
    os.chmod(conf, 0o644)
    config = load_config(conf, {})
    assert config.imap.secret() == "pw"
    assert any("readable by every user" in w for w in config.warnings)
    os.chmod(conf, 0o600)
    os.chmod(secret, 0o600)
    assert load_config(conf, {}).warnings == ()


def test_password_from_environment(tmp_path: Path) -> None:
    conf = tmp_path / "c.toml"
    conf.write_text("[smtp]\nhost = 'h'\npassword_env = 'SMTP_PW'\n")
    assert load_config(conf, {"SMTP_PW": "x"}).smtp.secret() == "x"
    unset = load_config(conf, {})  # loading never reads a secret ...
    with pytest.raises(ConfigError, match=r"smtp\.password_env: .*SMTP_PW is not set"):
        unset.smtp.secret()  # ... logging in does


def test_defaults_without_a_file() -> None:
    config = load_config(None, {})
    assert config.office.jurisdiction == "NL"
    assert config.ladder("b2c").steps[3].formal_notice
