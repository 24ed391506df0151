"""Structured payment references for the domain (RF, betalingskenmerk, OGM).

The algorithms are pure format knowledge and live in parsers.references, where the invoice
and bank parsers use them too; the domain re-exports them under its own name.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from parsers.references import (
    Reference,
    ReferenceKind,
    classify_reference,
    detect_reference,
    display_reference,
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
    "ReferenceClaim",
    "ReferenceKind",
    "classify_reference",
    "detect_reference",
    "display_reference",
    "foreign_claims",
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


@dataclass(frozen=True, slots=True)
class ReferenceClaim:
    """An invoice that carries a structured reference, stored or about to be imported."""

    reference: str
    debtor_id: str
    number: str
    where: str  # for messages: "invoices.csv:4" or "the database"


def foreign_claims(
    batch: Sequence[ReferenceClaim], stored: Sequence[ReferenceClaim]
) -> list[ReferenceClaim | None]:
    """For each batch claim (same order): the claim of another debtor that already uses its
    reference, stored or earlier in the batch, or None.

    One structured reference belongs to one debtor: the bank matcher books a payment by its
    reference first, so a shared one would pay another debtor's invoice. A stored invoice
    that the batch imports again is judged by its new row."""
    renewed = {c.number for c in batch}
    owners: dict[str, list[ReferenceClaim]] = {}
    for claim in stored:
        if claim.number not in renewed:
            owners.setdefault(claim.reference, []).append(claim)
    found: list[ReferenceClaim | None] = []
    for claim in batch:
        earlier = owners.setdefault(claim.reference, [])
        found.append(next((c for c in earlier if c.debtor_id != claim.debtor_id), None))
        earlier.append(claim)
    return found
