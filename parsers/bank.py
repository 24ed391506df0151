"""The values every bank-statement parser produces (CAMT.052/053/054, MT940/MT942).

Pure data: parsers/camt.py and parsers/mt940.py yield these; daemon.app.statements stores
them and daemon.domain.matching reads them. Amounts are Decimal exactly as the bank wrote
them (never rounded here); the sign lives in ``direction``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"


class BankFormatError(ValueError):
    """A statement file that cannot be read. The message names the file part or line."""


@dataclass(frozen=True, slots=True)
class Balance:
    kind: str  # OPBD, CLBD, PRCD, ITBD, CLAV, ... or MT940 60F/60M/62F/62M/64/65
    amount: Decimal  # signed: negative for a debit balance
    currency: str
    date: date | None


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment record: a CAMT TxDtls (or an entry without TxDtls), or an MT940 :61:+:86:."""

    account_iban: str  # the office account the statement is for (IBAN or bank account id)
    booking_date: date | None
    value_date: date | None
    amount: Decimal  # positive
    currency: str
    direction: Direction
    reversal: bool = False  # CAMT RvslInd, MT940 RC/RD, storno
    return_reason: str | None = None  # RtrInf/Rsn/Cd, MT940 /RTRN/
    bank_reference: str | None = None  # AcctSvcrRef / MT940 bank reference (//...)
    end_to_end_id: str | None = None  # None for absent or NOTPROVIDED
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance_lines: tuple[str, ...] = ()  # every Ustrd line (or :86: free text), in order
    structured_references: tuple[str, ...] = ()  # Strd/CdtrRefInf/Ref, MT940 /REMI/STRD/CUR/
    additional_info: str | None = None  # AddtlNtryInf / AddtlTxInf
    transaction_code: str | None = None  # BkTxCd or MT940 N-code / GVC
    entry_reference: str | None = None  # NtryRef, or a per-entry sequence
    batch_index: int = 0  # position inside a batch entry (0 for single)
    statement_id: str | None = None
    # CAMT: the whole Ntry amount, signed by the entry's CdtDbtInd, repeated on every record of
    # a batch. It is what the account was booked with (TxDtls amounts may be in another
    # currency or leave charges out); None for MT940, where the record is the entry.
    entry_signed_amount: Decimal | None = None

    @property
    def remittance(self) -> str:
        lines = self.remittance_lines
        if len(lines) == 1:  # the common case, without a generator
            return lines[0].strip()
        return " ".join(filter(None, map(str.strip, lines)))

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction is Direction.CREDIT else -self.amount


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement (CAMT Stmt/Rpt/Ntfctn or MT940 :20: block) with its payments."""

    format: str  # "camt.053.001.02", "mt940", "mt942", ...
    statement_id: str | None
    account_iban: str
    currency: str | None
    balances: tuple[Balance, ...] = ()
    payments: tuple[Payment, ...] = ()
    created_at: str | None = None  # as written in the file
    sequence: str | None = None  # ElctrncSeqNb / :28C:
    from_date: date | None = None
    to_date: date | None = None
    warnings: tuple[str, ...] = field(default=())

    def balance(self, *kinds: str) -> Balance | None:
        for kind in kinds:
            for balance in self.balances:
                if balance.kind == kind:
                    return balance
        return None
