"""EPC QR ("GiroCode", EPC069-12) payload for a SEPA credit transfer (domain-rules §6.1).

Project choices: version 002, character set 1 (UTF-8), amount always present with two
decimals, only RF references as structured remittance (kenmerk/OGM go in the text line),
nothing after the last populated line.
"""

from __future__ import annotations

import re
from decimal import Decimal

from stdnum import iban as stdnum_iban

from daemon.domain.references import is_valid_rf

MAX_PAYLOAD_BYTES = 331
_MIN_AMOUNT = Decimal("0.01")
_MAX_AMOUNT = Decimal("999999999.99")


def _field(label: str, value: str, max_len: int) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"EPC QR {label} must be one line")
    if len(value) > max_len:
        raise ValueError(f"EPC QR {label} is {len(value)} characters; the maximum is {max_len}")
    return value


def _amount(amount: Decimal) -> str:
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"EPC QR amount {amount} has more than two decimals")
    if not _MIN_AMOUNT <= amount <= _MAX_AMOUNT:
        raise ValueError(f"EPC QR amount {amount} is outside 0.01 … 999999999.99")
    return f"EUR{amount.quantize(Decimal('0.01')):f}"


def epc_payload(
    name: str,
    iban: str,
    amount: Decimal,
    *,
    bic: str | None = None,
    reference: str | None = None,
    text: str | None = None,
    purpose: str | None = None,
    info: str | None = None,
    version: str = "002",
) -> str:
    """The 12-line payload, LF-separated, without trailing separators.

    Raises ValueError naming the field for anything a banking app would reject.
    """
    if version not in ("001", "002"):
        raise ValueError(f"EPC QR version must be 001 or 002, got {version!r}")
    if reference and text:
        raise ValueError("EPC QR takes a structured reference or a text, never both")
    bic_value = (bic or "").replace(" ", "").upper()
    if version == "001" and not bic_value:
        raise ValueError("EPC QR version 001 requires a BIC")
    if bic_value and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", bic_value):
        raise ValueError(f"EPC QR BIC {bic!r} is not 8 or 11 characters of BIC shape")
    if not name.strip():
        raise ValueError("EPC QR beneficiary name is empty")
    iban_value = stdnum_iban.compact(iban)
    if not stdnum_iban.is_valid(iban_value):
        raise ValueError(f"EPC QR IBAN {iban!r} is not a valid IBAN")
    ref_value = ""
    if reference:
        ref_value = _field("structured reference", reference.replace(" ", "").upper(), 35)
        if not is_valid_rf(ref_value):
            raise ValueError(
                f"EPC QR structured reference {reference!r} is not a valid RF reference"
            )
    if purpose and not re.fullmatch(r"[A-Z0-9]{1,4}", purpose):
        raise ValueError(
            f"EPC QR purpose {purpose!r} must be an ISO 20022 code of up to 4 characters"
        )
    lines = [
        "BCD",
        version,
        "1",
        "SCT",
        bic_value,
        _field("beneficiary name", name.strip(), 70),
        _field("IBAN", iban_value, 34),
        _amount(amount),
        purpose or "",
        ref_value,
        _field("text", text or "", 140),
        _field("beneficiary-to-originator information", info or "", 70),
    ]
    while lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(f"EPC QR payload is {size} bytes; the maximum is {MAX_PAYLOAD_BYTES}")
    return payload
