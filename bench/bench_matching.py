"""Matching 100,000 payments against 100,000 open invoices (pure function, no database).

Usage:

    .venv/bin/python bench/bench_matching.py [--n 100000] [--seed 1]

The generator below makes a realistic mix (structured RF, kenmerk and OGM references,
invoice numbers written in several ways, known IBAN + amount, name + amount, partial payments,
bank charges, reference typos, overpayments, unrelated credits and debits) and prints the time
to build the index and to match every payment, plus the outcome counts.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon.domain.matching import (
    InvoiceBook,
    InvoiceFacts,
    MatchSettings,
    apply,
    match,
)
from daemon.domain.references import generate_kenmerk, generate_ogm, generate_rf
from parsers.bank import Direction, Payment

WORDS = [
    "Bouw",
    "Advies",
    "Transport",
    "Techniek",
    "Zorg",
    "Media",
    "Groep",
    "Logistiek",
    "Installatie",
    "Bakkerij",
    "Schilders",
    "Metaal",
    "Consult",
    "Handel",
    "Service",
]
NAMES = [
    "Jansen",
    "de Vries",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
]


def generate(
    n: int, seed: int
) -> tuple[list[InvoiceFacts], list[tuple[str, str]], list[Payment], list[str]]:
    rng = random.Random(seed)
    n_debtors = max(n // 4, 1)
    debtors = [
        (f"D{i:06d}", f"{rng.choice(NAMES)} {rng.choice(WORDS)} {i} B.V.") for i in range(n_debtors)
    ]
    ibans = [(d, f"NL{10 + i % 89:02d}BANK{i:010d}") for i, (d, _) in enumerate(debtors)]
    invoices: list[InvoiceFacts] = []
    for i in range(n):
        debtor_id, name = debtors[i % n_debtors]
        number = f"F{2024 + i % 3}-{i:06d}"
        kind = i % 3
        reference = (
            generate_rf(number)
            if kind == 0
            else generate_kenmerk(f"{i:015d}")
            if kind == 1
            else generate_ogm(f"{i:010d}")
        )
        cents = rng.randrange(1_000, 2_000_000)
        invoices.append(
            InvoiceFacts(
                number,
                debtor_id,
                name,
                "EUR",
                cents,
                reference,
                f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            )
        )
    payments: list[Payment] = []
    intended: list[str] = []
    order = list(range(n))
    rng.shuffle(order)  # each invoice is paid (or named) once; repeats are the overpayment mix
    for i in range(n):
        inv = invoices[order[i]]
        debtor_index = int(inv.debtor_id[1:])
        amount = Decimal(inv.open_cents) / 100
        roll = rng.random()
        kw: dict[str, object] = {}
        if roll < 0.35:
            kw["structured_references"] = (inv.reference,)
        elif roll < 0.55:
            style = rng.randrange(4)
            shown = [
                inv.number,
                inv.number.replace("-", " "),
                "fact " + inv.number[1:].replace("-", ""),
                "inv " + inv.number.replace("-", "/"),
            ][style]
            kw["remittance_lines"] = (f"betaling {shown} dank u",)
        elif roll < 0.65:
            kw["counterparty_iban"] = ibans[debtor_index][1]
        elif roll < 0.72:
            kw["counterparty_name"] = inv.debtor_name.upper()
        elif roll < 0.77:
            kw["remittance_lines"] = (inv.number,)
            amount = (amount / 2).quantize(Decimal("0.01"))
        elif roll < 0.80:
            kw["remittance_lines"] = (inv.number,)
            amount = max(amount - Decimal("1.50"), Decimal("0.01"))
        elif roll < 0.83 and inv.reference.startswith("RF"):
            # A swap of two characters: mod-97 always catches it. (A kenmerk swap can yield
            # another invoice's valid kenmerk, which is that invoice's reference, not a typo.)
            ref = inv.reference.replace(" ", "")
            kw["remittance_lines"] = (ref[:-2] + ref[-1] + ref[-2],)
        elif roll < 0.86:
            kw["remittance_lines"] = (inv.number,)
            amount += Decimal("25.00")
        elif roll < 0.95:
            kw["remittance_lines"] = (f"order {rng.randrange(10**6)} webshop",)
            kw["counterparty_name"] = f"Particulier {rng.randrange(10**6)}"
        else:
            kw["direction"] = Direction.DEBIT
            kw["remittance_lines"] = ("huur",)
        intended.append(inv.number)
        payments.append(
            Payment(
                account_iban="NL91ABNA0417164300",
                booking_date=date(2026, 3, 2),
                value_date=date(2026, 3, 2),
                amount=amount,
                currency="EUR",
                direction=kw.pop("direction", Direction.CREDIT),  # type: ignore[arg-type]
                **kw,  # type: ignore[arg-type]
            )
        )
    return invoices, ibans, payments, intended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    invoices, ibans, payments, intended = generate(args.n, args.seed)
    generated = time.perf_counter() - started

    t0 = time.perf_counter()
    book = InvoiceBook(invoices, ibans)
    t1 = time.perf_counter()
    settings = MatchSettings(charges_tolerance_cents=250, name_threshold=88)
    outcomes: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    results = []
    for payment in payments:
        result = match(payment, book, settings)
        apply(book, result)
        results.append(result)
    t2 = time.perf_counter()
    wrong = 0
    for result, number in zip(results, intended, strict=True):
        outcomes[result.status.value] += 1
        for allocation in result.allocations:
            rules[allocation.rule] += 1
            wrong += allocation.invoice != number
    print(
        f"generated {len(invoices):,} invoices and {len(payments):,} payments "
        f"in {generated:.1f} s (not timed below)"
    )
    print(
        f"index: {t1 - t0:.2f} s; match {len(payments):,} payments: {t2 - t1:.2f} s; "
        f"total {t2 - t0:.2f} s ({len(payments) / (t2 - t1):,.0f} payments/s)"
    )
    print("outcomes:", dict(sorted(outcomes.items())))
    print("allocations by rule:", dict(sorted(rules.items())))
    print(f"allocations to an invoice other than the one the generator paid: {wrong}")


if __name__ == "__main__":
    main()
