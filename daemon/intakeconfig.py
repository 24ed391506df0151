"""Checks of the ``[intake]`` section: invoice senders and own column mappings.

Invoices by mail are trusted only from the office itself: every ``intake.invoice_senders``
entry must be at the domain of one of the office's own addresses (``office.email``,
``office.reply_to``, ``office.own_addresses``), and a whole shared provider (``@gmail.com``)
is refused as for bank senders. Inline mappings are validated here so a typo is reported
with its key and line when the config is loaded, not on the night of the first export.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from daemon.configschema import KeyLocator
from daemon.domain.authentication import SHARED_PROVIDER_NOTE, shared_provider_domain_entries
from parsers.invoice_mapping import MappingError, mapping_from_dict, preset_names
from parsers.invoices import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

if TYPE_CHECKING:
    from daemon.config import Config

MAPPABLE = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def sender_domain(entry: str) -> str:
    return entry.strip().lower().rpartition("@")[2]


def in_office_domain(entry: str, office_addresses: tuple[str, ...]) -> bool:
    domain = sender_domain(entry)
    for own in office_addresses:
        mine = sender_domain(own)
        if domain == mine or domain.endswith("." + mine) or mine.endswith("." + domain):
            return True
    return False


def intake_problems(config: Config, loc: KeyLocator) -> list[str]:
    problems: list[str] = []
    key = "intake.invoice_senders"
    for entry in config.intake.invoice_senders:
        if "@" not in entry or not sender_domain(entry):
            problems.append(f"{key}: {entry!r} is not an address or @domain{loc.where(key)}")
        elif entry.strip().lower() in config.office.addresses:
            problems.append(
                f"{key}: {entry!r} is dunmail's own address; mail from it is never read "
                f"(loop protection): send invoices from another address such as "
                f"facturen@{sender_domain(entry)}{loc.where(key)}"
            )
        elif not in_office_domain(entry, config.office.addresses):
            problems.append(
                f"{key}: {entry!r} is not at the office's own domain (office.email, "
                f"office.reply_to, office.own_addresses): invoices by mail are taken only "
                f"from the office itself{loc.where(key)}"
            )
    for entry in shared_provider_domain_entries(config.intake.invoice_senders):
        problems.append(
            f"{key}: {entry!r} would trust every account at a shared mail provider; name the "
            f"office's own sending address ({SHARED_PROVIDER_NOTE}){loc.where(key)}"
        )
    presets = set(preset_names())
    folder_mapping = config.intake.invoices.mapping
    if folder_mapping and folder_mapping not in presets | set(config.intake.mappings):
        where = "intake.invoices.mapping"
        problems.append(
            f"{where}: no mapping {folder_mapping!r}; name a preset (`dunmail invoices "
            f"mappings`) or an [intake.mappings.NAME] of this configuration{loc.where(where)}"
        )
    intake = config.intake
    if intake.invoices.snapshot and intake.invoices.source not in intake.expected_sources:
        where = "intake.snapshot_sources"
        problems.append(
            f"{where}: does not name intake.invoices.source {intake.invoices.source!r}, so "
            f"every snapshot from intake.invoices_dir would be held as from an unexpected "
            f"source; add it, or leave the list empty{loc.where(where)}"
        )
    if config.intake.statements.mapping:
        where = "intake.statements.mapping"
        problems.append(
            f"{where}: bank statements are read by their own format (CAMT.053, MT940); "
            f"leave it empty{loc.where(where)}"
        )
    for name, table in config.intake.mappings.items():
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
