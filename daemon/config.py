"""dunmail's configuration: TOML (tomllib) into frozen dataclasses.

Every key is documented in config.example.toml. Secrets never live in the TOML: a
``password_file``, an environment variable named by ``password_env``, or a file in systemd's
$CREDENTIALS_DIRECTORY (LoadCredential=) named by ``credential``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon.configschema import ConfigError, KeyLocator, build
from daemon.domain.authentication import (
    SHARED_PROVIDER_NOTE,
    shared_provider_domain_entries,
    shared_provider_warnings,
)
from parsers.replies.invoice_numbers import DEFAULT_INVOICE_PATTERN

__all__ = [
    "Config",
    "ConfigError",
    "find_config_path",
    "load_config",
    "resolve_secret",
]

_SECRET_HINT = (
    "secrets never live in the TOML: use password_file, password_env or credential instead"
)


def _decimal(value: str, name: str) -> Decimal:
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(
            f"{name}: expected a decimal amount such as '5.00', got {value!r}"
        ) from exc
    if result < 0:
        raise ValueError(f"{name}: must not be negative, got {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class OfficeSettings:
    name: str = "Voorbeeld Installatietechniek B.V."
    email: str = "debiteuren@example.invalid"
    reply_to: str = ""
    iban: str = "NL91ABNA0417164300"
    bic: str = ""
    timezone: str = "Europe/Amsterdam"
    language: Literal["nl", "en", "de", "fr"] = "nl"
    jurisdiction: Literal["NL", "BE", "DE"] = "NL"
    vat_deductible: bool = True
    address: tuple[str, ...] = ()
    phone: str = ""
    registration: str = ""
    vat_number: str = ""
    payment_link_template: str = ""
    own_addresses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone: unknown time zone {self.timezone!r}") from exc

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every address that is ours: never auto-answered, never a debtor."""
        found = [self.email, self.reply_to, *self.own_addresses]
        return tuple(dict.fromkeys(a.lower() for a in found if a))


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    path: str = "/var/lib/dunmail/dunmail.db"


_SECRET_FORBIDDEN = MappingProxyType({"password": _SECRET_HINT, "secret": _SECRET_HINT})


@dataclass(frozen=True, slots=True)
class ImapSettings:
    _forbidden = _SECRET_FORBIDDEN

    host: str = ""
    port: int = 993
    security: Literal["tls", "starttls", "plain"] = "tls"
    username: str = ""
    password_file: str = ""
    password_env: str = ""
    credential: str = ""
    auth: Literal["login", "xoauth2"] = "login"
    oauth2_token_file: str = ""
    oauth2_token_command: str = ""
    mailbox: str = "INBOX"
    processed_folder: str = "dunmail/processed"
    review_folder: str = "dunmail/review"
    sent_folder: str = "Sent"
    mark_mode: Literal["move", "flag"] = "move"
    idle: bool = True
    poll_seconds: int = 60
    max_message_bytes: int = 26_214_400
    timeout_seconds: int = 30
    tls_verify: bool = True
    ca_file: str = ""
    password: str | None = field(default=None, repr=False, metadata={"toml": False})

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    _forbidden = _SECRET_FORBIDDEN

    host: str = ""
    port: int = 587
    security: Literal["tls", "starttls", "plain"] = "starttls"
    username: str = ""
    password_file: str = ""
    password_env: str = ""
    credential: str = ""
    auth: Literal["login", "xoauth2"] = "login"
    oauth2_token_file: str = ""
    oauth2_token_command: str = ""
    timeout_seconds: int = 30
    rate_limit_per_minute: int = 0
    tls_verify: bool = True
    ca_file: str = ""
    password: str | None = field(default=None, repr=False, metadata={"toml": False})

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True, slots=True)
class InvoiceSettings:
    number_pattern: str = DEFAULT_INVOICE_PATTERN

    def __post_init__(self) -> None:
        try:
            re.compile(self.number_pattern)
        except re.error as exc:
            raise ValueError(f"number_pattern: not a valid regular expression: {exc}") from exc

    reference_kind: Literal["rf", "kenmerk", "ogm"] = "rf"


@dataclass(frozen=True, slots=True)
class LadderStep:
    name: str
    template: str
    offset_days: int = 0
    relative_to: Literal["issue", "due", "previous"] = "due"
    business_days: bool = False
    channel: Literal["email", "task"] = "email"
    costs: bool = False
    interest: bool = False
    final: bool = False
    optional: bool = False
    formal_notice: bool = False  # the B2C veertiendagenbrief / BE first free reminder
    deadline_days: int = 0  # a final deadline stated in the mail (days after sending)


@dataclass(frozen=True, slots=True)
class LadderSettings:
    steps: tuple[LadderStep, ...] = ()
    route_to_person: bool = False  # key accounts: every email step becomes a task

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("step names must be unique within a ladder")
        for step in self.steps[:1]:
            if step.relative_to == "previous":
                raise ValueError(
                    f"step {step.name!r}: the first step cannot be relative to 'previous'"
                )


@dataclass(frozen=True, slots=True)
class DunningSettings:
    enabled: bool = True
    ladder_b2b: str = "b2b"
    ladder_b2c: str = "b2c"
    tag_ladders: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    min_open_amount: str = "5.00"
    min_spacing_days: int = 7
    bank_freshness_business_days: int = 3
    send_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    send_start: str = "09:00"
    send_end: str = "17:00"
    cycle_times: tuple[str, ...] = ("08:30", "13:30")
    thank_you: bool = True
    reply_plus_tag: bool = False
    attach_qr: bool = True
    deadline_days: int = 14
    atw_extension: bool = True

    def __post_init__(self) -> None:
        _decimal(self.min_open_amount, "min_open_amount")
        for day in self.send_days:
            if day not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
                raise ValueError(f"send_days: unknown day {day!r} (use mon … sun)")
        start, end = (_hhmm(getattr(self, name), name) for name in ("send_start", "send_end"))
        if start >= end:
            raise ValueError(
                f"send_end: {self.send_end!r} must come after send_start {self.send_start!r}"
            )
        if end > (24, 0):
            raise ValueError(f"send_end: expected HH:MM up to 24:00, got {self.send_end!r}")
        for t in self.cycle_times:
            _hhmm(t, "cycle_times")

    @property
    def min_open(self) -> Decimal:
        return Decimal(self.min_open_amount)

    @property
    def send_window_minutes(self) -> tuple[int, int]:
        """(send_start, send_end) in minutes after midnight, as validated above."""
        (sh, sm), (eh, em) = (_hhmm(t, "") for t in (self.send_start, self.send_end))
        return sh * 60 + sm, eh * 60 + em


def _hhmm(value: str, name: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in value.split(":"))
    except ValueError as exc:
        raise ValueError(f"{name}: expected HH:MM, got {value!r}") from exc
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        raise ValueError(f"{name}: expected HH:MM, got {value!r}")
    return hour, minute


@dataclass(frozen=True, slots=True)
class InboundSettings:
    promise_grace_days: int = 3
    promise_max_days: int = 60
    paid_claim_pause_business_days: int = 5
    auto_answer: bool = True
    auto_answer_per_address_hours: int = 24
    min_confidence: float = 0.6
    plan_auto_accept_max_instalments: int = 0
    plan_auto_accept_max_months: int = 0


@dataclass(frozen=True, slots=True)
class BankSettings:
    accounts: tuple[str, ...] = ()
    trusted_senders: tuple[str, ...] = ()
    authserv_id: str = ""
    charges_tolerance: str = "2.50"
    name_match_threshold: int = 88
    max_attachment_bytes: int = 20_971_520

    def __post_init__(self) -> None:
        _decimal(self.charges_tolerance, "charges_tolerance")

    @property
    def tolerance(self) -> Decimal:
        return Decimal(self.charges_tolerance)


@dataclass(frozen=True, slots=True)
class StaffSettings:
    notify_address: str = ""
    addresses: tuple[str, ...] = ()
    users: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    digest_time: str = "08:00"
    me: str = ""

    def __post_init__(self) -> None:
        _hhmm(self.digest_time, "digest_time")


@dataclass(frozen=True, slots=True)
class PlanSettings:
    reminder_days_before: int = 3
    missed_action: Literal["review", "resume"] = "review"
    grace_days: int = 3


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    closed_case_mail_days: int = 730


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    watchdog: bool = True
    backoff_max_seconds: int = 300
    tick_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not 0.05 <= self.tick_seconds <= 60:
            raise ValueError("tick_seconds: expected a number of seconds from 0.05 to 60")


def _default_ladders() -> Mapping[str, LadderSettings]:
    from daemon.ladders import DEFAULT_LADDERS

    return DEFAULT_LADDERS


@dataclass(frozen=True, slots=True)
class Config:
    office: OfficeSettings = field(default_factory=OfficeSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    invoices: InvoiceSettings = field(default_factory=InvoiceSettings)
    dunning: DunningSettings = field(default_factory=DunningSettings)
    ladders: Mapping[str, LadderSettings] = field(default_factory=_default_ladders)
    inbound: InboundSettings = field(default_factory=InboundSettings)
    bank: BankSettings = field(default_factory=BankSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    plans: PlanSettings = field(default_factory=PlanSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    source: str = field(default="", metadata={"toml": False})  # "" for built-in defaults
    warnings: tuple[str, ...] = field(default=(), metadata={"toml": False})

    def ladder(self, name: str) -> LadderSettings:
        try:
            return self.ladders[name]
        except KeyError:
            raise ConfigError(f"dunning: unknown ladder {name!r}") from None


def find_config_path(explicit: str | None, env: Mapping[str, str]) -> Path | None:
    """--config, then $DUNMAIL_CONFIG, then ./config.toml, then /etc/dunmail/config.toml."""
    if explicit:
        return Path(explicit)
    if env.get("DUNMAIL_CONFIG"):
        return Path(env["DUNMAIL_CONFIG"])
    for candidate in (Path("config.toml"), Path("/etc/dunmail/config.toml")):
        if candidate.is_file():
            return candidate
    return None


def parse_config(text: str, filename: str = "config.toml") -> Config:
    """Parse TOML text into a Config without resolving secrets."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{filename}: not valid TOML: {exc}") from exc
    loc = KeyLocator(text, filename)
    ladders: dict[str, Any] = dict(_default_ladders())
    raw_ladders = data.pop("ladders", {})
    if not isinstance(raw_ladders, dict):
        raise ConfigError(f"ladders: expected a table{loc.where('ladders')}")
    for name, table in raw_ladders.items():
        ladders[name] = build(LadderSettings, table, f"ladders.{name}", loc)
    config: Config = build(Config, data, "", loc)
    config = replace(config, ladders=MappingProxyType(ladders), source=filename)
    for key in ("ladder_b2b", "ladder_b2c"):
        name = getattr(config.dunning, key)
        if name not in ladders:
            raise ConfigError(
                f"dunning.{key}: no ladder named {name!r}{loc.where('dunning.' + key)}"
            )
    for entry in shared_provider_domain_entries(config.bank.trusted_senders):
        raise ConfigError(
            f"bank.trusted_senders: {entry!r} would trust every account at a shared mail"
            f" provider; name the bank's own address or domain instead ({SHARED_PROVIDER_NOTE})"
            f"{loc.where('bank.trusted_senders')}"
        )
    for tag, name in config.dunning.tag_ladders.items():
        if name not in ladders:
            where = loc.where(f"dunning.tag_ladders.{tag}")
            raise ConfigError(f"dunning.tag_ladders.{tag}: no ladder named {name!r}{where}")
    return config


def load_config(path: Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Load and validate a config file (or the defaults) and resolve its secrets."""
    env = os.environ if env is None else env
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    config = parse_config(text, str(path))
    warnings: list[str] = []
    imap = _with_secret(config.imap, "imap", env, warnings)
    smtp = _with_secret(config.smtp, "smtp", env, warnings)
    names_secret = any(
        s.password_file or s.password_env or s.credential for s in (config.imap, config.smtp)
    )
    if names_secret and _world_readable(path):
        warnings.append(
            f"{path} is readable by every user and names a secret; run: chmod o-r {path}"
        )
    warnings += shared_provider_warnings(config.bank.trusted_senders, config.staff.addresses)
    return replace(config, imap=imap, smtp=smtp, warnings=tuple(warnings))


def _world_readable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


MailSettings = TypeVar("MailSettings", ImapSettings, SmtpSettings)


def _with_secret(
    settings: MailSettings, section: str, env: Mapping[str, str], warnings: list[str]
) -> MailSettings:
    secret = resolve_secret(settings, section, env, warnings)
    return replace(settings, password=secret)


def resolve_secret(
    settings: ImapSettings | SmtpSettings,
    section: str,
    env: Mapping[str, str],
    warnings: list[str] | None = None,
) -> str | None:
    """password_file, then password_env, then $CREDENTIALS_DIRECTORY/<credential>."""
    if settings.password_file:
        path = Path(settings.password_file)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{section}.password_file: cannot read {path}: {exc.strerror}"
            ) from exc
        if warnings is not None and _world_readable(path):
            warnings.append(f"{section}.password_file: {path} is readable by every user")
        return value
    if settings.password_env:
        if settings.password_env not in env:
            raise ConfigError(
                f"{section}.password_env: environment variable {settings.password_env} is not set"
            )
        return env[settings.password_env]
    if settings.credential:
        directory = env.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise ConfigError(
                f"{section}.credential: $CREDENTIALS_DIRECTORY is not set "
                "(use LoadCredential= in the systemd unit)"
            )
        try:
            return (Path(directory) / settings.credential).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{section}.credential: {exc}") from exc
    return None
