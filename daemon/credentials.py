"""Secrets for the mail servers, read when a server is logged in to, never when the
configuration is loaded: commands that talk to no mail server run without them.

A secret comes from ``password_file``, from the environment variable named by
``password_env``, or from a credential file named by ``credential``: in --credentials-dir,
else in systemd's $CREDENTIALS_DIRECTORY (LoadCredential=), else in systemd's credential
store (/etc/credstore, /run/credstore, /usr/lib/credstore), where an admin outside systemd
finds the same file the service gets. Errors name the configuration key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from daemon.configschema import ConfigError

# Where systemd itself looks for a credential named without a path (LoadCredential=NAME),
# in this order: an admin outside systemd finds the same file the service gets.
CREDSTORE_PATH = ("/etc/credstore", "/run/credstore", "/usr/lib/credstore")


@dataclass(frozen=True, slots=True)
class SecretSource:
    """Where secrets are looked up when they are needed: the environment the config was
    loaded with, an explicit credentials folder (--credentials-dir), and systemd's
    credential store path for when $CREDENTIALS_DIRECTORY is not set."""

    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    credentials_dir: str = ""
    credstore: tuple[str, ...] = CREDSTORE_PATH

    @classmethod
    def from_env(cls, env: Mapping[str, str], credentials_dir: str = "") -> SecretSource:
        """$DUNMAIL_CREDSTORE_PATH replaces systemd's path (':'-separated; tests empty it)."""
        credstore = path_list(env, "DUNMAIL_CREDSTORE_PATH", CREDSTORE_PATH)
        return cls(MappingProxyType(dict(env)), credentials_dir, credstore)

    def credential_dirs(self) -> tuple[tuple[str, ...], str]:
        """The folders to look in, and how they were chosen (for the error message)."""
        if self.credentials_dir:
            return (self.credentials_dir,), "--credentials-dir"
        if self.env.get("CREDENTIALS_DIRECTORY"):
            return (self.env["CREDENTIALS_DIRECTORY"],), "$CREDENTIALS_DIRECTORY"
        return self.credstore, "$CREDENTIALS_DIRECTORY is not set; systemd's credential store"


class SecretSettings(Protocol):
    """What the [imap] and [smtp] settings say about their secret."""

    @property
    def password_file(self) -> str: ...
    @property
    def password_env(self) -> str: ...
    @property
    def credential(self) -> str: ...
    @property
    def password(self) -> str | None: ...
    @property
    def secrets(self) -> SecretSource | None: ...


def path_list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A ':'-separated path list from ``env[name]`` ("" = none), else ``default``."""
    if name not in env:
        return default
    return tuple(p for p in env[name].split(":") if p)


def login_secret(settings: SecretSettings, section: str) -> str | None:
    """The password to log in with: the in-memory one (tests, the demo), else read now."""
    if settings.password is not None:
        return settings.password
    return resolve_secret(settings, section, settings.secrets or SecretSource.from_env(os.environ))


def resolve_secret(settings: SecretSettings, section: str, source: SecretSource) -> str | None:
    """password_file, then password_env, then the credential file: in --credentials-dir,
    else in $CREDENTIALS_DIRECTORY, else in systemd's credential store path."""
    if settings.password_file:
        path = Path(settings.password_file)
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{section}.password_file: cannot read {path}: {exc.strerror}"
            ) from exc
    if settings.password_env:
        if settings.password_env not in source.env:
            raise ConfigError(
                f"{section}.password_env: environment variable {settings.password_env} is not set"
            )
        return source.env[settings.password_env]
    if settings.credential:
        return _read_credential(settings.credential, section, source)
    return None


def _read_credential(name: str, section: str, source: SecretSource) -> str:
    if "/" in name or name in ("", ".", ".."):
        raise ConfigError(f"{section}.credential: {name!r} is not a credential name")
    folders, chosen = source.credential_dirs()
    for folder in folders:
        path = Path(folder) / name
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(
                f"{section}.credential: cannot read {path}: {exc.strerror} (run as root, "
                "or give --credentials-dir DIR)"
            ) from exc
    raise ConfigError(
        f"{section}.credential: no credential {name!r} in {', '.join(folders)} ({chosen}; "
        "outside systemd give --credentials-dir DIR or $DUNMAIL_CREDENTIALS_DIR)"
    )
