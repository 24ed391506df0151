"""dunmail's configuration: TOML (tomllib) into frozen dataclasses.

Every key is documented in config.example.toml. Secrets never live in the TOML: a
``password_file``, an environment variable named by ``password_env``, or a systemd
credential named by ``credential``. They are read when a mail server is logged in to
(``ImapSettings.secret()``), never when the file is loaded: commands that talk to no mail
server run without them.
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
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon.configcheck import identifier_problems
from daemon.configschema import ConfigError, KeyLocator, build
from daemon.credentials import SecretSource, login_secret, path_list, resolve_secret
from daemon.domain.authentication import (
    SHARED_PROVIDER_NOTE,
    shared_provider_domain_entries,
    shared_provider_warnings,
)
from daemon.domain.invoice_pdfs import DEFAULT_MAX_BYTES as DEFAULT_PDF_MAX_BYTES
from daemon.domain.invoice_pdfs import PdfPolicy
from daemon.intakeconfig import DropFolderSettings, IntakeSettings, intake_problems
from daemon.ladders import DEFAULT_LADDERS, LadderSettings, LadderStep
from parsers.replies.invoice_numbers import DEFAULT_INVOICE_PATTERN

__all__ = [
    "Config",
    "ConfigError",
    "DropFolderSettings",
    "IntakeSettings",
    "LadderSettings",
    "LadderStep",
    "SecretSource",
    "find_config_path",
    "load_config",
    "resolve_secret",
]

_SECRET_HINT = (
    "secrets never live in the TOML: use password_file, password_env or credential instead"
)


# A mail server's usual message limit is 25 MB and base64 adds a third: a bigger PDF would
# never arrive.
MAX_PDF_MAX_BYTES = 18 * 1024 * 1024


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
        if self.jurisdiction == "BE" and not (self.registration or self.enterprise_number):
            raise ValueError(
                "registration: a Belgian office must give its enterprise number"
                " (ondernemingsnummer, e.g. 0123.456.749): reminders must name it"
            )

    @property
    def enterprise_number(self) -> str:
        """A Belgian enterprise number read from a BE VAT number (BE0123456749 →
        0123.456.749), for an office that gave only its VAT number; else empty."""
        digits = "".join(ch for ch in self.vat_number.upper().removeprefix("BE") if ch.isdigit())
        if not self.vat_number.upper().startswith("BE") or len(digits) != 10:
            return ""
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"

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


@dataclass(frozen=True, slots=True)
class FileSettings:
    # "" = files holding personal data are 0600; a group name = 0640 and owned by that group.
    group: str = ""

    def __post_init__(self) -> None:
        if self.group and not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?", self.group):
            raise ValueError(f"group: not a group name: {self.group!r}")


_SECRET_FORBIDDEN = MappingProxyType({"password": _SECRET_HINT, "secret": _SECRET_HINT})


@dataclass(frozen=True, slots=True)
class ImapSettings:
    _forbidden = _SECRET_FORBIDDEN
    _section = "imap"

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
    # An in-memory password (tests, the demo); otherwise secret() reads it at login.
    password: str | None = field(default=None, repr=False, metadata={"toml": False})
    secrets: SecretSource | None = field(
        default=None, repr=False, compare=False, metadata={"toml": False}
    )

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def secret(self) -> str | None:
        """The password, read now (at login); ConfigError names the key when it cannot."""
        return login_secret(self, self._section)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    _forbidden = _SECRET_FORBIDDEN
    _section = "smtp"

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
    # An in-memory password (tests, the demo); otherwise secret() reads it at login.
    password: str | None = field(default=None, repr=False, metadata={"toml": False})
    secrets: SecretSource | None = field(
        default=None, repr=False, compare=False, metadata={"toml": False}
    )

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def secret(self) -> str | None:
        """The password, read now (at login); ConfigError names the key when it cannot."""
        return login_secret(self, self._section)


@dataclass(frozen=True, slots=True)
class InvoiceSettings:
    number_pattern: str = DEFAULT_INVOICE_PATTERN
    reference_kind: Literal["rf", "kenmerk", "ogm"] = "rf"
    pdf_dir: str = ""  # "" = the pdf column is refused (no file is ever attached)
    pdf_max_bytes: int = DEFAULT_PDF_MAX_BYTES

    def __post_init__(self) -> None:
        try:
            re.compile(self.number_pattern)
        except re.error as exc:
            raise ValueError(f"number_pattern: not a valid regular expression: {exc}") from exc
        # Absolute, because the daemon's working directory (systemd: /) is not the office's.
        if self.pdf_dir and not os.path.isabs(self.pdf_dir):
            raise ValueError(f"pdf_dir: expected an absolute folder path, got {self.pdf_dir!r}")
        if self.pdf_dir and os.path.normpath(self.pdf_dir) == "/":
            raise ValueError("pdf_dir: '/' would allow every file; name the invoices folder")
        if not 1024 <= self.pdf_max_bytes <= MAX_PDF_MAX_BYTES:
            raise ValueError(
                f"pdf_max_bytes: expected 1024 to {MAX_PDF_MAX_BYTES} bytes, "
                f"got {self.pdf_max_bytes}"
            )

    @property
    def pdf_policy(self) -> PdfPolicy:
        return PdfPolicy(os.path.normpath(self.pdf_dir) if self.pdf_dir else "", self.pdf_max_bytes)


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
    # Principal left open when a payment went to costs and interest first (art. 6:44 BW):
    # "claim" keeps dunning it, "waive_below" writes it off below remainder_waive_below
    # (logged), "review" asks a person.
    remainder_policy: str = "claim"
    remainder_waive_below: str = "10.00"

    def __post_init__(self) -> None:
        _decimal(self.min_open_amount, "min_open_amount")
        _decimal(self.remainder_waive_below, "remainder_waive_below")
        if self.remainder_policy not in ("claim", "waive_below", "review"):
            raise ValueError(
                f"remainder_policy: expected 'claim', 'waive_below' or 'review', "
                f"got {self.remainder_policy!r}"
            )
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
    def remainder_waive_below_amount(self) -> Decimal:
        return Decimal(self.remainder_waive_below)

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
class LetterSettings:
    """Paper letters (ladder steps with channel = "letter", ``dunmail letter``)."""

    logo: str = ""  # PNG or JPEG printed top right
    signature_name: str = ""
    place: str = ""  # "Utrecht" in "Utrecht, 7 december 2026"
    font: str = ""  # a TrueType file to embed; "" = Helvetica (Windows-1252)
    font_bold: str = ""
    terms_pdf: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The letter is presumed received this many business days after posting (domain-rules
    # terms in daemon/domain/letter.py); the veertiendagenbrief's 14 days start the day after.
    receipt_business_days: int = 2

    def __post_init__(self) -> None:
        for key, value in (("logo", self.logo), ("font", self.font), ("font_bold", self.font_bold)):
            if value and not os.path.isabs(value):
                raise ValueError(f"{key}: expected an absolute file path, got {value!r}")
        for lang, path in self.terms_pdf.items():
            if lang not in ("nl", "en", "de", "fr"):
                raise ValueError(f"terms_pdf.{lang}: unknown language (use nl, en, de or fr)")
            if not os.path.isabs(path):
                raise ValueError(f"terms_pdf.{lang}: expected an absolute file path, got {path!r}")
        if not 0 <= self.receipt_business_days <= 10:
            raise ValueError("receipt_business_days: expected 0 to 10 business days")


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
    review_wait_max_days: int = 5


@dataclass(frozen=True, slots=True)
class BankSettings:
    accounts: tuple[str, ...] = ()
    trusted_senders: tuple[str, ...] = ()
    authserv_id: str = ""
    charges_tolerance: str = "2.50"
    name_match_threshold: int = 88
    max_attachment_bytes: int = 20_971_520
    # Statement zips: refused (kept for review) beyond these, whatever their headers claim.
    zip_max_members: int = 200
    zip_max_unpacked_bytes: int = 104_857_600
    zip_max_ratio: int = 200

    def __post_init__(self) -> None:
        _decimal(self.charges_tolerance, "charges_tolerance")
        for key in ("zip_max_members", "zip_max_unpacked_bytes", "zip_max_ratio"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: must be at least 1")

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
class PaymentPlanSettings:
    """`[plans]`: payment plans agreed with a debtor (not the dunning planner's `PlanSettings`)."""

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
    return DEFAULT_LADDERS


@dataclass(frozen=True, slots=True)
class Config:
    office: OfficeSettings = field(default_factory=OfficeSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    files: FileSettings = field(default_factory=FileSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    invoices: InvoiceSettings = field(default_factory=InvoiceSettings)
    dunning: DunningSettings = field(default_factory=DunningSettings)
    ladders: Mapping[str, LadderSettings] = field(default_factory=_default_ladders)
    letters: LetterSettings = field(default_factory=LetterSettings)
    inbound: InboundSettings = field(default_factory=InboundSettings)
    bank: BankSettings = field(default_factory=BankSettings)
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    plans: PaymentPlanSettings = field(default_factory=PaymentPlanSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    source: str = field(default="", metadata={"toml": False})  # "" for built-in defaults
    warnings: tuple[str, ...] = field(default=(), metadata={"toml": False})

    def ladder(self, name: str) -> LadderSettings:
        try:
            return self.ladders[name]
        except KeyError:
            raise ConfigError(f"dunning: unknown ladder {name!r}") from None


CONFIG_SEARCH = ("config.toml", "/etc/dunmail/config.toml")


def find_config_path(explicit: str | None, env: Mapping[str, str]) -> Path | None:
    """--config, then $DUNMAIL_CONFIG, then ./config.toml, then /etc/dunmail/config.toml.

    $DUNMAIL_CONFIG_SEARCH replaces the last two (a ':'-separated list; empty = no search):
    the test suite sets it empty so that no test reads the machine's configuration."""
    if explicit:
        return Path(explicit)
    if env.get("DUNMAIL_CONFIG"):
        return Path(env["DUNMAIL_CONFIG"])
    for candidate in path_list(env, "DUNMAIL_CONFIG_SEARCH", CONFIG_SEARCH):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def parse_config(text: str, filename: str = "config.toml") -> Config:
    """Parse TOML text into a Config without resolving secrets.

    Every problem is collected first (types, unknown keys, ladders, identifiers such as
    IBANs and e-mail addresses), then one ConfigError lists them all with key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{filename}: not valid TOML: {exc}") from exc
    loc = KeyLocator(text, filename)
    problems = identifier_problems(data, loc)
    ladders: dict[str, Any] = dict(_default_ladders())
    raw_ladders = data.pop("ladders", {})
    if not isinstance(raw_ladders, dict):
        problems.append(f"ladders: expected a table{loc.where('ladders')}")
        raw_ladders = {}
    broken: set[str] = set()  # ladders with problems of their own: not named again below
    for name, table in raw_ladders.items():
        ladder = build(LadderSettings, table, f"ladders.{name}", loc, problems)
        if ladder is None:
            broken.add(name)
        else:
            ladders[name] = ladder
    built: Config | None = build(Config, data, "", loc, problems)
    if built is None:
        raise ConfigError.of(problems)
    config = replace(built, ladders=MappingProxyType(ladders), source=filename)
    for key in ("ladder_b2b", "ladder_b2c"):
        name = getattr(config.dunning, key)
        if name not in ladders and name not in broken:
            problems.append(f"dunning.{key}: no ladder named {name!r}{loc.where('dunning.' + key)}")
    for entry in shared_provider_domain_entries(config.bank.trusted_senders):
        problems.append(
            f"bank.trusted_senders: {entry!r} would trust every account at a shared mail"
            f" provider; name the bank's own address or domain instead ({SHARED_PROVIDER_NOTE})"
            f"{loc.where('bank.trusted_senders')}"
        )
    problems += intake_problems(config.intake, config.office.addresses, loc)
    for tag, name in config.dunning.tag_ladders.items():
        if name not in ladders:
            where = loc.where(f"dunning.tag_ladders.{tag}")
            problems.append(f"dunning.tag_ladders.{tag}: no ladder named {name!r}{where}")
    if problems:
        raise ConfigError.of(problems)
    return config


def load_config(
    path: Path | None, env: Mapping[str, str] | None = None, *, credentials_dir: str = ""
) -> Config:
    """Load and validate a config file (or the defaults). Secrets are not read here: the
    mail settings carry where to find them (``secret()``), with ``env`` and
    ``credentials_dir`` as they were at load time."""
    env = os.environ if env is None else env
    source = SecretSource.from_env(env, credentials_dir)
    if path is None:
        config = Config()
        return replace(
            config,
            imap=replace(config.imap, secrets=source),
            smtp=replace(config.smtp, secrets=source),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    config = parse_config(text, str(path))
    warnings: list[str] = []
    for section, settings in (("imap", config.imap), ("smtp", config.smtp)):
        secret_file = Path(settings.password_file) if settings.password_file else None
        if secret_file is not None and _world_readable(secret_file):
            warnings.append(f"{section}.password_file: {secret_file} is readable by every user")
    names_secret = any(
        s.password_file or s.password_env or s.credential for s in (config.imap, config.smtp)
    )
    if names_secret and _world_readable(path):
        warnings.append(
            f"{path} is readable by every user and names a secret; run: chmod o-r {path}"
        )
    warnings += shared_provider_warnings(config.bank.trusted_senders, config.staff.addresses)
    return replace(
        config,
        imap=replace(config.imap, secrets=source),
        smtp=replace(config.smtp, secrets=source),
        warnings=tuple(warnings),
    )


def _world_readable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False
