"""Column mappings by name: the presets shipped with dunmail and the office's own
(``[intake.mappings.NAME]``, inline or ``file = "/path.toml"``)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from daemon.config import Config
from daemon.intakeconfig import MAPPABLE
from parsers.invoice_mapping import InvoiceMapping, MappingError, load_preset, mapping_from_dict
from parsers.invoice_mapping import preset_names as _preset_names


class UnknownMapping(LookupError):
    """No preset or configured mapping of that name, or its file cannot be used."""


def mapping_names(config: Config) -> list[str]:
    return sorted({*_preset_names(), *config.intake.mappings})


def resolve_mapping(config: Config, name: str) -> InvoiceMapping:
    """The mapping called ``name``; UnknownMapping names the key or file that is wrong."""
    table = config.intake.mappings.get(name)
    if table is None:
        try:
            return load_preset(name, MAPPABLE)
        except KeyError:
            raise UnknownMapping(
                f"no mapping {name!r}; known: {', '.join(mapping_names(config))} "
                "(see `dunmail invoices mappings`)"
            ) from None
    data: dict[str, Any] = dict(table)
    where = f"intake.mappings.{name}"
    if "file" in data:
        path = Path(data["file"])
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UnknownMapping(f"{where}: cannot read {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise UnknownMapping(f"{path}: not valid TOML: {exc}") from exc
        where = str(path)
    try:
        return mapping_from_dict(name, data, MAPPABLE)
    except MappingError as exc:
        raise UnknownMapping(f"{where}: " + "; ".join(exc.problems)) from exc


def describe_mappings(config: Config) -> list[dict[str, Any]]:
    """Every mapping for `dunmail invoices mappings`; a broken own one says why."""
    out: list[dict[str, Any]] = []
    for name in mapping_names(config):
        try:
            out.append(resolve_mapping(config, name).describe())
        except UnknownMapping as exc:
            out.append({"name": name, "title": "", "preset": False, "error": str(exc)})
    return out
