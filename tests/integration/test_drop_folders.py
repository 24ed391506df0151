"""Drop folders and open-items snapshots (issue 17), driven through the daemon's cycle.

Files appear in the folders between cycles; the clock is passed in (no sleeps): a file is
taken once two scans saw it unchanged ``stable_seconds`` apart. The last test goes through
the real SMTP server and Dovecot: a reminder queued for an invoice that the accounting
package's snapshot settles never goes out."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.adapters.store.db import Store, loads, open_store
from daemon.adapters.store.queue import open_items
from daemon.app.dunning import plan, run_cycle
from daemon.app.intake import retry_failed, run_intake
from daemon.app.invoices import import_invoices
from daemon.app.preview import preview
from daemon.app.snapshots import apply_held
from daemon.config import Config, DropFolderSettings, IntakeSettings
from daemon.domain.cases import ActionKind
from tests.integration.dunning_support import make_config, message_ids, smtp_sender

TZ = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)  # Monday
HEADER = "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,open_amount\n"


def _row(n: int, amount: str = "100.00", open_amount: str = "") -> str:
    return (
        f"F-{n:03d},D{n:02d},Klant {n},d{n:02d}@klant.example,2026-10-01,2026-10-15,"
        f"{amount},{open_amount}\n"
    )


def _csv(numbers: range | list[int], **open_amounts: str) -> str:
    return HEADER + "".join(_row(n, open_amount=open_amounts.get(f"F{n}", "")) for n in numbers)


def _setup(
    tmp_path: Path,
    *,
    snapshot: bool = False,
    smtp: object = None,
    imap: object = None,
    **intake: object,
) -> tuple[Store, Config, Path, Path]:
    invoices, statements = tmp_path / "drop-invoices", tmp_path / "drop-statements"
    invoices.mkdir()
    statements.mkdir()
    base = make_config(imap, smtp, bank_freshness_business_days=0)
    settings = IntakeSettings(
        invoices_dir=str(invoices),
        statements_dir=str(statements),
        invoices=DropFolderSettings(snapshot=snapshot, source="exact"),
        stable_seconds=60,
        **intake,  # type: ignore[arg-type]
    )
    return open_store(tmp_path / "office.db"), replace(base, intake=settings), invoices, statements


def _drop(folder: Path, name: str, text: str, at: datetime) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    stamp = at.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _numbers(store: Store, status: str) -> list[str]:
    return [
        r["number"]
        for r in store.query(
            "SELECT number FROM invoices WHERE status = ? ORDER BY number", (status,)
        )
    ]


def test_a_half_written_file_is_taken_only_once_complete(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path)
    # The rename convention: a .part file is never looked at, even when it looks complete.
    _drop(folder, "export.csv.part", _csv(range(1, 4)), T0)
    _drop(folder, ".hidden.csv", _csv(range(1, 4)), T0)
    half = _drop(folder, "invoices.csv", HEADER + _row(1) + "F-002,D02,Kla", T0)
    report = run_intake(store, config, T0)
    assert report.waiting == [str(half)] and report.files == []
    # The writer goes on: a changed size restarts the wait, whatever the clock says.
    _drop(folder, "invoices.csv", _csv(range(1, 3)), T0 + timedelta(seconds=50))
    report = run_intake(store, config, T0 + timedelta(seconds=70))
    assert report.files == [] and store.scalar("SELECT COUNT(*) FROM invoices") == 0
    # Unchanged, but seen only 50 s ago: still waiting.
    assert run_intake(store, config, T0 + timedelta(seconds=120)).files == []
    report = run_intake(store, config, T0 + timedelta(seconds=131))
    assert [f["status"] for f in report.files] == ["processed"]
    assert _numbers(store, "open") == ["F-001", "F-002"]
    assert (folder / "processed" / "invoices.csv").is_file() and not half.exists()
    assert (folder / "export.csv.part").exists() and (folder / ".hidden.csv").exists()
    # The snapshot source claims the invoices of its folder; the intake counts as fresh data.
    assert store.scalar("SELECT COUNT(*) FROM invoices WHERE intake_source = 'exact'") == 2
    assert os.stat(folder / "processed").st_mode & 0o077 == 0


def test_a_duplicate_goes_to_processed_and_changes_nothing(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path)
    _drop(folder, "a.csv", _csv(range(1, 4)), T0)
    run_intake(store, config, T0)
    run_intake(store, config, T0 + timedelta(minutes=2))
    events = store.scalar("SELECT COUNT(*) FROM case_events")
    changed = store.query("SELECT number, updated_at FROM invoices ORDER BY number")
    _drop(folder, "a-again.csv", _csv(range(1, 4)), T0 + timedelta(minutes=3))
    run_intake(store, config, T0 + timedelta(minutes=3))
    report = run_intake(store, config, T0 + timedelta(minutes=5))
    assert [f["status"] for f in report.files] == ["duplicate"]
    reason = (folder / "processed" / "a-again.csv.reason.txt").read_text()
    assert reason.startswith("duplicate of a.csv")
    assert store.scalar("SELECT COUNT(*) FROM case_events") == events
    assert store.query("SELECT number, updated_at FROM invoices ORDER BY number") == changed
    assert not (folder / "a-again.csv").exists()


def test_a_broken_file_goes_to_failed_with_its_reason_and_a_review_item(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path)
    text = HEADER + _row(1) + _row(2, amount="12.345")
    _drop(folder, "broken.csv", text, T0)
    run_intake(store, config, T0)
    report = run_intake(store, config, T0 + timedelta(minutes=2))
    assert [f["status"] for f in report.files] == ["failed"]
    assert store.scalar("SELECT COUNT(*) FROM invoices") == 0  # all or nothing
    kept = folder / "failed" / "broken.csv"
    assert kept.read_text() == text  # never lost, never changed
    reason = (folder / "failed" / "broken.csv.reason.txt").read_text()
    assert "broken.csv:3 [amount]" in reason and ".work" not in reason
    (item,) = open_items(store, "intake_failed")
    assert "broken.csv:3" in item["reason"] and "amount" in item["reason"]
    assert item["evidence"]["problems"][0]["line"] == 3
    # Fixed, put back, taken again.
    kept.write_text(HEADER + _row(1) + _row(2))
    moved = retry_failed(store, config, item["evidence"]["intake_file"], now=T0)
    assert moved == folder / "broken.csv"
    assert open_items(store, "intake_failed") == []
    run_intake(store, config, T0 + timedelta(minutes=3))
    report = run_intake(store, config, T0 + timedelta(minutes=5))
    assert [f["status"] for f in report.files] == ["processed"]
    assert _numbers(store, "open") == ["F-001", "F-002"]


def test_links_are_never_followed_and_big_files_are_refused(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path, max_file_bytes=400)
    secret = tmp_path / "secret.csv"
    secret.write_text(_csv(range(1, 3)))
    (folder / "link.csv").symlink_to(secret)
    _drop(folder, "big.csv", _csv(range(1, 20)), T0)
    # A link is not a file that is still being written: it goes aside at once.
    first = run_intake(store, config, T0)
    assert [f["file"] for f in first.files] == ["invoices/link.csv"]
    report = run_intake(store, config, T0 + timedelta(minutes=2))
    assert [f["status"] for f in first.files + report.files] == ["failed", "failed"]
    assert (folder / "failed" / "link.csv").is_symlink()  # moved as a link, never read
    assert "symbolic link" in (folder / "failed" / "link.csv.reason.txt").read_text()
    assert "intake.max_file_bytes" in (folder / "failed" / "big.csv.reason.txt").read_text()
    assert secret.read_text() == _csv(range(1, 3))
    assert store.scalar("SELECT COUNT(*) FROM invoices") == 0


def _take(store: Store, config: Config, at: datetime) -> list[dict]:
    """Two scans a stable interval apart: what the daemon does over two ticks."""
    run_intake(store, config, at)
    return run_intake(store, config, at + timedelta(seconds=61)).files


def test_a_truncated_snapshot_is_held_until_a_person_applies_it(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path, snapshot=True)
    _drop(folder, "open-items.csv", _csv(range(1, 17)), T0)
    (first,) = _take(store, config, T0)
    assert first["status"] == "applied" and len(_numbers(store, "open")) == 16
    # The export broke off after two rows.
    _drop(folder, "open-items-2.csv", _csv(range(1, 3)), T0 + timedelta(hours=1))
    (held,) = _take(store, config, T0 + timedelta(hours=1))
    assert held["status"] == "held"
    assert len(_numbers(store, "open")) == 16  # nothing settled
    assert (folder / "held" / "open-items-2.csv").is_file()
    (item,) = open_items(store, "snapshot_held")
    assert "would settle 14" in item["reason"] and "snapshot_max_settle_share" in item["reason"]
    assert len(item["evidence"]["settle"]) == 14
    # An older export dropped later is held too (its name says when it was made).
    _drop(folder, "open-items-2026-12-01.csv", _csv(range(1, 16)), T0 + timedelta(hours=2))
    (old,) = _take(store, config, T0 + timedelta(hours=2))
    assert old["status"] == "held" and "older than the last snapshot" in old["reason"]
    # A person checked: the 14 really were paid.
    outcome = apply_held(
        store,
        config,
        item["evidence"]["intake_file"],
        now=T0 + timedelta(hours=3),
        actor="cli:anna",
    )
    assert outcome.status == "applied" and len(outcome.decision.settled) == 14
    assert _numbers(store, "open") == ["F-001", "F-002"]
    assert (folder / "processed" / "open-items-2.csv").is_file()
    assert open_items(store, "snapshot_held")[0]["evidence"]["file"] == "open-items-2026-12-01.csv"


def test_a_snapshot_settles_three_invoices_and_no_reminder_goes_out_for_them(
    tmp_path: Path, dovecot, smtp_server
) -> None:
    store, config, folder, _ = _setup(
        tmp_path,
        snapshot=True,
        smtp=smtp_server.smtp_settings(),
        imap=dovecot.imap_settings(),
        max_invoice_age_business_days=1,
    )
    # Monday 08:00: the package's first open-items export: 16 overdue invoices.
    _drop(folder, "open-items.csv", _csv(range(1, 17)), T0)
    run_intake(store, config, T0)
    # 08:30 cycle: the file is taken, reminders are queued (the window opens at 09:00).
    morning = run_cycle(store, config, now=T0 + timedelta(minutes=30), smtp_send=smtp_sender())
    assert morning.intake.files[0]["status"] == "applied"
    assert morning.plan.invoice_ok
    queued = store.query(
        "SELECT debtor_id FROM outbox WHERE kind = 'reminder' AND status = 'queued'"
    )
    assert len(queued) == 16 and smtp_server.received == []
    # 11:00: the package booked three cash payments and a partial credit; its next export.
    later = T0 + timedelta(hours=3)
    _drop(folder, "open-items-1100.csv", _csv([*range(1, 4), *range(7, 17)], F7="40.00"), later)
    run_intake(store, config, later)
    # 13:30 cycle: snapshot applied first, then the outbox drains.
    report = run_cycle(
        store, config, now=T0 + timedelta(hours=5, minutes=30), smtp_send=smtp_sender()
    )
    (snap,) = report.intake.files
    assert snap["status"] == "applied"
    assert [s["invoice"] for s in snap["settle"]] == ["F-004", "F-005", "F-006"]
    assert snap["reduce"] == [{"invoice": "F-007", "amount": "60.00"}]
    assert _numbers(store, "paid") == ["F-004", "F-005", "F-006"]
    rows = store.query("SELECT * FROM outside_settlements ORDER BY invoice_number")
    assert {r["snapshot"] for r in rows} == {"open-items-1100.csv"}
    # Through the real SMTP server: 12 reminders, none for the three settled invoices; the
    # reduced one is planned again with the new amount instead of going out with the old.
    recipients = sorted(r for m in smtp_server.received for r in m.rcpt_tos)
    assert len(recipients) == 12
    assert not {"d04@klant.example", "d05@klant.example", "d06@klant.example"} & set(recipients)
    cancelled = {
        r["debtor_id"]: r["last_error"]
        for r in store.query("SELECT debtor_id, last_error FROM outbox WHERE status = 'cancelled'")
    }
    assert sorted(cancelled) == ["D04", "D05", "D06", "D07"]
    assert all(cancelled[d] == f"invoice F-00{d[-1]} is paid" for d in ("D04", "D05", "D06"))
    assert cancelled["D07"] == "the open amount changed since the mail was planned"
    sent = store.query("SELECT message_id, invoice_numbers FROM outbox WHERE status = 'sent'")
    assert sorted(message_ids([m.raw for m in smtp_server.received])) == sorted(
        r["message_id"] for r in sent
    )
    assert not any(set(loads(r["invoice_numbers"])) & {"F-004", "F-005", "F-006"} for r in sent)
    # No thank-you for money dunmail never saw (intake.thank_on_outside_settlement = false).
    next_day = run_cycle(
        store, config, now=T0 + timedelta(days=1, hours=5, minutes=30), smtp_send=smtp_sender()
    )
    assert store.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'thank_you'") == 0
    assert next_day.plan.invoice_ok  # yesterday's export is one business day old
    # Two weeks without an export: the invoice-freshness gate holds the reminders that are
    # due, and preview says why.
    day = date(2026, 12, 21)
    gate_off = replace(config, intake=replace(config.intake, max_invoice_age_business_days=0))
    acting = (ActionKind.EMAIL, ActionKind.TASK)
    due = {a.debtor_id for a in plan(store, gate_off, day).actions if a.action in acting}
    assert len(due) == 13
    stale = preview(store, config, day)
    assert not stale.day.invoice_ok
    assert "intake.max_invoice_age_business_days" in stale.header()["invoice_reason"]
    assert not any(a.action in acting for a in stale.day.actions)
    held = {a.debtor_id for a in stale.day.actions if "invoice gate closed" in a.reason}
    assert held == due


def test_a_broken_statement_and_a_missing_folder(tmp_path: Path) -> None:
    store, config, _, statements = _setup(tmp_path)
    _drop(statements, "bank.xml", "<Document>not a statement</Document>", T0)
    (failed,) = _take(store, config, T0)
    assert failed["status"] == "failed" and failed["file"] == "statements/bank.xml"
    assert (statements / "failed" / "bank.xml.reason.txt").read_text().strip()
    (item,) = open_items(store, "statement_quarantined")  # kept there, importable after a fix
    assert "bank.xml" in item["reason"]
    assert store.scalar("SELECT COUNT(*) FROM statements") == 0
    # A folder that is gone is reported with its key; the dunning cycle still runs.
    gone = replace(config, intake=replace(config.intake, invoices_dir=str(tmp_path / "nope")))
    report = run_cycle(store, gone, now=T0 + timedelta(hours=1))
    assert report.intake.errors == [f"intake.invoices_dir: {tmp_path / 'nope'} is not a folder"]
    assert report.plan is not None


def test_a_mapping_that_cannot_be_used_fails_the_file_naming_the_key(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path)
    folder_settings = replace(config.intake.invoices, mapping="no-such-mapping")
    config = replace(config, intake=replace(config.intake, invoices=folder_settings))
    _drop(folder, "export.csv", _csv(range(1, 3)), T0)
    (failed,) = _take(store, config, T0)
    assert failed["status"] == "failed" and "intake.invoices.mapping" in failed["reason"]
    assert (folder / "failed" / "export.csv").is_file()
    assert store.scalar("SELECT COUNT(*) FROM invoices") == 0


EXPORTS = Path(__file__).parent.parent / "data" / "exports"


def test_an_exact_online_open_items_export_through_its_mapping(tmp_path: Path) -> None:
    """The preset reads the package's own columns (decimal commas, dd-mm-yyyy, Openstaand);
    the second export settles one invoice and reduces the other."""
    store, config, folder, _ = _setup(tmp_path, snapshot=True, snapshot_max_settle_share=1.0)
    folder_settings = replace(config.intake.invoices, mapping="exact-online-openstaande-posten")
    config = replace(config, intake=replace(config.intake, invoices=folder_settings))
    debtors = tmp_path / "debtors.csv"  # the overview has no e-mail: debtors come first
    debtors.write_text(
        "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
        "OLD-1,1001,Bakkerij De Korenbloem B.V.,info@korenbloem.example,2026-01-01,2026-01-15,1\n"
        "OLD-2,1002,Installatiebedrijf Jansen,post@jansen.example,2026-01-01,2026-01-15,1\n"
    )
    import_invoices(store, [debtors])
    export = (EXPORTS / "exact-online-openstaande-posten.csv").read_bytes()
    (folder / "opos.csv").write_bytes(export)
    (first,) = _take(store, config, T0)
    assert first["status"] == "applied" and first["listed"] == 2, first
    assert first["reduce"] == [{"invoice": "F2026-0102", "amount": "150.00"}]
    header, _first_row, row2 = export.split(b"\n")[:3]
    (folder / "opos-2.csv").write_bytes(b"\n".join([header, row2.replace(b"100,00", b"40,00")]))
    (second,) = _take(store, config, T0 + timedelta(hours=1))
    assert second["settle"] == [{"invoice": "F2026-0101", "amount": "1234.56"}]
    assert second["reduce"] == [{"invoice": "F2026-0102", "amount": "60.00"}]
    assert _numbers(store, "paid") == ["F2026-0101"]


def test_a_first_snapshot_applies_the_open_amounts_of_what_it_brings_in(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path, snapshot=True)
    _drop(folder, "open-items.csv", _csv(range(1, 6), F2="30.00"), T0)
    (first,) = _take(store, config, T0)
    assert first["status"] == "applied" and first["settle"] == []
    assert first["reduce"] == [{"invoice": "F-002", "amount": "70.00"}]
    row = store.one("SELECT * FROM invoices WHERE number = 'F-002'")
    assert (row["amount_cents"], row["paid_cents"], row["status"]) == (
        10000,
        7000,
        "partially_paid",
    )


def test_a_link_planted_as_an_output_folder_is_never_written_through(tmp_path: Path) -> None:
    store, config, folder, _ = _setup(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "failed").symlink_to(elsewhere)
    _drop(folder, "broken.csv", HEADER + _row(1, amount="x"), T0)
    run_intake(store, config, T0)
    report = run_intake(store, config, T0 + timedelta(minutes=2))
    assert report.files == [] and "is a link or not a folder" in report.errors[0]
    assert report.errors[0].startswith("intake.invoices_dir: ")
    assert list(elsewhere.iterdir()) == []
    assert (folder / ".work" / "broken.csv").is_file()  # kept, taken again once fixed
    (folder / "failed").unlink()
    (again,) = run_intake(store, config, T0 + timedelta(minutes=3)).files
    assert again["status"] == "failed" and (folder / "failed" / "broken.csv").is_file()


def test_a_mapped_invoices_folder_imports_the_bytes_it_checked(tmp_path: Path) -> None:
    """A folder's mapping reads a package's own export (Yuki: no e-mail column, taken from
    the debtor dunmail knows); what is imported is the file read and hashed once, named by
    its own name, never the work folder's path."""
    store, config, folder, _ = _setup(tmp_path)
    folder_settings = replace(config.intake.invoices, mapping="yuki-te-herinneren-facturen")
    config = replace(config, intake=replace(config.intake, invoices=folder_settings))
    known = tmp_path / "customers.csv"
    known.write_text(
        "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
        "OLD-1,Brasserie Het Anker,Brasserie Het Anker,info@anker.example,"
        "2026-01-01,2026-01-15,1\n"
        "OLD-2,Apotheek Peeters,Apotheek Peeters,post@peeters.example,2026-01-01,2026-01-15,1\n"
    )
    import_invoices(store, [known])
    (folder / "te-herinneren.csv").write_bytes(
        (EXPORTS / "yuki-te-herinneren-facturen.csv").read_bytes()
    )
    (taken,) = _take(store, config, T0)
    assert taken["status"] == "processed" and taken["new"] == 2, taken
    assert taken["files"] == ["te-herinneren.csv"]
    assert taken["reading"][0]["mapping"] == "yuki-te-herinneren-facturen"
    row = store.one("SELECT * FROM invoices WHERE number = 'VF-2026-0312'")
    assert (row["source"], row["amount_cents"], row["intake_source"]) == (
        "te-herinneren.csv",
        12100,
        "exact",
    )
