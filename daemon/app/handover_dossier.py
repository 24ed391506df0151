"""The dossier a collection agency asks for, as one ZIP: the invoices (PDF when we have it,
always CSV and JSON), every mail in and out as .eml, the payments, the audit timeline, the
collection-cost and interest working as of the hand-over date, and a summary in CSV and JSON.
Written by daemon.app.handover."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from daemon.adapters.csvsafe import csv_bytes
from daemon.adapters.invoice_pdfs import PdfRefused, read_pdf
from daemon.adapters.store import handover as handover_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.invoices import debtor_row, invoice_rows
from daemon.adapters.store.letters import letter_pdfs
from daemon.app.claims import ledger_view
from daemon.app.plans import invoice_open_cents
from daemon.app.progress import Progress, silent
from daemon.config import Config
from daemon.domain import interest as rates
from daemon.domain.fees import collection_costs
from daemon.domain.filenames import EntryNames
from daemon.domain.interest import compute_interest
from daemon.domain.money import from_cents

# (jurisdiction, debtor type) → (rate table, compounding, legal basis)
_INTEREST: dict[tuple[str, str], tuple[rates.RateTable, bool, str]] = {
    ("NL", "b2c"): (rates.NL_B2C, True, "NL art. 6:119 BW (wettelijke rente)"),
    ("NL", "b2b"): (rates.NL_B2B, True, "NL art. 6:119a BW (wettelijke handelsrente)"),
    ("DE", "b2c"): (rates.DE_B2C, False, "DE § 288 Abs. 1 BGB"),
    ("DE", "b2b"): (rates.DE_B2B, False, "DE § 288 Abs. 2 BGB"),
    ("BE", "b2b"): (rates.BE_B2B, False, "BE wet 2 augustus 2002 art. 5"),
}


def interest_and_costs(
    config: Config, debtor: dict[str, Any], invoices: Sequence[dict[str, Any]], as_of: date
) -> dict[str, Any]:
    """The collection-cost and interest working on the open amounts, as of ``as_of``."""
    jurisdiction = (debtor.get("country") or config.office.jurisdiction).upper()
    kind = debtor.get("debtor_type") or "b2b"
    principal = sum((from_cents(invoice_open_cents(r)) for r in invoices), Decimal("0.00"))
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "jurisdiction": jurisdiction,
        "debtor_type": kind,
        "principal": str(principal),
    }
    try:
        costs = collection_costs(
            jurisdiction, kind, principal, vat_deductible=config.office.vat_deductible
        )
        out["costs"] = {
            "amount": str(costs.amount),
            "vat": str(costs.vat),
            "basis": costs.basis,
            "lines": [str(line) for line in costs.lines],
        }
    except ValueError as exc:
        out["costs"] = {"amount": "0.00", "lines": [f"not computed: {exc}"]}
    if kind == "b2c" and jurisdiction == "NL":
        notices = [r["formal_notice_date"] for r in invoices if r.get("formal_notice_date")]
        out["costs"]["note"] = (
            f"veertiendagenbrief recorded on {min(notices)}"
            if notices
            else "no veertiendagenbrief recorded: costs are not yet due for a consumer"
        )
    per_invoice = []
    total_interest = Decimal("0.00")
    table = _INTEREST.get((jurisdiction, kind))
    for row in invoices:
        amount = from_cents(invoice_open_cents(row))
        start = date.fromisoformat(row["due_date"]) + timedelta(days=1)
        if table is None:
            per_invoice.append(
                {
                    "invoice": row["number"],
                    "principal": str(amount),
                    "interest": "0.00",
                    "lines": [f"no statutory rate table for {jurisdiction} {kind}"],
                }
            )
            continue
        try:
            result = compute_interest(amount, start, as_of, table[0], compound_yearly=table[1])
        except ValueError as exc:
            per_invoice.append(
                {
                    "invoice": row["number"],
                    "principal": str(amount),
                    "interest": "0.00",
                    "lines": [f"not computed: {exc}"],
                }
            )
            continue
        total_interest += result.total
        per_invoice.append(
            {
                "invoice": row["number"],
                "principal": str(amount),
                "from": start.isoformat(),
                "to": as_of.isoformat(),
                "interest": str(result.total),
                "basis": table[2],
                "convention": result.convention,
                "lines": [line.describe() for line in result.lines]
                + [
                    f"capitalised on {c.on.isoformat()}: new base {c.new_base}"
                    for c in result.capitalisations
                ],
            }
        )
    out["interest"] = {"total": str(total_interest), "invoices": per_invoice}
    out["total_claim"] = str(principal + Decimal(out["costs"]["amount"]) + total_interest)
    return out


def _csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    # Payer names, remittance and debtor names are text from outside: never a formula.
    return csv_bytes(rows, columns)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def build_dossier(
    store: Store,
    config: Config,
    debtor_id: str,
    numbers: Sequence[str],
    *,
    agency: str,
    as_of: date,
    generated_at: str,
    progress: Progress = silent,
) -> tuple[bytes, int]:
    """The dossier ZIP in memory, and the number of messages in it; ``progress`` counts the
    messages written (each is a stored mail, the slow part of a long case)."""
    debtor = debtor_row(store, debtor_id)
    assert debtor is not None
    invoices = invoice_rows(store, numbers=list(numbers))
    invoice_data = [
        {
            "number": r["number"],
            "currency": r["currency"],
            "issue_date": r["issue_date"],
            "due_date": r["due_date"],
            "amount": str(from_cents(r["amount_cents"])),
            "paid": str(from_cents(r["paid_cents"])),
            "credited": str(from_cents(r["credited_cents"])),
            "written_off": str(from_cents(r["written_off_cents"])),
            "open": str(from_cents(invoice_open_cents(r))),
            "reference": r["reference"],
            "dunning_step": r["dunning_step"],
            "last_step": r["last_step_name"],
            "last_step_date": r["last_step_date"],
            "formal_notice_date": r["formal_notice_date"],
        }
        for r in invoices
    ]
    payments = handover_store.dossier_payments(store, numbers)
    for p in payments:
        p["amount"] = str(from_cents(p.pop("amount_cents")))
    events = handover_store.dossier_events(store, debtor_id)
    for e in events:
        e["detail"] = loads(e["detail"], {})
    inbox = handover_store.dossier_mail_in(store, debtor_id)
    outbox = handover_store.dossier_mail_out(store, debtor_id)
    computation = interest_and_costs(config, debtor, invoices, as_of)
    ledger = ledger_view(store, debtor_id)
    correspondence = []
    # Invoice numbers may be anything an old import let in: entry names are made safe here.
    entry_names = EntryNames(("invoices/invoices.json", "invoices/invoices.csv"))
    pdfs: dict[str, tuple[bytes, str]] = {}
    refused: dict[str, str] = {}
    for row in invoices:
        if not row["pdf_path"]:
            continue
        try:  # only a PDF inside invoices.pdf_dir, as for a copy sent by mail
            pdf = read_pdf(row["pdf_path"], config.invoices.pdf_policy)
        except PdfRefused as exc:
            refused[row["number"]] = str(exc)
            continue
        pdfs[row["number"]] = (pdf, entry_names.add("invoices", row["number"], ".pdf"))
    for d in invoice_data:
        d["pdf_file"] = pdfs[d["number"]][1] if d["number"] in pdfs else None
        d["pdf_refused"] = refused.get(d["number"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for pdf, pdf_entry in pdfs.values():
            z.writestr(pdf_entry, pdf)
        z.writestr("invoices/invoices.json", _json(invoice_data))
        z.writestr("invoices/invoices.csv", _csv(invoice_data, list(invoice_data[0])))
        written, total = 0, len(inbox) + len(outbox)
        for direction, rows in (("in", inbox), ("out", outbox)):
            for m in rows:
                written += 1
                progress(written, total)
                name = f"mail/{direction}-{m['id']:06d}.eml"
                kept = m["raw"] is not None and not m["purged_at"] and len(m["raw"]) > 0
                when = m.get("received_at") or m.get("sent_at") or m.get("created_at")
                entry = {
                    "file": name if kept else None,
                    "direction": direction,
                    "at": when,
                    "subject": m["subject"],
                    "sha256": m["sha256"],
                    "purged_at": m["purged_at"],
                }
                if kept:
                    z.writestr(name, bytes(m["raw"]))
                correspondence.append(entry)
        z.writestr("mail/index.json", _json(correspondence))
        # Paper letters (#16): the stored PDF and when/how it was posted (tracking code).
        letters = []
        for row in letter_pdfs(store, debtor_id):
            name = f"letters/letter-{row['id']:06d}.pdf"
            z.writestr(name, bytes(row.pop("pdf")))
            letters.append({"file": name, **row})
        z.writestr("letters/index.json", _json(letters))
        z.writestr("payments.json", _json(payments))
        z.writestr(
            "payments.csv",
            _csv(
                payments,
                [
                    "booking_date",
                    "invoice_number",
                    "amount",
                    "counterparty_name",
                    "counterparty_iban",
                    "remittance",
                    "bank_reference",
                    "rule",
                    "actor",
                    "reversed_at",
                ],
            ),
        )
        z.writestr("timeline.json", _json(events))
        z.writestr(
            "timeline.csv",
            _csv(events, ["at", "actor", "event", "invoice_number", "detail", "message_sha256"]),
        )
        # #15: what the sent mails claimed and booked, apart from the fresh computation.
        z.writestr("claims-ledger.json", _json(ledger))
        z.writestr("costs-and-interest.json", _json(computation))
        z.writestr("costs-and-interest.txt", _computation_text(computation).encode("utf-8"))
        summary = {
            "creditor": {
                "name": config.office.name,
                "email": config.office.email,
                "iban": config.office.iban,
                "registration": config.office.registration,
                "vat_number": config.office.vat_number,
            },
            "debtor": {
                "id": debtor_id,
                "name": debtor["name"],
                "type": debtor["debtor_type"],
                "country": debtor["country"],
                "emails": [e["email"] for e in debtor["all_emails"]],
                "ibans": debtor["ibans"],
            },
            "agency": agency,
            "handed_over_on": as_of.isoformat(),
            "generated_at": generated_at,
            "invoices": [
                {k: d[k] for k in ("number", "due_date", "amount", "open")} for d in invoice_data
            ],
            "principal": computation["principal"],
            "costs": computation["costs"]["amount"],
            "interest": computation["interest"]["total"],
            "total_claim": computation["total_claim"],
            # Booked by the sent mails (claims ledger), per currency: principal, costs and
            # interest apart, with the day the interest was computed to.
            "booked": ledger["balance"],
            "messages": sum(1 for c in correspondence if c["file"]),
            "payments": len(payments),
        }
        z.writestr("summary.json", _json(summary))
        z.writestr(
            "summary.csv",
            _csv(
                [
                    {**d, "debtor_id": debtor_id, "debtor_name": debtor["name"], "agency": agency}
                    for d in summary["invoices"]
                ],
                ["debtor_id", "debtor_name", "agency", "number", "due_date", "amount", "open"],
            ),
        )
    return buffer.getvalue(), summary["messages"]


def _computation_text(c: dict[str, Any]) -> str:
    lines = [
        f"Claim as of {c['as_of']} ({c['jurisdiction']}, {c['debtor_type']})",
        f"Principal: {c['principal']}",
        "",
        "Collection costs:",
    ]
    lines += [f"  {line}" for line in c["costs"]["lines"]]
    if c["costs"].get("note"):
        lines.append(f"  note: {c['costs']['note']}")
    lines += ["", "Interest:"]
    for inv in c["interest"]["invoices"]:
        lines.append(f"  {inv['invoice']} on {inv['principal']}: {inv['interest']}")
        lines += [f"    {line}" for line in inv["lines"]]
    lines += ["", f"Total interest: {c['interest']['total']}", f"Total claim: {c['total_claim']}"]
    return "\n".join(lines) + "\n"
