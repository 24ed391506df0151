"""Statutory collection costs (NL WIK/BIK, BE Boek XIX and B2B, DE Pauschale) and the
payment terms that decide when they may be charged (domain-rules §1, §3, §4, §8.1–8.2).

Every amount comes with the lines of its computation, because the reminder mail must show
how the figure was reached (an unexplained or excessive amount voids an NL 14-dagenbrief).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from daemon.domain.charge_lines import ChargeLine, charge_line
from daemon.domain.money import quantize_cents

NL_VAT_RATE = Decimal("0.21")
WIK_MIN = Decimal("40.00")
WIK_MAX = Decimal("6775.00")
# (slice size, rate); None = the rest
_WIK_STAFFEL: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("2500"), Decimal("0.10")),
    (Decimal("5000"), Decimal("0.05")),
    (Decimal("190000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
FLAT_B2B = Decimal("40.00")  # NL minimum (6:96 lid 4), BE (wet 2002 art. 6), DE (§ 288 Abs. 5)
BE_B2C_MAX = Decimal("2000.00")


@dataclass(frozen=True, slots=True)
class CostComputation:
    amount: Decimal  # what may be charged, VAT included when added
    lines: tuple[ChargeLine, ...]  # the steps, in order (render_line says them per language)
    vat: Decimal = Decimal("0.00")
    basis: str = ""  # the legal basis, e.g. "NL art. 6:96 BW / Besluit BIK"


def _pct(rate: Decimal) -> Decimal:
    return (rate * 100).normalize()


def _wik_raw(principal: Decimal) -> tuple[Decimal, list[ChargeLine]]:
    remaining, raw, lines = principal, Decimal(0), []
    for size, rate in _WIK_STAFFEL:
        if remaining <= 0:
            break
        part = remaining if size is None else min(remaining, size)
        raw += part * rate
        lines.append(
            charge_line("wik_slice", rate=_pct(rate), part=quantize_cents(part), value=part * rate)
        )
        remaining -= part
    return raw, lines


def compute_wik(principal: Decimal) -> Decimal:
    """NL BIK staffel on the principal: min 40.00, max 6,775.00, half-up to the cent."""
    return _wik(principal)[0]


def _wik(principal: Decimal) -> tuple[Decimal, list[ChargeLine]]:
    if principal <= 0:
        raise ValueError(f"principal must be positive, got {principal}")
    raw, lines = _wik_raw(principal)
    fee = quantize_cents(raw)
    lines.append(charge_line("wik_staffel_total", raw=raw, fee=fee))
    if fee < WIK_MIN:
        fee = WIK_MIN
        lines.append(charge_line("wik_minimum", amount=WIK_MIN))
    elif fee > WIK_MAX:
        fee = WIK_MAX
        lines.append(charge_line("wik_maximum", amount=WIK_MAX))
    return fee, lines


def wik_for_letter(
    principals: Iterable[Decimal], *, paid_within_term: Decimal = Decimal(0)
) -> Decimal:
    """Fee for one 14-dagenbrief covering several invoices: the staffel applies once to the
    sum (not per invoice), and a consumer's part-payment within the term lowers the base
    (HR 25-11-2016)."""
    base = sum(principals, Decimal(0)) - paid_within_term
    return compute_wik(base)


def fee_owed_after_letter(stated_fee: Decimal, statutory_fee: Decimal) -> Decimal:
    """What an NL 14-dagenbrief that stated ``stated_fee`` lets the creditor charge: nothing
    if it stated more than the law allows (the letter is void, only a new correct letter
    repairs it), else the stated amount (never more than was announced)."""
    return Decimal("0.00") if stated_fee > statutory_fee else stated_fee


def compute_be_consumer_cap(balance: Decimal) -> Decimal:
    """BE Boek XIX maximum damage clause: 20 / 30 + 10 % / 65 + 5 %, never above 2,000."""
    if balance <= 0:
        raise ValueError(f"balance must be positive, got {balance}")
    if balance <= 150:
        return Decimal("20.00")
    if balance <= 500:
        return quantize_cents(Decimal(30) + (balance - 150) * Decimal("0.10"))
    return min(BE_B2C_MAX, quantize_cents(Decimal(65) + (balance - 500) * Decimal("0.05")))


def collection_costs(
    jurisdiction: str, debtor_type: str, principal: Decimal, *, vat_deductible: bool = True
) -> CostComputation:
    """Statutory collection costs for a claim; see CostComputation.lines for the working.

    NL: the staffel for both B2C and B2B (B2B at least 40.00), plus 21 % VAT only when the
    creditor cannot deduct VAT. BE B2C: the Boek XIX maximum. BE and DE B2B: flat 40.00.
    DE B2C: none.
    """
    j, kind = jurisdiction.upper(), debtor_type.lower()
    if kind not in ("b2b", "b2c"):
        raise ValueError(f"debtor type must be b2b or b2c, got {debtor_type!r}")
    if j == "NL":
        fee, lines = _wik(principal)
        lines.insert(0, charge_line("principal", amount=quantize_cents(principal)))
        vat = Decimal("0.00")
        if not vat_deductible:
            vat = quantize_cents(fee * NL_VAT_RATE)
            lines.append(charge_line("vat", rate=_pct(NL_VAT_RATE), amount=vat))
        total = fee + vat
        lines.append(charge_line("collection_costs", amount=total))
        return CostComputation(total, tuple(lines), vat, "NL art. 6:96 BW / Besluit BIK")
    if j == "BE" and kind == "b2c":
        cap = compute_be_consumer_cap(principal)
        be_lines = (
            charge_line("balance", amount=quantize_cents(principal)),
            charge_line("be_b2c_maximum", amount=cap),
        )
        return CostComputation(cap, be_lines, basis="BE art. XIX.4 WER")
    if j in ("BE", "DE") and kind == "b2b":
        basis = "BE wet 2 augustus 2002 art. 6" if j == "BE" else "DE § 288 Abs. 5 BGB"
        return CostComputation(
            FLAT_B2B, (charge_line("flat_compensation", amount=FLAT_B2B),), basis=basis
        )
    if j == "DE":
        return CostComputation(Decimal("0.00"), (charge_line("no_consumer_flat_fee"),), basis="DE")
    raise ValueError(f"unsupported jurisdiction {jurisdiction!r}; expected NL, BE or DE")


# --- terms ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    start: date  # first day of the term
    last_day: date  # last day the debtor may pay without costs
    costs_from: date  # first day costs may be added


def fourteen_day_term(
    receipt_date: date, *, extend_for_atw: bool, is_business_day: Callable[[date], bool]
) -> Term:
    """NL 14-dagenbrief: 14 days from the day after receipt (HR 25-11-2016). With the
    conservative Algemene termijnenwet reading, a last day on a weekend or holiday moves
    to the next business day."""
    start = receipt_date + timedelta(days=1)
    last = receipt_date + timedelta(days=14)
    if extend_for_atw:
        while not is_business_day(last):
            last += timedelta(days=1)
    return Term(start, last, last + timedelta(days=1))


def _nl_postal_day(d: date, is_business_day: Callable[[date], bool]) -> bool:
    # Post is delivered Tuesday to Saturday; a holiday on a weekday is no postal day.
    if d.weekday() in (0, 6):
        return False
    return d.weekday() == 5 or is_business_day(d)


def presumed_letter_delivery(
    sent: date, *, conservative: bool, is_business_day: Callable[[date], bool]
) -> date:
    """Presumed delivery of a posted NL letter: the next postal day, or (conservative, the
    HR verstek presumption) the second postal day after sending (Sun/Mon/holidays skipped)."""
    wanted, d = (2 if conservative else 1), sent
    while wanted:
        d += timedelta(days=1)
        if _nl_postal_day(d, is_business_day):
            wanted -= 1
    return d


def be_consumer_waiting_period(
    sent: date, *, paper: bool, is_business_day: Callable[[date], bool]
) -> Term:
    """BE Boek XIX: 14 calendar days starting the 3rd working day after a paper reminder is
    sent, or the day after an electronic one; costs may be applied the day after."""
    start = sent + timedelta(days=1)
    if paper:
        count, d = 0, sent
        while count < 3:
            d += timedelta(days=1)
            if is_business_day(d):
                count += 1
        start = d
    last = start + timedelta(days=13)
    return Term(start, last, last + timedelta(days=1))


def de_verzug_start(due_date: date, invoice_received: date) -> date:
    """§ 286 Abs. 3 BGB: Verzug at the latest on the 31st day after due date and receipt
    of the invoice (for consumers only if the invoice pointed this out)."""
    return max(due_date, invoice_received) + timedelta(days=31)
