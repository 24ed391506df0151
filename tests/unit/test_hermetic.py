"""No test reads the machine's configuration: not /etc/dunmail/config.toml, not a
./config.toml in the working folder, not /etc/credstore (tests/hermetic.py, conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.config import CONFIG_SEARCH, find_config_path, load_config
from daemon.credentials import CREDSTORE_PATH
from tests.hermetic import require_corpus

ROOT = Path(__file__).resolve().parents[2]
POISON = "this is [not toml at all\n"


def _dunmail(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "daemon", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_suite_runs_without_the_machines_settings() -> None:
    assert "DUNMAIL_CONFIG" not in os.environ and "CREDENTIALS_DIRECTORY" not in os.environ
    assert os.environ["DUNMAIL_CONFIG_SEARCH"] == "" and os.environ["DUNMAIL_CREDSTORE_PATH"] == ""
    # What is switched off is exactly what a server set up as the README says has.
    assert "/etc/dunmail/config.toml" in CONFIG_SEARCH and "/etc/credstore" in CREDSTORE_PATH
    assert find_config_path(None, os.environ) is None
    assert load_config(EXAMPLE_PATH, os.environ).imap.secrets.credential_dirs()[0] == ()


EXAMPLE_PATH = ROOT / "config.example.toml"


def test_a_poisoned_config_in_the_working_folder_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text(POISON)
    monkeypatch.delenv("DUNMAIL_CONFIG", raising=False)
    result = _dunmail(tmp_path, "--db", str(tmp_path / "x.db"), "init")
    assert result.returncode == 0, result.stderr
    # Positive control: without the test suite's guard, dunmail reads ./config.toml (as
    # documented) and the poison makes it fail, so the check above can fail.
    monkeypatch.delenv("DUNMAIL_CONFIG_SEARCH")
    poisoned = _dunmail(tmp_path, "--db", str(tmp_path / "x.db"), "init")
    assert poisoned.returncode == 1
    assert "config.toml: not valid TOML" in poisoned.stderr


def test_a_missing_corpus_fails_in_ci_and_skips_on_a_workstation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "shared" / "corpus" / "bank" / "expected.json"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="CI must run the corpus tests"):
        require_corpus(missing, "the shared bank corpus")
    monkeypatch.delenv("CI")
    assert require_corpus(missing, "the shared bank corpus") is False
    missing.parent.mkdir(parents=True)
    missing.write_text("{}")
    assert require_corpus(missing, "the shared bank corpus") is True


def test_every_corpus_module_uses_the_ci_guard() -> None:
    for module in sorted((ROOT / "tests" / "corpus").glob("test_*.py")):
        text = module.read_text()
        if "shared" in text and "pytest.mark.skipif" in text:
            assert "require_corpus(" in text, f"{module.name} skips silently without ../shared"
