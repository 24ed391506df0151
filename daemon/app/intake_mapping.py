"""A drop folder's column mapping (``[intake.invoices] mapping = "NAME"``), handed to the
invoice import once this dunmail reads accounting-package exports (issue 17's presets,
daemon.app.invoice_mappings). Looked up by name at run time, so the folder's key works with
whichever presets and own mappings the configuration has."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from daemon.adapters.store import invoices as invoice_store
from daemon.adapters.store.db import Store
from daemon.app.invoices import read_invoice_files
from daemon.config import Config


class MappingUnavailable(LookupError):
    """The folder names a mapping that cannot be used; the message names the key."""


def resolve(config: Config, name: str) -> Any:
    """The mapping called ``name`` (None for ""), or MappingUnavailable."""
    if not name:
        return None
    try:
        module = importlib.import_module("daemon.app.invoice_mappings")
    except ModuleNotFoundError:
        raise MappingUnavailable(
            f"intake.invoices.mapping = {name!r}: this dunmail reads no column mappings; "
            "leave the key empty for dunmail's own CSV columns"
        ) from None
    try:
        return module.resolve_mapping(config, name)
    except LookupError as exc:
        raise MappingUnavailable(f"intake.invoices.mapping: {exc}") from exc


def import_kwargs(mapping: Any) -> dict[str, Any]:
    return {} if mapping is None else {"mapping": mapping}


def read_kwargs(store: Store, mapping: Any) -> dict[str, Any]:
    """What read_invoice_files needs to read a file as the import will (a mapped export may
    take a debtor's e-mail from dunmail's own debtor)."""
    if mapping is None:
        return {}
    kwargs: dict[str, Any] = {"mapping": mapping}
    known = getattr(invoice_store, "known_debtor_columns", None)
    if known is not None and "known" in inspect.signature(read_invoice_files).parameters:
        kwargs["known"] = known(store)
    return kwargs
