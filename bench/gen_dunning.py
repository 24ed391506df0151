"""A dunning database for the plan and outbox benchmarks: debtors with open invoices.

Rows go in with plain INSERTs in one transaction (an import through the CLI would spend
minutes writing one audit row per invoice, which is not what is measured). Due dates are
spread over the last ``max_overdue_days`` days so that the planner meets every ladder step,
invoices not yet due, and debtors with nothing to do; a bank statement booked until
yesterday keeps the freshness gate open.

    .venv/bin/python bench/gen_dunning.py --invoices 100000 --out bench/out/dunning.db
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from daemon.adapters.clock import iso_utc  # noqa: E402
from daemon.adapters.store.db import Store, open_store  # noqa: E402
from daemon.domain.references import generate_rf  # noqa: E402

TODAY = date(2026, 12, 2)  # a Wednesday, no holiday in NL/BE/DE
OFFICE_IBAN = "NL91ABNA0417164300"
LANGUAGES = ("nl", "nl", "nl", "en", "de", "fr")


def populate(
    store: Store,
    *,
    invoices: int,
    per_debtor: int = 4,
    today: date = TODAY,
    min_overdue_days: int = -20,
    max_overdue_days: int = 90,
    seed: int = 1,
) -> dict[str, int]:
    """Insert ``invoices`` open invoices over ``invoices // per_debtor`` debtors."""
    rng = random.Random(seed)
    at = iso_utc(datetime(2026, 1, 1, tzinfo=UTC))
    n_debtors = max(1, invoices // per_debtor)
    debtor_rows, email_rows, invoice_rows = [], [], []
    for d in range(n_debtors):
        debtor_id = f"D{d:06d}"
        debtor_rows.append(
            (debtor_id, f"Klant {d} B.V.", LANGUAGES[d % len(LANGUAGES)], "b2b", "NL", at, at)
        )
        email_rows.append((debtor_id, f"ap{d}@klant{d % 997}.example", 0))
    for i in range(invoices):
        number = f"F{2024 + i // 1_000_000}-{i % 1_000_000:06d}"
        due = today - timedelta(days=rng.randint(min_overdue_days, max_overdue_days))
        invoice_rows.append(
            (
                number,
                f"D{i % n_debtors:06d}",
                rng.randint(5_000, 500_000),
                (due - timedelta(days=30)).isoformat(),
                due.isoformat(),
                generate_rf(number),
                at,
                at,
            )
        )
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO debtors (id, name, language, debtor_type, country, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            debtor_rows,
        )
        store.conn.executemany(
            "INSERT INTO debtor_emails (debtor_id, email, position) VALUES (?, ?, ?)", email_rows
        )
        store.conn.executemany(
            "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date,"
            " reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            invoice_rows,
        )
        booked = (today - timedelta(days=1)).isoformat()
        cur = store.execute(
            "INSERT INTO statement_files (sha256, filename, format, source, status, imported_at)"
            " VALUES ('bench', 'bench.xml', 'camt053', 'cli', 'imported', ?)",
            (at,),
        )
        store.execute(
            "INSERT INTO statements (file_id, account_iban, format, closing_date,"
            " latest_booking_date, imported_at) VALUES (?, ?, 'camt053', ?, ?, ?)",
            (cur.lastrowid, OFFICE_IBAN, booked, booked, at),
        )
    return {"debtors": n_debtors, "invoices": invoices}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--per-debtor", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "dunning.db")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(args.out) + suffix).unlink(missing_ok=True)
    store = open_store(args.out)
    print(populate(store, invoices=args.invoices, per_debtor=args.per_debtor))
    store.close()


if __name__ == "__main__":
    main()
