"""What every CLI command gets: the config and the database, opened lazily."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from daemon.adapters.clock import parse_iso, utc_now
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store.db import Store, StoreError, open_store
from daemon.cli.human import human
from daemon.config import Config, ConfigError, DatabaseSettings, find_config_path, load_config


@dataclass
class AppContext:
    config_path: str | None
    db_path: str | None
    credentials_dir: str | None = None
    _config: Config | None = None
    _store: Store | None = None
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                config = self.load_fresh_config()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
            for warning in config.warnings:
                click.echo(f"warning: {warning}", err=True)
            self._config = config
        return self._config

    def load_fresh_config(self) -> Config:
        """Read the configuration again with the command line's overrides (SIGHUP)."""
        config = load_config(
            find_config_path(self.config_path, self.env),
            self.env,
            credentials_dir=self.credentials_dir or "",
        )
        if self.db_path:
            config = replace(config, database=DatabaseSettings(path=self.db_path))
        return config

    def store(self, *, daemon: bool = False, create: bool = False) -> Store:
        """The database, migrated if needed. Only ``create`` (``dunmail init``) makes a new
        one: a mistyped --db must not quietly become an empty database."""
        if self._store is None:
            path = self.config.database.path
            if not create:
                self.require_database()
            try:
                self._store = open_store(
                    path, daemon=daemon, files=FilePolicy(self.config.files.group)
                )
            except StoreError as exc:
                raise click.ClickException(f"{exc} (set --db PATH or database.path)") from exc
        return self._store

    def require_database(self) -> None:
        """Refuse a database that does not exist (only `dunmail init` creates one)."""
        path = self.config.database.path
        if not Path(path).exists():
            where = (
                "--db" if self.db_path else f"database.path in {self.config.source or 'defaults'}"
            )
            raise click.ClickException(
                f"database {path} does not exist ({where}); create it with: "
                f"dunmail --db {path} init"
            )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def echo_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, default=str))


def office_tz() -> tzinfo | None:
    """The office timezone of the running command, when it has read its configuration."""
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(AppContext) if ctx is not None else None
    return app._config.office.tz if app is not None and app._config is not None else None


def echo_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], tz: tzinfo | None = None
) -> None:
    """A plain aligned table for people; --json is for programs. Moments are shown in the
    office timezone to the minute, lists joined with commas."""
    if not rows:
        click.echo("(none)")
        return
    tz = tz or office_tz()
    text = [[human(r.get(c), tz) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for t in text:
        click.echo("  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)).rstrip())


def is_terminal() -> bool:
    return sys.stderr.isatty()


def current_user(app: AppContext) -> str:
    """$DUNMAIL_USER, then staff.me, then the login name."""
    return app.env.get("DUNMAIL_USER") or app.config.staff.me or getpass.getuser()


def actor_of(app: AppContext) -> str:
    return f"cli:{current_user(app)}"


def parse_now(value: str | None) -> datetime:
    if not value:
        return utc_now()
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise click.ClickException(f"--now: expected an ISO date-time, got {value!r}") from exc


def today_of(app: AppContext, now: datetime) -> date:
    return now.astimezone(app.config.office.tz).date()


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.ClickException(f"{option}: expected YYYY-MM-DD, got {value!r}") from exc
