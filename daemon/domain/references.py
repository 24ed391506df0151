"""Structured payment references for the domain (RF, betalingskenmerk, OGM).

The algorithms are pure format knowledge and live in parsers.references, where the invoice
and bank parsers use them too; the domain re-exports them under its own name.
"""

from parsers.references import (
    Reference,
    ReferenceKind,
    classify_reference,
    detect_reference,
    format_ogm,
    generate_kenmerk,
    generate_ogm,
    generate_rf,
    is_valid_kenmerk,
    is_valid_ogm,
    is_valid_rf,
    kenmerk_from_invoice_number,
    rf_body,
)

__all__ = [
    "Reference",
    "ReferenceKind",
    "classify_reference",
    "detect_reference",
    "format_ogm",
    "generate_kenmerk",
    "generate_ogm",
    "generate_rf",
    "is_valid_kenmerk",
    "is_valid_ogm",
    "is_valid_rf",
    "kenmerk_from_invoice_number",
    "rf_body",
]
