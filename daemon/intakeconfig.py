"""Checks of the ``[intake]`` section: invoice senders and own column mappings.

Invoices by mail are trusted only from the office itself: every ``intake.invoice_senders``
entry must be at the domain of one of the office's own addresses (``office.email``,
``office.reply_to``, ``office.own_addresses``), and a whole shared provider (``@gmail.com``)
is refused as for bank senders. Inline mappings are validated here so a typo is reported
with its key and line when the config is loaded, not on the night of the first export.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from daemon.configschema import KeyLocator
from daemon.domain.authentication import SHARED_PROVIDER_NOTE, shared_provider_domain_entries
from parsers.invoice_mapping import MappingError, mapping_from_dict, preset_names
from parsers.invoice_rows import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

MAPPABLE = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# The [intake] settings live here, beside their checks, so that daemon.config imports this
# module and not the reverse (#14: no import cycles); daemon.config re-exports them.


@dataclass(frozen=True, slots=True)
class DropFolderSettings:
    """Per-folder options: ``[intake.invoices]`` and ``[intake.statements]``."""

    snapshot: bool = False  # every file here is an open-items snapshot (invoices only)
    source: str = "accounting"  # the package that writes here (snapshots act on its invoices)
    mapping: str = ""  # a column-mapping preset, passed to the import when it knows them
    stable_seconds: int = -1  # -1: intake.stable_seconds

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", self.source):
            raise ValueError(
                f"source: expected a short name (letters, digits, _.-), got {self.source!r}"
            )
        if self.stable_seconds < -1:
            raise ValueError("stable_seconds: must be 0 or more (or -1 for intake.stable_seconds)")


@dataclass(frozen=True, slots=True)
class IntakeSettings:
    """Unattended intake (README: "Importing from your accounting package", "Drop folders
    and open-items snapshots")."""

    # Senders of the office's own outgoing invoice mail (address or "@domain"), BCC'd to
    # the dunning mailbox: their UBL attachments are imported once the mail authenticates.
    invoice_senders: tuple[str, ...] = ()
    # Own column mappings: NAME = a table like a preset (parsers/mappings/*.toml) or
    # {file = "/etc/dunmail/mappings/NAME.toml"}; checked by daemon.app.invoice_mappings.
    mappings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    invoices_dir: str = ""  # "" = no invoice drop folder
    statements_dir: str = ""  # "" = no statement drop folder
    invoices: DropFolderSettings = field(default_factory=DropFolderSettings)
    statements: DropFolderSettings = field(default_factory=DropFolderSettings)
    stable_seconds: int = 30
    max_file_bytes: int = 52_428_800
    snapshot_max_settle_share: float = 0.2
    snapshot_sources: tuple[str, ...] = ()  # expected sources; () = the folders' sources
    thank_on_outside_settlement: bool = False
    max_invoice_age_business_days: int = 0  # 0 = the invoice-freshness gate is off

    def __post_init__(self) -> None:
        if not 0 < self.snapshot_max_settle_share <= 1:
            raise ValueError("snapshot_max_settle_share: expected a share above 0, at most 1")
        if self.stable_seconds < 0:
            raise ValueError("stable_seconds: must be 0 or more")
        if self.max_file_bytes < 1:
            raise ValueError("max_file_bytes: must be at least 1")
        if self.max_invoice_age_business_days < 0:
            raise ValueError("max_invoice_age_business_days: must be 0 (off) or more")
        if self.statements.snapshot:
            raise ValueError("statements: snapshot = true only goes with the invoices folder")
        if self.invoices_dir and self.invoices_dir == self.statements_dir:
            raise ValueError("statements_dir: must not be the invoices_dir")

    def stable_for(self, folder: DropFolderSettings) -> int:
        return self.stable_seconds if folder.stable_seconds < 0 else folder.stable_seconds

    @property
    def expected_sources(self) -> frozenset[str]:
        return frozenset(self.snapshot_sources or (self.invoices.source,))


def sender_domain(entry: str) -> str:
    return entry.strip().lower().rpartition("@")[2]


def in_office_domain(entry: str, office_addresses: tuple[str, ...]) -> bool:
    domain = sender_domain(entry)
    for own in office_addresses:
        mine = sender_domain(own)
        if domain == mine or domain.endswith("." + mine) or mine.endswith("." + domain):
            return True
    return False


def intake_problems(
    intake: IntakeSettings, office_addresses: tuple[str, ...], loc: KeyLocator
) -> list[str]:
    """Problems of the [intake] section; ``office_addresses``: the office's own addresses."""
    problems: list[str] = []
    key = "intake.invoice_senders"
    for entry in intake.invoice_senders:
        if "@" not in entry or not sender_domain(entry):
            problems.append(f"{key}: {entry!r} is not an address or @domain{loc.where(key)}")
        elif entry.strip().lower() in office_addresses:
            problems.append(
                f"{key}: {entry!r} is dunmail's own address; mail from it is never read "
                f"(loop protection): send invoices from another address such as "
                f"facturen@{sender_domain(entry)}{loc.where(key)}"
            )
        elif not in_office_domain(entry, office_addresses):
            problems.append(
                f"{key}: {entry!r} is not at the office's own domain (office.email, "
                f"office.reply_to, office.own_addresses): invoices by mail are taken only "
                f"from the office itself{loc.where(key)}"
            )
    for entry in shared_provider_domain_entries(intake.invoice_senders):
        problems.append(
            f"{key}: {entry!r} would trust every account at a shared mail provider; name the "
            f"office's own sending address ({SHARED_PROVIDER_NOTE}){loc.where(key)}"
        )
    presets = set(preset_names())
    folder_mapping = intake.invoices.mapping
    if folder_mapping and folder_mapping not in presets | set(intake.mappings):
        where = "intake.invoices.mapping"
        problems.append(
            f"{where}: no mapping {folder_mapping!r}; name a preset (`dunmail invoices "
            f"mappings`) or an [intake.mappings.NAME] of this configuration{loc.where(where)}"
        )
    if intake.invoices.snapshot and intake.invoices.source not in intake.expected_sources:
        where = "intake.snapshot_sources"
        problems.append(
            f"{where}: does not name intake.invoices.source {intake.invoices.source!r}, so "
            f"every snapshot from intake.invoices_dir would be held as from an unexpected "
            f"source; add it, or leave the list empty{loc.where(where)}"
        )
    if intake.statements.mapping:
        where = "intake.statements.mapping"
        problems.append(
            f"{where}: bank statements are read by their own format (CAMT.053, MT940); "
            f"leave it empty{loc.where(where)}"
        )
    for name, table in intake.mappings.items():
        where = f"intake.mappings.{name}"
        if name in presets:
            problems.append(
                f"{where}: a preset of that name ships with dunmail; give yours another "
                f"name{loc.where(where)}"
            )
            continue
        problems += _mapping_problems(name, table, where, loc)
    return problems


def _mapping_problems(name: str, table: Any, where: str, loc: KeyLocator) -> list[str]:
    if not hasattr(table, "items"):
        return [f"{where}: expected a table{loc.where(where)}"]
    if "file" in table:
        path = table["file"]
        if len(table) != 1 or not isinstance(path, str) or not path.startswith("/"):
            return [
                f"{where}: 'file' must be an absolute path to a mapping TOML, alone in the "
                f"table{loc.where(where)}"
            ]
        return []  # read (and checked) when used: it may be written after the config
    try:
        mapping_from_dict(name, dict(table), MAPPABLE)
    except MappingError as exc:
        return [f"{where}.{p}{loc.where(where)}" for p in exc.problems]
    return []
