"""A drop folder's column mapping (``[intake.invoices] mapping = "NAME"``), resolved like
``dunmail invoices import --mapping NAME`` (daemon.app.invoice_mappings: the presets shipped
with dunmail and the office's own). A name that cannot be used fails the file with a reason
naming the config key, instead of stopping the folder."""

from __future__ import annotations

from daemon.app.invoice_mappings import UnknownMapping, resolve_mapping
from daemon.config import Config
from parsers.invoice_mapping import InvoiceMapping


class MappingUnavailable(LookupError):
    """The folder names a mapping that cannot be used; the message names the key."""


def resolve(config: Config, name: str) -> InvoiceMapping | None:
    """The mapping called ``name`` (None for "": dunmail's own CSV columns)."""
    if not name:
        return None
    try:
        return resolve_mapping(config, name)
    except UnknownMapping as exc:
        raise MappingUnavailable(f"intake.invoices.mapping: {exc}") from exc
