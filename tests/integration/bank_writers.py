"""Writers for real CAMT.053 and MT940 statement files, used by the bank tests and the bench.

Test data only: the files follow the published layouts (camt.053.001.02, ING-style MT940 with
/EREF/ /CNTP/ /REMI/ /RTRN/ subfields wrapped at 65 columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Tx:
    """One payment record as a bank would write it."""

    amount: str
    credit: bool = True
    booked: date = date(2026, 3, 2)
    e2e: str | None = None
    name: str | None = None
    iban: str | None = None
    text: str = ""
    structured: str | None = None
    bank_ref: str | None = None
    return_reason: str | None = None
    reversal: bool = False


@dataclass(frozen=True)
class Entry:
    """A booking: one Tx, or a batch of several sharing one bank reference."""

    txs: tuple[Tx, ...]
    bank_ref: str = ""
    booked: date = date(2026, 3, 2)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def credit(self) -> bool:
        return self.txs[0].credit

    @property
    def total(self) -> Decimal:
        return sum((Decimal(t.amount) for t in self.txs), Decimal(0))


def single(tx: Tx, bank_ref: str) -> Entry:
    return Entry((tx,), bank_ref, tx.booked)


def camt053(
    account: str, stmt_id: str, entries: list[Entry], opening: Decimal = Decimal(0)
) -> bytes:
    signed = sum((e.total if e.credit else -e.total for e in entries), Decimal(0))
    closing = opening + signed
    first = min((e.booked for e in entries), default=date(2026, 3, 1))
    last = max((e.booked for e in entries), default=date(2026, 3, 1))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">',
        "<BkToCstmrStmt><GrpHdr><MsgId>MSG-" + stmt_id + "</MsgId>",
        "<CreDtTm>2026-03-05T08:00:00</CreDtTm></GrpHdr>",
        f"<Stmt><Id>{stmt_id}</Id><ElctrncSeqNb>1</ElctrncSeqNb>",
        "<CreDtTm>2026-03-05T08:00:00</CreDtTm>",
        f"<FrToDt><FrDtTm>{first}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>",
        f"<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>",
        _balance("OPBD", opening, first),
        _balance("CLBD", closing, last),
    ]
    for entry in entries:
        out.append(_camt_entry(entry))
    out.append("</Stmt></BkToCstmrStmt></Document>")
    return "\n".join(out).encode()


def _balance(kind: str, amount: Decimal, day: date) -> str:
    ind = "CRDT" if amount >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{abs(amount):.2f}</Amt><CdtDbtInd>{ind}</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def _camt_entry(entry: Entry) -> str:
    ind = "CRDT" if entry.credit else "DBIT"
    reversal = any(t.reversal for t in entry.txs)
    parts = [
        f'<Ntry><Amt Ccy="EUR">{entry.total:.2f}</Amt><CdtDbtInd>{ind}</CdtDbtInd>',
        "<RvslInd>true</RvslInd>" if reversal else "",
        "<Sts>BOOK</Sts>",
        f"<BookgDt><Dt>{entry.booked}</Dt></BookgDt><ValDt><Dt>{entry.booked}</Dt></ValDt>",
        f"<AcctSvcrRef>{entry.bank_ref}</AcctSvcrRef>" if entry.bank_ref else "",
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd>",
        "<NtryDtls>"
        + (f"<Btch><NbOfTxs>{len(entry.txs)}</NbOfTxs></Btch>" if len(entry.txs) > 1 else ""),
    ]
    for tx in entry.txs:
        parts.append(_camt_tx(tx, entry.credit))
    parts.append("</NtryDtls></Ntry>")
    return "".join(parts)


def _camt_tx(tx: Tx, credit: bool) -> str:
    side = "Dbtr" if credit else "Cdtr"
    parts = ["<TxDtls><Refs>"]
    if tx.bank_ref:
        parts.append(f"<AcctSvcrRef>{tx.bank_ref}</AcctSvcrRef>")
    parts.append(f"<EndToEndId>{escape(tx.e2e or 'NOTPROVIDED')}</EndToEndId></Refs>")
    parts.append(f'<AmtDtls><TxAmt><Amt Ccy="EUR">{Decimal(tx.amount):.2f}</Amt></TxAmt></AmtDtls>')
    if tx.name or tx.iban:
        parts.append("<RltdPties>")
        if tx.name:
            parts.append(f"<{side}><Nm>{escape(tx.name)}</Nm></{side}>")
        if tx.iban:
            parts.append(f"<{side}Acct><Id><IBAN>{tx.iban}</IBAN></Id></{side}Acct>")
        parts.append("</RltdPties>")
    if tx.text or tx.structured:
        parts.append("<RmtInf>")
        if tx.text:
            parts.append(f"<Ustrd>{escape(tx.text)}</Ustrd>")
        if tx.structured:
            parts.append(
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
                f"<Ref>{escape(tx.structured)}</Ref></CdtrRefInf></Strd>"
            )
        parts.append("</RmtInf>")
    if tx.return_reason:
        parts.append(f"<RtrInf><Rsn><Cd>{tx.return_reason}</Cd></Rsn></RtrInf>")
    parts.append("</TxDtls>")
    return "".join(parts)


def mt940(
    account: str, ref: str, txs: list[tuple[Tx, str]], opening: Decimal = Decimal(0)
) -> bytes:
    """ING-style MT940; ``txs`` pairs each Tx with its bank reference."""
    signed = sum((Decimal(t.amount) * (1 if t.credit else -1) for t, _ in txs), Decimal(0))
    first = min((t.booked for t, _ in txs), default=date(2026, 3, 1))
    last = max((t.booked for t, _ in txs), default=date(2026, 3, 1))
    lines = [
        ":20:" + ref,
        f":25:{account}EUR",
        ":28C:1",
        f":60F:{_mt_balance(opening, first)}",
    ]
    for tx, bank_ref in txs:
        mark = ("R" if tx.reversal else "") + ("C" if tx.credit else "D")
        amount = f"{Decimal(tx.amount):.2f}".replace(".", ",")
        day = tx.booked.strftime("%y%m%d")
        lines.append(f":61:{day}{tx.booked:%m%d}{mark}{amount}NTRF{tx.e2e or 'NONREF'}//{bank_ref}")
        info = ""
        if tx.return_reason:
            info += f"/RTRN/{tx.return_reason}/"
        if tx.e2e:
            info += f"/EREF/{tx.e2e}/"
        if tx.iban or tx.name:
            info += f"/CNTP/{tx.iban or ''}/INGBNL2A/{tx.name or ''}/AMSTERDAM/"
        if tx.structured:
            info += f"/REMI/STRD/CUR/{tx.structured}/"
        elif tx.text:
            info += f"/REMI/USTD//{tx.text}/"
        lines += _wrap(":86:" + info)
    lines.append(f":62F:{_mt_balance(opening + signed, last)}")
    lines.append("-")
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def _mt_balance(amount: Decimal, day: date) -> str:
    mark = "C" if amount >= 0 else "D"
    return f"{mark}{day:%y%m%d}EUR{abs(amount):.2f}".replace(".", ",")


def _wrap(text: str, width: int = 65) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]
