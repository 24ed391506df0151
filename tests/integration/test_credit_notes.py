"""Credit notes settle invoice status through `dunmail invoices import`: a full credit note
closes the invoice as credited; a partial one lowers what is owed and leaves it open (it is
not a payment, so never `partially_paid`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from daemon.app.manual_allocation import allocate_manually
from tests.integration.human_world import World

CREDIT_NOTE = """<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
            xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
            xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2026-11-20</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:BillingReference>
    <cac:InvoiceDocumentReference><cbc:ID>F2026-0001</cbc:ID></cac:InvoiceDocumentReference>
  </cac:BillingReference>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cac:PartyLegalEntity><cbc:RegistrationName>ACME Holding</cbc:RegistrationName>
        <cbc:CompanyID>ACME</cbc:CompanyID></cac:PartyLegalEntity>
      <cac:Contact><cbc:ElectronicMail>ap@acme.example.com</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="EUR">{amount}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</CreditNote>
"""


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME", email="ap@acme.test")
    world.invoice("F2026-0001", "ACME", 100000)
    world.case("ACME")
    return world


def _pay(w: World, amount: str) -> None:
    tx = w.payment(int(Decimal(amount) * 100))
    allocate_manually(w.store, tx, [("F2026-0001", Decimal(amount))], actor="test")


def _credit(w: World, number: str, amount: str) -> dict[str, Any]:
    path = w.tmp / f"{number}.xml"
    path.write_text(CREDIT_NOTE.format(number=number, amount=amount), encoding="utf-8")
    w.cli("invoices", "import", str(path))
    (row,) = [r for r in w.cli_json("invoices", "list") if r["number"] == "F2026-0001"]
    return dict(row)


def test_partial_credit_note_lowers_the_open_amount_and_stays_open(w: World) -> None:
    row = _credit(w, "C-1", "250.00")
    assert (row["status"], row["credited_amount"], row["open_amount"]) == (
        "open",
        "250.00",
        "750.00",
    )
    # a payment of the rest settles it as paid
    _pay(w, "750.00")
    assert w.invoice_status("F2026-0001") == "paid"


def test_full_credit_note_settles_the_invoice_as_credited(w: World) -> None:
    row = _credit(w, "C-1", "1000.00")
    assert (row["status"], row["open_amount"]) == ("credited", "0.00")


def test_credit_note_for_the_rest_after_a_payment(w: World) -> None:
    _pay(w, "300.00")
    assert w.invoice_status("F2026-0001") == "partially_paid"
    row = _credit(w, "C-1", "700.00")
    assert (row["status"], row["open_amount"]) == ("credited", "0.00")


def test_upgrade_puts_credited_invoices_right(w: World) -> None:
    """A database written before the fix: its statuses follow the rule after the upgrade."""
    w.invoice("F2026-0002", "ACME", 50000, status="paid")
    w.store.execute(
        "UPDATE invoices SET status = 'partially_paid', credited_cents = 25000"
        " WHERE number = 'F2026-0001'"
    )
    w.store.execute("UPDATE invoices SET credited_cents = 50000 WHERE number = 'F2026-0002'")
    w.invoice("F2026-0003", "ACME", 50000, status="partially_paid")
    w.store.execute("UPDATE invoices SET paid_cents = 100 WHERE number = 'F2026-0003'")
    w.store.execute("DELETE FROM schema_migrations WHERE version = 4")
    w.store.close()
    w._store = None
    assert [w.invoice_status(n) for n in ("F2026-0001", "F2026-0002", "F2026-0003")] == [
        "open",
        "credited",
        "partially_paid",
    ]
