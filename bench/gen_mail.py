"""Realistic inbound mail for the load benchmarks: variants of the debtor-reply corpus.

Each copy ``k`` of the 90 corpus messages (replies, auto-replies, bounces, remittance
advice) gets its own invoice-number prefix (``F2026-0577`` → ``FAC2026-0577``) and its own
sender domains (``@acme.example`` → ``@acme-c12.example``), so every copy links to its own
debtor and invoices and every Message-ID is unique. Bodies in base64 keep their original
numbers — some mail that links to nothing is realistic too.

``invoices_csv(path, copies)`` writes the matching debtors and invoices (one debtor per
sender address per copy) for ``daemon.app.invoices.import_invoices``.

    .venv/bin/python bench/gen_mail.py --count 10000 --out bench/out/mail
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.inbound_corpus import (  # noqa: E402
    OFFICE,
    contact_of,
    corpus_files,
    labels,
)

_NUMBER = re.compile(rb"(?<![A-Za-z0-9])F(?=20\d{2}-?\d{4}(?!\d))")
_DOMAIN = re.compile(rb"@([A-Za-z0-9.-]+)\.example\b")
_MESSAGE_ID = re.compile(rb"^(Message-ID:[ \t]*<)", re.IGNORECASE | re.MULTILINE)


def prefix(copy: int) -> str:
    """A distinct 1-3 letter invoice prefix per copy ("F" for copy 0)."""
    if copy == 0:
        return "F"
    return "F" + chr(65 + (copy // 26) % 26) + chr(65 + copy % 26)


def rewrite(raw: bytes, copy: int) -> bytes:
    if copy == 0:
        return raw
    raw = _NUMBER.sub(prefix(copy).encode(), raw)
    raw = _MESSAGE_ID.sub(lambda m: m.group(1) + f"c{copy}.".encode(), raw, count=1)
    return _DOMAIN.sub(lambda m: b"@" + m.group(1) + f"-c{copy}.example".encode(), raw)


def rewrite_text(text: str, copy: int) -> str:
    return rewrite(text.encode(), copy).decode()


def templates() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in corpus_files()]


def messages(count: int) -> Iterator[bytes]:
    """``count`` messages: copy 0 of every corpus file, then copy 1, …"""
    base = templates()
    for n in range(count):
        copy, index = divmod(n, len(base))
        yield rewrite(base[index][1], copy)


def copies_for(count: int) -> int:
    return -(-count // len(corpus_files()))


def invoices_csv(target: Path, copies: int) -> int:
    """Debtors and invoices every copy links to; returns the number of invoice rows."""
    lab = labels()
    files = corpus_files()
    rows: list[dict[str, str]] = []
    for copy in range(copies):
        debtors: dict[str, str] = {}
        owner: dict[str, str] = {}
        lang: dict[str, str] = {}
        for path in files:
            contact = rewrite_text(contact_of(path), copy)
            debtor = debtors.setdefault(contact, f"C{copy:03d}D{len(debtors) + 1:03d}")
            lang.setdefault(debtor, lab[path.name]["language"])
            for number in lab[path.name]["invoice_numbers"]:
                owner.setdefault(rewrite_text(number, copy), debtor)
        for contact, debtor in debtors.items():
            numbers = sorted(n for n, d in owner.items() if d == debtor)
            if not numbers:
                numbers = [f"{prefix(copy)}2026-9{len(rows) % 1000:03d}"]
            for number in numbers:
                rows.append(
                    {
                        "number": number,
                        "debtor_id": debtor,
                        "debtor_name": f"Debtor {debtor}",
                        "debtor_email": contact,
                        "issue_date": "2026-08-15",
                        "due_date": "2026-09-15",
                        "amount": f"{1000 + len(rows) % 997}.50",
                        "language": lang[debtor],
                    }
                )
    # Two debtors of one copy may share a fallback number: keep the first.
    seen: set[str] = set()
    unique = [r for r in rows if not (r["number"] in seen or seen.add(r["number"]))]  # type: ignore[func-returns-value]
    with target.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(unique[0]))
        writer.writeheader()
        writer.writerows(unique)
    return len(unique)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "mail")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for n, raw in enumerate(messages(args.count)):
        (args.out / f"m{n:05d}.eml").write_bytes(raw)
    rows = invoices_csv(args.out / "invoices.csv", copies_for(args.count))
    print(f"{args.count} mails and {rows} invoices in {args.out} (office {OFFICE})")


if __name__ == "__main__":
    main()
