"""Paper letters end to end on a real database: a letter step fills the print queue with a
PDF whose text, amounts, deadline and address position are read back; posting is recorded;
terms and invoices are attached; the dossier holds the letters; the CLI drives it all."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fpdf import FPDF
from PIL import Image

from daemon.adapters.store.db import Store, loads, open_store
from daemon.adapters.store.letters import letter, list_letters
from daemon.adapters.templates import format_day, format_money
from daemon.app.dunning import queue_day
from daemon.app.gdpr import erase_debtor, export_zip
from daemon.app.handover import hand_over
from daemon.app.outbox import mark_sent
from daemon.app.preview import preview
from daemon.app.print_queue import LetterRefused, cancel_letter, post_letter, print_letter
from daemon.cli import main
from daemon.config import Config, InvoiceSettings
from tests.integration.dunning_support import add_debtor, add_invoice, make_config, pay
from tests.integration.letters_support import (
    add_address,
    letter_ladders,
    page_png,
    pdf_text,
    text_positions,
    with_letters,
)

TZ = ZoneInfo("Europe/Amsterdam")
ISSUE, DUE = date(2026, 1, 5), date(2026, 1, 19)


def _config(**step: Any) -> Config:
    return with_letters(letter_ladders(make_config(bank_freshness_business_days=0), **step))


def _run_until_letter(store: Store, config: Config, start: date = date(2026, 1, 20)) -> dict:
    """Daily cycles (09:00, mails marked sent as the drain would) until a letter is made."""
    for offset in range(90):
        now = datetime.combine(start + timedelta(days=offset), time(9, 0), tzinfo=TZ)
        queue_day(store, config, now)
        store.execute(
            "UPDATE outbox SET status = 'sent', sent_at = created_at WHERE status = 'queued'"
        )
        made = list_letters(store)
        if made:
            row = letter(store, made[0]["id"])
            assert row is not None
            return row
    raise AssertionError("no letter was made in 90 days")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "letters.db")


def _debtor(store: Store, debtor_id: str = "D1", *, lang: str = "nl", kind: str = "b2b",
            invoices: int = 1, address: bool = True) -> None:  # fmt: skip
    add_debtor(store, debtor_id, lang=lang, kind=kind, name=f"Bakkerij {debtor_id} B.V.")
    if address:
        add_address(store, debtor_id)
    for k in range(invoices):
        add_invoice(store, f"F2026-{debtor_id}{k:03d}", debtor_id, 123450 + 1000 * k, ISSUE, DUE)


def test_formal_step_letter_has_the_amounts_deadline_reference_and_window_address(
    store: Store,
) -> None:
    _debtor(store)
    row = _run_until_letter(store, _config())
    assert row["step_name"] == "formal" and row["status"] == "queued" and row["pages"] == 1
    assert hashlib.sha256(row["pdf"]).hexdigest() == row["sha256"]
    decision = row["decision"]
    (page,) = pdf_text(row["pdf"])
    total = (
        Decimal(decision["amount_due"]) + Decimal(decision["costs"]) + Decimal(decision["interest"])
    )
    assert decision["costs"] == "185.18"  # WIK: 15 % of 1,234.50
    assert format_money(total, "EUR", "nl").replace("\u202f", "\u00a0") in page
    assert "Incassokosten" in page and "€\u00a0185,18" in page
    deadline = date.fromisoformat(row["deadline"])
    # posted on the letter's date (Mon), received 2 business days later, 7 days from the next day
    assert deadline == date.fromisoformat(row["letter_date"]) + timedelta(days=2 + 7)
    assert format_day(deadline, "nl") in page
    assert "RF" in page and "F2026-D1000" in page
    assert "Tweede herinnering" in page  # the mail template's own subject and prose
    # The address block sits in the DIN 5008 B window (20 mm left, 45 mm top, 85 × 45 mm).
    spots = {t: (x, y) for t, x, y in text_positions(row["pdf"])}
    for line in ("Bakkerij D1 B.V.", "Oudegracht 12", "3511 AB  UTRECHT"):
        x, y = spots[line]
        assert 20 <= x <= 22 and 62 <= y <= 90, (line, x, y)
    # the return line (the office's name) in the first 5 mm of the window
    assert any(
        t == "Voorbeeld B.V." and 20 <= x <= 22 and 45 <= y <= 50
        for t, x, y in text_positions(row["pdf"])
    )
    png = Image.open(io.BytesIO(page_png(row["pdf"])))
    width, height = png.size
    assert abs(height / width - 297 / 210) < 0.01
    gray = png.convert("L")
    px = width / 210

    def ink(x0: float, y0: float, x1: float, y1: float) -> int:
        box = gray.crop((int(x0 * px), int(y0 * px), int(x1 * px), int(y1 * px)))
        return sum(box.histogram()[:128])  # pixels darker than mid-grey

    assert ink(20, 62, 105, 80) > 200  # the address is printed in the window
    assert ink(0, 20, 18, 100) < 5  # nothing in the left margin but the fold mark lines


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ("Ons kenmerk", "Openstaand bedrag", "Betaalgegevens", "Pagina 1/1")),
        ("en", ("Our reference", "Amount outstanding", "Payment details", "Page 1/1")),
        ("de", ("Unser Zeichen", "Offener Betrag", "Zahlungsangaben", "Seite 1/1")),
        ("fr", ("Notre référence", "Montant dû", "Coordonnées de paiement", "Page 1/1")),
    ],
)
def test_a_letter_in_each_language(store: Store, tmp_path: Path, lang: str, words: tuple) -> None:
    _debtor(store, lang=lang)
    row = _run_until_letter(store, _config())
    (page,) = pdf_text(row["pdf"])
    for word in words:
        assert word in page, (lang, word)
    (tmp_path / f"letter-{lang}.png").write_bytes(page_png(row["pdf"]))


def test_a_long_statement_runs_to_two_pages_with_page_numbers(store: Store) -> None:
    _debtor(store, invoices=24)
    row = _run_until_letter(store, _config())
    pages = pdf_text(row["pdf"])
    assert row["pages"] == len(pages) >= 2
    for n, text in enumerate(pages, 1):
        assert f"Pagina {n}/{len(pages)}" in text
    assert all(f"F2026-D1{k:03d}" in "".join(pages) for k in range(24))


def test_no_postal_address_is_a_review_item_not_a_letter(store: Store) -> None:
    _debtor(store, address=False)
    config = _config()
    for offset in range(40):
        now = datetime.combine(date(2026, 1, 20) + timedelta(days=offset), time(9), tzinfo=TZ)
        queue_day(store, config, now)
        store.execute("UPDATE outbox SET status = 'sent', sent_at = created_at")
    assert list_letters(store) == []
    items = store.query("SELECT * FROM review_items WHERE type = 'no_postal_address'")
    assert len(items) == 1 and "no postal address" in items[0]["reason"]
    # the step was not taken: it stays due until a person adds the address
    assert store.scalar("SELECT last_step_name FROM invoices") == "call"
    add_address(store, "D1")
    row = _run_until_letter(store, config, start=date(2026, 3, 2))
    assert row["step_name"] == "formal"


def test_posting_dates_the_step_and_the_ladder_waits_for_it(store: Store) -> None:
    _debtor(store, kind="b2c")
    config = _config()
    row = _run_until_letter(store, config)
    assert row["step_name"] == "notice"
    # the veertiendagenbrief speaks of itself as a letter (text re-joined across line breaks)
    text = " ".join(" ".join(pdf_text(row["pdf"])).split())
    assert "14 dagen vanaf de dag nadat deze brief door u is ontvangen" in text
    assert "e-mail" not in text.split("Betaalgegevens")[0]
    letter_day = date.fromisoformat(row["letter_date"])
    # unposted: the ladder holds and says why
    later = datetime.combine(letter_day + timedelta(days=30), time(9), tzinfo=TZ)
    day, _ = queue_day(store, config, later)
    assert any(f"letter #{row['id']} waits to be posted" in a.reason for a in day.actions)
    posted = letter_day + timedelta(days=1)
    result = post_letter(
        store, config, row["id"], posted_on=posted, tracking="3SABCD1234567",
        now=later, actor="cli:test",
    )  # fmt: skip
    stored = letter(store, row["id"])
    assert stored is not None and stored["status"] == "posted"
    assert stored["tracking_code"] == "3SABCD1234567" and stored["posted_on"] == posted.isoformat()
    invoice = store.one("SELECT last_step_date, formal_notice_date FROM invoices")
    assert invoice is not None
    assert invoice["last_step_date"] == posted.isoformat()
    assert invoice["formal_notice_date"] == result["presumed_receipt"]
    # posted a day after its date: the 14 days stated may now be one short → a review item
    assert result["late"] and "print the letter again" in result["late"]
    items = store.query("SELECT reason FROM review_items WHERE type = 'letter_deadline'")
    assert len(items) == 1
    event = store.one("SELECT detail FROM case_events WHERE event = 'letter_posted'")
    assert event is not None and "3SABCD1234567" in event["detail"]


def _terms_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Algemene voorwaarden artikel 12: betaling binnen 14 dagen")
    path.write_bytes(bytes(pdf.output()))
    return path


def _attachments(raw: bytes) -> dict[str, bytes]:
    message = message_from_bytes(raw, policy=policy.default)
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.iter_attachments()  # type: ignore[attr-defined]
    }


def test_terms_appended_and_the_letter_mailed_as_an_attachment(
    store: Store, tmp_path: Path
) -> None:
    _debtor(store)
    terms = _terms_pdf(tmp_path / "voorwaarden.pdf")
    config = _config(attach_to_mail=True, terms="append")
    config = replace(config, letters=replace(config.letters, terms_pdf={"nl": str(terms)}))
    row = _run_until_letter(store, config)
    pages = pdf_text(row["pdf"])
    assert row["pages"] == 2 and "artikel 12" in pages[1]
    assert "Bijlage: Algemene voorwaarden" in pages[0]
    raw = store.scalar("SELECT raw FROM outbox WHERE id = ?", (row["outbox_id"],))
    files = _attachments(bytes(raw))
    (name,) = files
    assert name.startswith("formal-F2026-D1000") and files[name] == row["pdf"]


def test_terms_attached_to_the_mail_and_invoices_to_a_reminder(
    store: Store, tmp_path: Path
) -> None:
    _debtor(store)
    folder = tmp_path / "facturen"
    folder.mkdir()
    (folder / "F2026-D1000.pdf").write_bytes(_terms_pdf(tmp_path / "x.pdf").read_bytes())
    store.execute("UPDATE invoices SET pdf_path = ?", (str(folder / "F2026-D1000.pdf"),))
    terms = _terms_pdf(tmp_path / "voorwaarden.pdf")
    config = _config(attach_to_mail=True, terms="attach")
    ladder = config.ladders["b2b"]
    steps = tuple(
        replace(s, attach_invoices=True) if s.name == "reminder" else s for s in ladder.steps
    )
    config = replace(
        config,
        ladders={**config.ladders, "b2b": replace(ladder, steps=steps)},
        letters=replace(config.letters, terms_pdf={"nl": str(terms)}),
        invoices=InvoiceSettings(pdf_dir=str(folder)),
    )
    row = _run_until_letter(store, config)
    assert row["pages"] == 1  # the terms go with the mail, not appended
    reminder = store.one("SELECT raw, decision FROM outbox WHERE step_name = 'reminder'")
    assert reminder is not None
    assert list(_attachments(bytes(reminder["raw"]))) == ["F2026-D1000.pdf"]
    assert loads(reminder["decision"], {})["attachments"] == ["F2026-D1000.pdf"]
    raw = store.scalar("SELECT raw FROM outbox WHERE id = ?", (row["outbox_id"],))
    files = _attachments(bytes(raw))
    assert files["Algemene voorwaarden.pdf"] == terms.read_bytes()
    assert any(n.startswith("formal-") for n in files)


def test_the_dossier_holds_the_letters_and_their_posting(store: Store, tmp_path: Path) -> None:
    _debtor(store)
    config = _config()
    row = _run_until_letter(store, config)
    now = datetime(2026, 4, 1, 10, tzinfo=TZ)
    post_letter(
        store, config, row["id"], posted_on=date.fromisoformat(row["letter_date"]),
        tracking="3SXYZ", now=now, actor="cli:test",
    )  # fmt: skip
    result = hand_over(
        store, config, "D1", agency="Incasso Noord", out_dir=tmp_path / "out",
        actor="cli:test", today=now.date(), now=now,
    )  # fmt: skip
    with zipfile.ZipFile(result.path) as z:
        assert z.read(f"letters/letter-{row['id']:06d}.pdf") == row["pdf"]
        (entry,) = json.loads(z.read("letters/index.json"))
        assert entry["tracking_code"] == "3SXYZ" and entry["sha256"] == row["sha256"]


def test_cli_print_queue_and_letter_on_demand(store: Store, tmp_path: Path) -> None:
    _debtor(store)
    _debtor(store, "D2", address=False)
    db = str(tmp_path / "letters.db")
    store.close()
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(main, ["--db", db, *args], env={"DUNMAIL_CONFIG_SEARCH": ""})
        return result

    out = tmp_path / "sommatie.pdf"
    made = run("letter", "D1", "--step", "demand", "--out", str(out), "--now",
               "2026-03-02T10:00:00+01:00", "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["pages"] == 1
    text = pdf_text(out.read_bytes())[0]
    assert ("F2026-D1000" in text and "Aanmaning" in text) or "aanmaning" in text.lower()
    refused = run("letter", "D2", "--now", "2026-03-02T10:00:00+01:00")
    assert refused.exit_code != 0 and "no postal address" in refused.output
    listed = json.loads(run("letters", "list", "--json").output)
    assert [(r["debtor_id"], r["status"]) for r in listed] == [("D1", "queued")]
    printed = tmp_path / "p.pdf"
    assert run("letters", "print", "1", "--out", str(printed)).exit_code == 0
    assert printed.read_bytes() == out.read_bytes()
    assert printed.stat().st_mode & 0o077 == 0  # personal data: owner only
    posted = run("letters", "mark-posted", "1", "--tracking", "3SABC", "--date", "2026-03-03",
                 "--now", "2026-03-03T12:00:00+01:00", "--json")  # fmt: skip
    assert posted.exit_code == 0, posted.output
    assert json.loads(posted.output)["presumed_receipt"] == "2026-03-05"
    missing = run("letters", "mark-posted", "99")
    assert missing.exit_code != 0 and "no letter #99" in missing.output
    for command in (["letters", "--help"], ["letter", "--help"], ["letters", "print", "--help"]):
        assert "Example" in run(*command).output


def test_erasure_removes_the_address_and_empties_posted_letters(store: Store) -> None:
    _debtor(store)
    config = _config()
    row = _run_until_letter(store, config)
    now = datetime(2026, 4, 1, 10, tzinfo=TZ)
    post_letter(
        store, config, row["id"], posted_on=date.fromisoformat(row["letter_date"]),
        tracking=None, now=now, actor="cli:test",
    )  # fmt: skip
    assert (
        export_zip(store, "D1")
        and f"letters/letter-{row['id']:06d}.pdf"
        in zipfile.ZipFile(io.BytesIO(export_zip(store, "D1"))).namelist()
    )
    erase_debtor(store, config, "D1", force=True, actor="cli:test", today=now.date(), now=now)
    address = store.one("SELECT street, postcode, city, postal_country FROM debtors")
    assert address == {"street": None, "postcode": None, "city": None, "postal_country": None}
    kept = store.one("SELECT length(pdf) AS size, sha256, purged_at FROM letters")
    assert kept == {"size": 0, "sha256": row["sha256"], "purged_at": kept["purged_at"]}
    assert kept["purged_at"]


def test_a_cancelled_letter_gives_the_step_back_and_is_made_again(store: Store) -> None:
    _debtor(store)
    config = _config()
    first = _run_until_letter(store, config)
    assert store.scalar("SELECT last_step_name FROM invoices") == "formal"
    cancel_letter(store, first["id"], datetime(2026, 3, 1, 10, tzinfo=TZ), "cli:test")
    assert store.scalar("SELECT last_step_name FROM invoices") == "call"
    with pytest.raises(LetterRefused, match="cancelled"):
        post_letter(
            store, config, first["id"], posted_on=date(2026, 3, 2), tracking=None,
            now=datetime(2026, 3, 2, 10, tzinfo=TZ), actor="cli:test",
        )  # fmt: skip
    queue_day(store, config, datetime(2026, 3, 2, 9, tzinfo=TZ))
    again = [r for r in list_letters(store) if r["id"] != first["id"]]
    assert [(r["step_name"], r["status"]) for r in again] == [("formal", "queued")]


def test_check_config_names_unreadable_letter_files(tmp_path: Path) -> None:
    terms = _terms_pdf(tmp_path / "voorwaarden.pdf")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[letters]\nlogo = "{terms}"\n'
        f'terms_pdf = {{ nl = "{terms}", en = "{tmp_path / "missing.pdf"}" }}\n'
        '[ladders.paper]\nsteps = [{ name = "demand", template = "demand",'
        " attach_to_mail = true }]\n"
    )
    result = CliRunner().invoke(
        main, ["--config", str(config), "check-config", "--json"],
        env={"DUNMAIL_CONFIG_SEARCH": ""},
    )  # fmt: skip
    assert result.exit_code != 0
    checks = {c["name"]: c for c in json.loads(result.output[: result.output.rindex("]") + 1])}
    assert checks["letters.logo"] == {
        "name": "letters.logo", "ok": False, "detail": f"{terms} is not a PNG or JPEG",
    }  # fmt: skip
    assert checks["letters.terms_pdf.nl"]["ok"] is True
    assert not checks["letters.terms_pdf.en"]["ok"]
    assert "cannot read" in checks["letters.terms_pdf.en"]["detail"]
    assert not checks["ladders.paper.demand.attach_to_mail"]["ok"]


def test_logo_printed_and_a_broken_logo_is_a_review_item(store: Store, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (200, 30, 30)).save(logo)
    _debtor(store)
    _debtor(store, "D2")
    config = _config()
    config = replace(config, letters=replace(config.letters, logo=str(logo)))
    row = _run_until_letter(store, config)
    png = Image.open(io.BytesIO(page_png(row["pdf"]))).convert("RGB")
    px = png.size[0] / 210
    red = png.getpixel((int(170 * px), int(20 * px)))  # top right, where the logo goes
    assert red[0] > 150 and red[1] < 80, red
    # the same logo file now broken: no letter, a review item naming the config key
    logo.write_bytes(b"\x89PNG not really")
    for letter_row in list_letters(store):
        cancel_letter(store, letter_row["id"], datetime(2026, 3, 1, tzinfo=TZ), "cli:test")
    queue_day(store, config, datetime(2026, 3, 2, 9, tzinfo=TZ))
    items = store.query("SELECT reason FROM review_items WHERE type = 'letter_failed'")
    assert items and all("letters.logo" in i["reason"] for i in items)
    assert all(r["status"] == "cancelled" for r in list_letters(store))


def test_preview_says_a_step_is_a_letter(store: Store) -> None:
    _debtor(store)
    config = _config()
    for offset in range(20):  # 20 Jan … 8 Feb: courtesy, reminder, call
        now = datetime.combine(date(2026, 1, 20) + timedelta(days=offset), time(9), tzinfo=TZ)
        queue_day(store, config, now)
        store.execute("UPDATE outbox SET status = 'sent', sent_at = created_at")
    assert list_letters(store) == []
    items = preview(store, config, date(2026, 2, 9)).items
    (item,) = [i for i in items if i["action"] == "email"]
    assert (item["channel"], item["step_name"], item["to"]) == (
        "letter",
        "formal",
        ["d1@klant.example"],
    )


def test_a_letter_for_a_claim_paid_since_is_not_printed(store: Store) -> None:
    _debtor(store)
    row = _run_until_letter(store, _config())
    now = datetime(2026, 3, 1, 10, tzinfo=TZ)
    pay(store, "F2026-D1000", 150000, date(2026, 2, 28))
    with pytest.raises(LetterRefused, match="settled since it was made"):
        print_letter(store, row["id"], now, "cli:test")
    assert print_letter(store, row["id"], now, "cli:test", force=True)["pdf"] == row["pdf"]


def test_a_refused_invoice_pdf_is_left_out_and_named(store: Store, tmp_path: Path) -> None:
    _debtor(store)
    folder = tmp_path / "facturen"
    folder.mkdir()
    outside = _terms_pdf(tmp_path / "elders.pdf")  # not inside invoices.pdf_dir
    store.execute("UPDATE invoices SET pdf_path = ?", (str(outside),))
    config = make_config(bank_freshness_business_days=0)
    ladder = config.ladders["b2b"]
    steps = tuple(replace(s, attach_invoices=True) for s in ladder.steps)
    config = replace(
        config,
        ladders={**config.ladders, "b2b": replace(ladder, steps=steps)},
        invoices=InvoiceSettings(pdf_dir=str(folder)),
    )
    queue_day(store, config, datetime(2026, 1, 20, 9, tzinfo=TZ))
    mail = store.one("SELECT raw, decision FROM outbox WHERE step_name = 'reminder'")
    assert mail is not None and _attachments(bytes(mail["raw"])) == {}
    (problem,) = loads(mail["decision"], {})["attachment_problems"]
    assert problem.startswith("F2026-D1000: ") and "elders.pdf" in problem


def test_posting_books_the_letters_costs_and_interest_once(store: Store) -> None:
    _debtor(store)
    _debtor(store, "D2")
    config = _config(attach_to_mail=True)
    _run_until_letter(store, config)
    rows = {r["debtor_id"]: r for r in list_letters(store)}
    now = datetime(2026, 3, 1, 10, tzinfo=TZ)
    # D2: the mail carrying the letter really left first (outbox.mark_sent books its claims);
    # D1: only the posting books them
    mail = store.one("SELECT * FROM outbox WHERE debtor_id = 'D2' AND step_name = 'formal'")
    assert mail is not None
    with store.transaction():
        mark_sent(store, config, mail, now)
    for debtor_id in ("D1", "D2"):
        posted = date.fromisoformat(rows[debtor_id]["letter_date"])
        post_letter(store, config, rows[debtor_id]["id"], posted_on=posted, tracking=None,
                    now=now, actor="cli:test")  # fmt: skip
    booked = store.query(
        "SELECT debtor_id, kind, amount_cents, outbox_id, message_id FROM claim_lines"
        " ORDER BY debtor_id, kind"
    )
    d1 = [(b["kind"], b["amount_cents"], b["outbox_id"]) for b in booked if b["debtor_id"] == "D1"]
    assert next((k, c) for k, c, _ in d1) == ("costs", 18518)
    assert all(o is None for _, _, o in d1)  # booked by the posting, named after the letter
    assert {b["message_id"] for b in booked if b["debtor_id"] == "D1"} == {
        f"letter #{rows['D1']['id']}"
    }
    d2 = [b for b in booked if b["debtor_id"] == "D2"]
    assert [b["kind"] for b in d2] == [b["kind"] for b in booked if b["debtor_id"] == "D1"]
    assert all(b["outbox_id"] is not None for b in d2)  # the mail booked it; posting added none
    with pytest.raises(LetterRefused, match="already posted"):
        post_letter(store, config, rows["D1"]["id"], posted_on=date(2026, 3, 2), tracking=None,
                    now=now, actor="cli:test")  # fmt: skip
