"""Secrets are read when a mail server is logged in to, never when the config is loaded;
`credential = NAME` is found where systemd finds it, also for an admin outside systemd."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.config import ConfigError, SecretSource, load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def test_the_shipped_config_loads_without_any_secret_at_hand() -> None:
    """The example names systemd credentials; outside systemd it must still load."""
    config = load_config(EXAMPLE, {})
    assert config.imap.credential == "imap-password"
    assert config.imap.password is None


def test_credential_from_credentials_directory(tmp_path: Path) -> None:
    (tmp_path / "imap-password").write_text("from-systemd\n")
    config = load_config(EXAMPLE, {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert config.imap.secret() == "from-systemd"


def test_credentials_dir_option_wins_over_the_environment(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "smtp-password").write_text("admin\n")
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path / "elsewhere")}
    config = load_config(EXAMPLE, env, credentials_dir=str(tmp_path / "mine"))
    assert config.smtp.secret() == "admin"


def test_credstore_path_when_systemd_did_not_set_the_directory(tmp_path: Path) -> None:
    """As systemd's LoadCredential=NAME: /etc/credstore, then /run/credstore, ..."""
    first, second = tmp_path / "etc-credstore", tmp_path / "run-credstore"
    second.mkdir()
    (second / "imap-password").write_text("from-run\n")
    config = load_config(EXAMPLE, {})
    source = SecretSource(credstore=(str(first), str(second)))
    imap = type(config.imap)(credential="imap-password", secrets=source)
    assert imap.secret() == "from-run"
    first.mkdir()
    (first / "imap-password").write_text("from-etc\n")
    assert imap.secret() == "from-etc"


def test_a_missing_credential_names_the_key_and_where_it_looked(tmp_path: Path) -> None:
    config = load_config(EXAMPLE, {}, credentials_dir=str(tmp_path))
    with pytest.raises(ConfigError) as info:
        config.imap.secret()
    message = str(info.value)
    assert message.startswith("imap.credential: no credential 'imap-password'")
    assert str(tmp_path) in message and "--credentials-dir" in message


def test_a_credential_name_cannot_walk_out_of_the_folder(tmp_path: Path) -> None:
    conf = tmp_path / "c.toml"
    conf.write_text("[smtp]\nhost = 'h'\ncredential = '../../etc/shadow'\n")
    with pytest.raises(ConfigError, match=r"smtp\.credential: .* is not a credential name"):
        load_config(conf, {}).smtp.secret()
