"""What keeps the tests hermetic: nothing of the machine they run on leaks in.

A server set up as the README says has /etc/dunmail/config.toml and /etc/credstore; a
developer may have a ./config.toml or DUNMAIL_* variables in the shell. None of it may
change a test's outcome, so the environment is reset for the whole session (subprocesses
inherit it) and again for every test (tests/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

# Variables that point dunmail at the machine's configuration, database or secrets.
CLEARED = (
    "DUNMAIL_CONFIG",
    "DUNMAIL_DB",
    "DUNMAIL_CREDENTIALS_DIR",
    "CREDENTIALS_DIRECTORY",
    "DUNMAIL_TEMPLATES",
    "DUNMAIL_USER",
    "NOTIFY_SOCKET",
)
# Empty search paths: no ./config.toml, no /etc/dunmail/config.toml, no /etc/credstore.
SET = {"DUNMAIL_CONFIG_SEARCH": "", "DUNMAIL_CREDSTORE_PATH": ""}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def make_hermetic(environ: MutableMapping[str, str]) -> None:
    for name in CLEARED:
        environ.pop(name, None)
    environ.update(SET)


def require_corpus(marker: Path, what: str) -> bool:
    """True when the shared corpus is there. Missing on a workstation: the caller skips.
    Missing in CI (CI=true): collecting the module fails, loudly, instead of a silent skip."""
    if marker.exists():
        return True
    if in_ci():
        raise RuntimeError(
            f"{what} is missing ({marker} not found): CI must run the corpus tests; "
            "check out the shared corpora beside the repository (../shared)"
        )
    return False
