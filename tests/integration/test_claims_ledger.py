"""The claims ledger through the real CLI and real CAMT.053 imports: the remainder policy
(waive below an amount, ask a person), `dunmail cases waive-costs`, and a returned payment
that gives back what it settled of costs and interest (#15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.adapters.store import claims as ledger_store
from daemon.adapters.store.db import loads
from daemon.adapters.store.invoices import remember_iban
from daemon.app.statements import import_statement_bytes
from tests.integration.bank_writers import Tx, camt053, single
from tests.integration.human_world import AT, World

ACCOUNT = "NL91ABNA0417164300"


def _world(tmp_path: Path, policy: str = "claim", below: str = "10.00") -> World:
    w = World(
        tmp_path,
        extra_config=f'\n[dunning]\nremainder_policy = "{policy}"\nremainder_waive_below = "{below}"\n',
    )
    w.debtor("ACME")
    w.invoice("F2026-0001", "ACME", 100000)
    case_id = w.case("ACME")
    # What a sent formal reminder booked: WIK 150.00 and interest 6.40 computed to 8 Dec.
    for kind, cents, to in (("costs", 15000, None), ("interest", 640, "2026-12-08")):
        ledger_store.book_line(
            w.store,
            case_id=case_id,
            debtor_id="ACME",
            kind=kind,
            cents=cents,
            currency="EUR",
            outbox_id=None,
            message_id="<reminder.F2026-0001.4@voorbeeld.test>",
            basis="art. 6:96 BW" if kind == "costs" else "art. 6:119a BW",
            computation=[],
            computed_to=to,
            invoice_numbers=["F2026-0001"],
            now=AT,
        )
    return w


def _pay(
    w: World, amount: str, ref: str = "B1", reversal: bool = False, text: str = "Factuur F2026-0001"
) -> None:
    tx = Tx(
        amount,
        name="ACME Holding",
        iban="NL02RABO0123456789",
        e2e="E2E-F2026-0001",
        text=text,
        reversal=reversal,
        credit=not reversal,
        return_reason="AC04" if reversal else None,
    )
    data = camt053(ACCOUNT, f"ST-{ref}", [single(tx, ref)])
    (outcome,) = import_statement_bytes(w.store, w.config, data, filename=f"{ref}.xml", now=AT)
    assert outcome.status == "imported", outcome


def _open(w: World) -> int:
    row = w.store.one(
        "SELECT amount_cents - paid_cents - credited_cents - written_off_cents AS c FROM invoices"
        " WHERE number = 'F2026-0001'"
    )
    return int(row["c"])


def test_waive_below_writes_the_remainder_off(tmp_path: Path) -> None:
    w = _world(tmp_path, "waive_below", "200.00")
    _pay(w, "1000.00")
    # Like a rest within the bank-charges tolerance, the written-off remainder leaves the
    # invoice settled; the write-off is booked and logged.
    assert _open(w) == 0
    assert w.store.scalar("SELECT written_off_cents FROM invoices") == 15640
    (event,) = w.events("remainder_waived")
    detail = loads(event["detail"])
    assert (detail["remainder"], detail["limit"]) == ("156.40", "200.00")
    assert w.case_status("ACME") == "closed"
    assert not w.store.query("SELECT 1 FROM review_items WHERE type = 'overpayment'")


def test_waive_below_keeps_claiming_above_the_limit(tmp_path: Path) -> None:
    w = _world(tmp_path, "waive_below", "100.00")
    _pay(w, "1000.00")
    assert w.invoice_status("F2026-0001") == "partially_paid" and _open(w) == 15640
    assert not w.events("remainder_waived")
    assert loads(w.events("remainder_open")[0]["detail"])["decision"] == "claim"


def test_review_policy_asks_a_person(tmp_path: Path) -> None:
    w = _world(tmp_path, "review")
    _pay(w, "1000.00")
    (item,) = w.store.query("SELECT * FROM review_items WHERE type = 'remainder_open'")
    assert "156.40" in item["reason"] and item["debtor_id"] == "ACME"
    assert _open(w) == 15640


def test_cases_show_states_principal_costs_interest_apart(tmp_path: Path) -> None:
    w = _world(tmp_path)
    _pay(w, "1000.00")
    balance = w.cli_json("cases", "show", "ACME")["claims"]["balance"]
    assert balance == [
        {
            "currency": "EUR",
            "principal": "156.40",
            "costs_booked": "150.00",
            "costs_open": "0.00",
            "interest_booked": "6.40",
            "interest_open": "0.00",
            "interest_computed_to": "2026-12-08",
            "total_open": "156.40",
        }
    ]
    text = w.cli("cases", "show", "ACME").output
    assert "Statement of account" in text and "computed to 2026-12-08" in text


def test_waive_costs_command(tmp_path: Path) -> None:
    w = _world(tmp_path)
    assert "Example:" in w.cli("cases", "waive-costs", "--help").output
    assert w.cli("cases", "waive-costs", "ACME", ok=False).exit_code != 0  # --reason required
    out = w.cli_json("cases", "waive-costs", "ACME", "--reason", "goodwill: first late payment")
    assert out["waived"] == {"costs": "150.00"}
    (event,) = w.events("claims_waived")
    assert event["actor"] == "cli:ann"
    assert loads(event["detail"])["reason"] == "goodwill: first late payment"
    # Principal and interest paid: the case closes, nothing is an overpayment.
    _pay(w, "1006.40")
    assert w.invoice_status("F2026-0001") == "paid"
    assert w.case_status("ACME") == "closed"
    assert not w.store.query("SELECT 1 FROM review_items WHERE type = 'overpayment'")


def test_waive_interest_too(tmp_path: Path) -> None:
    w = _world(tmp_path)
    out = w.cli_json("cases", "waive-costs", "F2026-0001", "--interest", "--reason", "settled")
    assert out["waived"] == {"costs": "150.00", "interest": "6.40"}
    row = w.store.one("SELECT costs_waived_at, interest_waived_at FROM cases")
    assert row["costs_waived_at"] and row["interest_waived_at"]


@pytest.mark.parametrize("amount", ["1156.40"])
def test_returned_payment_gives_back_costs_and_interest(tmp_path: Path, amount: str) -> None:
    w = _world(tmp_path)
    _pay(w, amount)
    assert w.invoice_status("F2026-0001") == "paid"
    _pay(w, amount, ref="B2", reversal=True)
    paid = w.store.query("SELECT kind, paid_cents FROM claim_lines ORDER BY id")
    assert [(p["kind"], p["paid_cents"]) for p in paid] == [("costs", 0), ("interest", 0)]
    assert _open(w) == 100000


def test_demanded_total_from_a_known_iban_without_reference(tmp_path: Path) -> None:
    w = _world(tmp_path)
    remember_iban(w.store, "ACME", "NL02RABO0123456789", now=AT)
    _pay(w, "1156.40", text="betaling")
    assert w.invoice_status("F2026-0001") == "paid"
    assert w.case_status("ACME") == "closed"
    assert not w.store.query("SELECT 1 FROM review_items")
    paid = w.store.query("SELECT kind, paid_cents FROM claim_lines ORDER BY id")
    assert [(p["kind"], p["paid_cents"]) for p in paid] == [("costs", 15000), ("interest", 640)]
