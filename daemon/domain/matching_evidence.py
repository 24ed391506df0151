"""What a payment says about the invoices it pays: references and invoice numbers.

Strong hits name an invoice on their own (a reference equal to the invoice's, an invoice
number as the office writes it, or its digits after a word like "factuur"). Weak hits need
the amount to agree: a reference whose check digits fail but which is one typo away from an
invoice's reference, or the bare digits of an invoice number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from daemon.domain.matching_index import InvoiceBook, reference_key, tokens
from daemon.domain.references import classify_reference
from parsers.bank import Payment

# Words payers put before an invoice number ("fact 20260412", "inv. 2026-0412", "Rg.-Nr.").
INVOICE_WORDS = frozenset(
    [
        "F",
        "FA",
        "FAC",
        "FACT",
        "FACTUUR",
        "FACTUURNR",
        "FACTUURNUMMER",
        "FACTNR",
        "FACTURE",
        "FACTURA",
        "FAKTURA",
        "INV",
        "INVOICE",
        "INVNR",
        "INVOICENR",
        "RECHNUNG",
        "RECHNUNGSNR",
        "RECHNR",
        "RG",
        "RGNR",
        "RE",
        "NR",
        "NO",
        "NUMMER",
        "NUMBER",
        "REF",
    ]
)
_MAX_WINDOW = 4  # "F 2026 / 0412" is three tokens; four leaves room for one more split
_RF_COMPACT = re.compile(r"(?<![A-Z0-9])RF[0-9]{2}[A-Z0-9]{1,21}(?![A-Z0-9])")
_RF_GROUPED = re.compile(r"(?<![A-Z0-9])RF[0-9]{2}(?: [A-Z0-9]{1,4})+")
_OGM_CANDIDATE = re.compile(r"[+*]{3} ?([0-9]{3}) ?/ ?([0-9]{4}) ?/ ?([0-9]{5}) ?[+*]{3}")
_DIGIT_CANDIDATE = re.compile(r"(?<![A-Z0-9])[0-9]{2,4}(?:[ .][0-9]{2,4}){2,}(?![A-Z0-9])")
_LONG_DIGITS = re.compile(r"(?<![A-Z0-9])[0-9]{9,16}(?![A-Z0-9])")
_SPLIT_WORD = re.compile(r"([A-Z]+)([0-9]{4,})")


@dataclass(frozen=True, slots=True)
class Hit:
    invoice: str
    strong: bool
    rule: str  # reference | reference_typo | invoice_number | number_without_prefix
    found: str  # the text that named the invoice, as evidence


def payment_text(payment: Payment) -> str:
    parts = [payment.remittance]
    if payment.additional_info and payment.additional_info not in parts[0]:
        parts.append(payment.additional_info)
    return " ".join(p for p in parts if p)


def find_hits(payment: Payment, book: InvoiceBook) -> list[Hit]:
    """Every invoice the payment names, strong hits first, each invoice once."""
    text = payment_text(payment)
    hits: dict[str, Hit] = {}
    candidates = list(_reference_candidates(payment, text))
    for raw in candidates:
        for number in book.by_reference.get(reference_key(raw), ()):
            hits.setdefault(number, Hit(number, True, "reference", raw))
    for hit in _number_hits(text, book):
        if hit.strong or hit.invoice not in hits:
            hits.setdefault(hit.invoice, hit)
    if not any(h.strong for h in hits.values()):
        for raw in candidates:
            for number in _typo_neighbours(raw, book):
                hits.setdefault(number, Hit(number, False, "reference_typo", raw))
    return sorted(hits.values(), key=lambda h: not h.strong)


def _reference_candidates(payment: Payment, text: str) -> Iterator[str]:
    yield from payment.structured_references
    upper = text.upper()
    yield from _RF_COMPACT.findall(upper)
    for m in _RF_GROUPED.finditer(upper):
        groups = m.group(0).split(" ")
        # Later groups may be unrelated words: every prefix is a candidate.
        for n in range(len(groups), 0, -1):
            yield "".join(groups[:n])
    for m in _OGM_CANDIDATE.finditer(upper):
        yield "".join(m.groups())
    for m in _DIGIT_CANDIDATE.finditer(upper):
        yield re.sub(r"[ .]", "", m.group(0))
    for m in _LONG_DIGITS.finditer(upper):
        yield m.group(0)


def _number_hits(text: str, book: InvoiceBook) -> Iterator[Hit]:
    words = tokens(text)
    i = 0
    while i < len(words):
        joined, matched = "", None
        for j in range(i, min(i + _MAX_WINDOW, len(words))):
            joined += words[j]
            number = book.by_number.get(joined)
            if number is not None and not (joined.isdigit() and len(joined) < 6):
                matched = (j, Hit(number, True, "invoice_number", " ".join(words[i : j + 1])))
        if matched is not None:
            yield matched[1]
            i = matched[0] + 1
            continue
        yield from _digit_hits(words, i, book)
        i += 1


def _digit_hits(words: list[str], i: int, book: InvoiceBook) -> Iterator[Hit]:
    """The digits of an invoice number: strong after an invoice word, weak on their own."""
    word = words[i]
    split = _SPLIT_WORD.fullmatch(word)
    if split and split.group(1) in INVOICE_WORDS:
        for number in book.by_digits.get(split.group(2), ()):
            yield Hit(number, True, "invoice_number", word)
        return
    if not word.isdigit():
        return
    joined = ""
    for j in range(i, min(i + _MAX_WINDOW - 1, len(words))):
        if not words[j].isdigit():
            break
        joined += words[j]
        numbers = book.by_digits.get(joined, ())
        if not numbers:
            continue
        before = words[i - 1] if i > 0 else ""
        strong = before in INVOICE_WORDS
        found = " ".join(words[max(i - 1, 0) if strong else i : j + 1])
        for number in numbers:
            prefix = book.invoices[number].number[:1].upper()
            named = strong or (bool(before) and before[0] == prefix and before.isalpha())
            yield Hit(number, named, "invoice_number" if named else "number_without_prefix", found)
        return


def _typo_neighbours(raw: str, book: InvoiceBook) -> list[str]:
    """Invoices whose reference is one typo (substitution or swap) away from ``raw``.

    Only for text shaped like a reference whose check digits fail: a valid reference that
    belongs to no invoice is somebody else's, not a typo of ours.
    """
    ref = classify_reference(raw)
    if ref is None or ref.valid:
        return []
    key = reference_key(raw)
    if not 7 <= len(key) <= 25:
        return []
    found: dict[str, None] = {}
    for variant in _one_edit(key):
        for number in book.by_reference.get(variant, ()):
            found[number] = None
    if key.startswith("RF"):  # wrong check digits, right body
        body = key[4:]
        for digits in range(2, 99):
            for number in book.by_reference.get(f"RF{digits:02d}{body}", ()):
                found[number] = None
    return list(found)


def _one_edit(key: str) -> Iterator[str]:
    for pos, char in enumerate(key):
        alphabet = "0123456789" if char.isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for other in alphabet:
            if other != char:
                yield key[:pos] + other + key[pos + 1 :]
    for pos in range(len(key) - 1):
        if key[pos] != key[pos + 1]:
            yield key[:pos] + key[pos + 1] + key[pos] + key[pos + 2 :]
