"""Inbound mail against a real Dovecot: exactly-once ingestion and the effects of replies."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daemon.adapters.imap import ImapMailbox
from daemon.adapters.store.db import Store, loads, open_store
from daemon.app import inbox_processing, ingestion, routing
from daemon.app.ingestion import run_ingestion_pass
from daemon.app.promises import review_promises
from daemon.cli import main
from daemon.config import Config
from tests.integration.inbound_corpus import (
    BOUNCED,
    NOW,
    OFFICE,
    config_toml,
    corpus_config,
    corpus_files,
    corpus_store,
    labels,
    run_pass,
    wait_for_login,
)
from tests.servers import MailAccount


def mail(
    sender: str, subject: str, body: str, msgid: str, *, headers: dict[str, str] | None = None
) -> bytes:
    extra = "".join(f"{k}: {v}\n" for k, v in (headers or {}).items())
    return (
        f"From: {sender}\nTo: {OFFICE}\nSubject: {subject}\n"
        f"Date: Thu, 26 Nov 2026 10:00:00 +0100\nMessage-ID: {msgid}\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def by_inbox(store: Store) -> dict[str, dict[str, Any]]:
    """Corpus file name → its inbox row (matched on Message-ID)."""
    ids = {}
    for path in corpus_files():
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        ids[str(msg["Message-ID"]).strip()] = path.name
    return {ids[r["message_id"]]: r for r in store.query("SELECT * FROM inbox")}


@pytest.fixture
def account(dovecot: MailAccount) -> MailAccount:
    return wait_for_login(dovecot)


@pytest.fixture
def corpus(tmp_path: Path, account: MailAccount) -> tuple[Store, Config, MailAccount]:
    store, _ = corpus_store(tmp_path)
    for path in corpus_files():
        account.deliver(path.read_bytes())
    return store, corpus_config(account.imap_settings()), account


def test_corpus_batch_is_processed_once_with_its_effects(corpus: Any) -> None:
    store, config, account = corpus
    report = run_pass(store, config)
    files = corpus_files()
    assert report.stored == len(files)
    rows = by_inbox(store)
    assert len(rows) == len(files)
    assert not [r for r in rows.values() if r["status"] in ("new", "shunted")]
    assert all(r["server_done"] == 1 for r in rows.values())
    # moved, never deleted: the INBOX is empty and the folders hold every message once
    assert account.uids("INBOX") == []
    review = sum(1 for r in rows.values() if r["status"] == "review")
    assert len(account.uids("dunmail/review")) == review
    assert len(account.uids("dunmail/processed")) == len(files) - review

    lab = labels()
    # never a missed dispute or insolvency
    for name, label in lab.items():
        if label["intent"] in ("dispute", "insolvency"):
            assert rows[name]["intent"] == label["intent"], name
    for name, row in rows.items():
        items = store.query("SELECT * FROM review_items WHERE inbox_id = ?", (row["id"],))
        answers = store.query(
            "SELECT * FROM outbox WHERE json_extract(decision, '$.inbox_id') = ?", (row["id"],)
        )
        c = loads(row["classification"])
        if row["intent"] == "dispute":
            assert {i["type"] for i in items} == {"dispute"}, name
            named = [n for n in c["invoice_numbers"] if n in lab[name]["invoice_numbers"]]
            statuses = {
                r["status"]
                for r in store.query(
                    "SELECT status FROM invoices WHERE debtor_id = ? AND number IN ({})".format(
                        ",".join("?" * len(named))
                    ),
                    (row["debtor_id"], *named),
                )
            }
            assert statuses <= {"disputed"}, name
        if row["intent"] == "insolvency":
            assert [i["priority"] for i in items] == [0], name
            debtor = store.one("SELECT insolvent FROM debtors WHERE id = ?", (row["debtor_id"],))
            assert debtor == {"insolvent": 1}
            assert store.scalar("SELECT status FROM cases WHERE id = ?", (row["case_id"],)) == (
                "insolvent"
            )
        if row["intent"] in ("auto_reply", "bounce"):
            assert answers == [], name
        if row["intent"] == "promise_to_pay" and row["status"] == "processed":
            promise = store.one("SELECT * FROM promises WHERE inbox_id = ?", (row["id"],))
            assert promise is not None, name
            assert promise["promised_date"] == c["promise_date"], name
            expected = "promise_confirmation" if c["promise_date"] else "promise_date_request"
            assert [loads(a["decision"])["template"] for a in answers] == [expected], name
        if row["intent"] == "bounce" and c["bounce_permanent"]:
            status = store.scalar(
                "SELECT status FROM debtor_emails WHERE email = ?", (BOUNCED[name],)
            )
            assert status == "undeliverable", name
    dated = [n for n in rows if lab[n]["intent"] == "promise_to_pay" and lab[n]["promise_date"]]
    promised = {
        n: store.scalar("SELECT promised_date FROM promises WHERE inbox_id = ?", (rows[n]["id"],))
        for n in dated
        if rows[n]["status"] == "processed"
    }
    agree = sum(1 for n, d in promised.items() if d == lab[n]["promise_date"])
    assert promised and agree >= 0.9 * len(promised), promised
    # A promise the classifier is not sure of is never recorded blindly: a person reads it.
    for n in dated:
        if rows[n]["status"] != "processed":
            items = store.query(
                "SELECT type FROM review_items WHERE inbox_id = ?", (rows[n]["id"],)
            )
            assert items, n

    # every automatic answer: one per inbound message, marked as automatic, threaded
    answers = store.query("SELECT * FROM outbox")
    assert answers
    assert len({a["message_id"] for a in answers}) == len(answers)
    for answer in answers:
        msg = email.message_from_bytes(answer["raw"], policy=email.policy.default)
        assert msg["Auto-Submitted"] == "auto-replied"
        inbox_row = store.one(
            "SELECT * FROM inbox WHERE id = ?", (loads(answer["decision"])["inbox_id"],)
        )
        assert inbox_row is not None
        assert str(msg["In-Reply-To"]).strip() == inbox_row["message_id"]
    recipients = Counter(tuple(loads(a["recipients"])) for a in answers)
    assert max(recipients.values()) == 1  # rate-limited per address

    # a second pass finds nothing new and changes nothing
    before = store.scalar("SELECT COUNT(*) FROM case_events")
    again = run_pass(store, config)
    assert (again.fetched, again.stored) == (0, 0)
    assert store.scalar("SELECT COUNT(*) FROM case_events") == before


def test_flag_mode_keeps_mail_in_place_and_a_new_uidvalidity_only_finds_duplicates(
    tmp_path: Path, account: MailAccount
) -> None:
    store, _ = corpus_store(tmp_path)
    picked = corpus_files()[:12]
    for path in picked:
        account.deliver(path.read_bytes(), mailbox="Incoming")
    config = corpus_config(account.imap_settings(), mark_mode="flag", mailbox="Incoming")
    first = run_pass(store, config)
    assert first.stored == len(picked)
    flags = account.flags("Incoming")
    assert len(flags) == len(picked)
    statuses = {r["uid"]: r["status"] for r in store.query("SELECT uid, status FROM inbox")}
    for uid, got in flags.items():
        wanted = "$DunmailReview" if statuses[uid] == "review" else "$DunmailProcessed"
        assert wanted in got
    effects = _effect_counts(store)

    # The folder is recreated (a server migration): new UIDVALIDITY, same messages.
    old = account.uidvalidity("Incoming")
    with account.client() as c:
        c.rename_folder("Incoming", "Incoming-old")
    for path in picked:
        account.deliver(path.read_bytes(), mailbox="Incoming")
    assert account.uidvalidity("Incoming") != old
    second = run_pass(store, config)
    assert second.stored == len(picked)
    assert second.outcomes == {"duplicate": len(picked)}
    assert _effect_counts(store) == effects
    cursors = store.query("SELECT uidvalidity, last_uid FROM imap_cursors ORDER BY uidvalidity")
    assert len(cursors) == 2


def _effect_counts(store: Store) -> dict[str, int]:
    return {
        table: int(store.scalar(f"SELECT COUNT(*) FROM {table}"))
        for table in ("outbox", "review_items", "promises", "holds", "payment_plans")
    }


def test_oversized_and_malformed_mail_is_stored_and_shunted(
    tmp_path: Path, account: MailAccount
) -> None:
    store = open_store(tmp_path / "db.sqlite")
    big = mail("a@b.example", "Big", "x" * 5000, "<big@b.example>")
    account.deliver(big)
    account.deliver(b"this is not a mail message at all\x00\xff\n")
    config = corpus_config(account.imap_settings(max_message_bytes=2000))
    report = run_pass(store, config)
    assert report.outcomes == {"shunted": 2}
    rows = store.query("SELECT * FROM inbox ORDER BY id")
    assert rows[0]["error"].startswith("too large")
    assert b"Subject: Big" in rows[0]["raw"] and b"xxxx" not in rows[0]["raw"]
    assert "MalformedMail" in rows[1]["error"]
    items = store.query("SELECT type, inbox_id FROM review_items ORDER BY id")
    assert items == [{"type": "shunted_mail", "inbox_id": r["id"]} for r in rows]
    assert len(account.uids("dunmail/review")) == 2
    assert account.uids("INBOX") == []


def test_a_failing_message_is_shunted_the_pass_goes_on_and_retry_processes_it(
    tmp_path: Path, account: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus_store(tmp_path)
    files = corpus_files()
    # r008 (a promise the classifier handles automatically) is the poison; of the others
    # only r010 (an auto-reply) is processed, the rest go to review.
    picked = [files[1], files[4], files[7], files[3], files[9]]
    for path in picked:
        account.deliver(path.read_bytes())
    config = corpus_config(account.imap_settings())
    real = routing.classify
    poison = email.message_from_bytes(picked[2].read_bytes(), policy=email.policy.default)

    def failing(parsed: Any, **kwargs: Any) -> Any:
        if parsed.message_id == str(poison["Message-ID"]).strip():
            raise RuntimeError("classifier bug")
        return real(parsed, **kwargs)

    monkeypatch.setattr(routing, "classify", failing)
    report = run_pass(store, config)
    assert report.outcomes.get("shunted") == 1
    assert sum(report.outcomes.values()) == 5
    shunted = store.one("SELECT * FROM inbox WHERE status = 'shunted'")
    assert shunted is not None and "classifier bug" in shunted["error"]
    assert store.scalar("SELECT type FROM review_items WHERE inbox_id = ?", (shunted["id"],)) == (
        "shunted_mail"
    )
    monkeypatch.setattr(routing, "classify", real)
    db_path = tmp_path / "dunmail.db"
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "inbox", "retry", str(shunted["id"]), "--now", NOW.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "next fetch moves it from dunmail/review to dunmail/processed" in result.output
    row = store.one("SELECT * FROM inbox WHERE id = ?", (shunted["id"],))
    assert row is not None and row["status"] == "processed" and row["error"] is None
    listing = CliRunner().invoke(main, ["--db", str(db_path), "inbox", "list", "--json"])
    assert listing.exit_code == 0 and '"status": "shunted"' not in listing.output
    # Its copy was filed in the review folder; the next pass moves it to processed.
    assert (row["server_action"], row["server_done"]) == (
        "refile:dunmail/review>dunmail/processed",
        0,
    )
    assert (len(account.uids("dunmail/processed")), len(account.uids("dunmail/review"))) == (1, 4)
    report = run_pass(store, config)
    assert report.errors == [] and report.server_actions == 1
    assert (len(account.uids("dunmail/processed")), len(account.uids("dunmail/review"))) == (2, 3)
    moved = account.messages("dunmail/processed")
    assert any(str(poison["Message-ID"]).strip().encode() in m for m in moved)
    assert store.scalar("SELECT server_done FROM inbox WHERE id = ?", (shunted["id"],)) == 1
    assert run_pass(store, config).server_actions == 0


def test_in_flag_mode_a_retried_message_gets_the_flags_of_its_new_outcome(
    tmp_path: Path, account: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus_store(tmp_path)
    raw = corpus_files()[7].read_bytes()  # a promise: processed once it can be classified
    account.deliver(raw)
    config = corpus_config(account.imap_settings(), mark_mode="flag")
    real = routing.classify

    def failing(parsed: Any, **kwargs: Any) -> Any:
        raise RuntimeError("classifier bug")

    monkeypatch.setattr(routing, "classify", failing)
    run_pass(store, config)
    monkeypatch.setattr(routing, "classify", real)
    assert inbox_processing.retry_message(store, config, 1, now=NOW) == "processed"
    run_pass(store, config)
    [flags] = account.flags("INBOX").values()
    assert {"\\Seen", "$DunmailProcessed"} <= flags
    assert not flags & {"\\Flagged", "$DunmailReview"}


class Crash(BaseException):
    """Simulates the process dying: not an Exception, so no error boundary catches it."""


def test_a_crash_between_commit_and_move_is_repaired_first_on_the_next_pass(
    tmp_path: Path, account: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus_store(tmp_path)
    for path in corpus_files()[:4]:
        account.deliver(path.read_bytes())
    config = corpus_config(account.imap_settings())
    monkeypatch.setattr(ingestion, "COMMIT_GROUP", 2)

    def crash_after_first_group(point: str, inbox_id: int) -> None:
        if point == "committed" and inbox_id == 2:
            raise Crash

    with pytest.raises(Crash):
        run_pass(store, config, hook=crash_after_first_group)
    # The batch's moves come after all its commits: messages 1 and 2 are processed, not moved.
    pending = store.query("SELECT id FROM inbox WHERE server_done = 0 ORDER BY id")
    assert pending == [{"id": 1}, {"id": 2}]
    assert len(account.uids("INBOX")) == 4
    events = store.scalar("SELECT COUNT(*) FROM case_events WHERE inbox_id = 2")
    report = run_pass(store, config)
    assert report.server_actions == 4 and report.stored == 2
    assert account.uids("INBOX") == []
    assert store.scalar("SELECT COUNT(*) FROM case_events WHERE inbox_id = 2") == events


def test_a_crash_inside_a_commit_group_undoes_the_whole_group(
    tmp_path: Path, account: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus_store(tmp_path)
    for path in corpus_files()[:5]:
        account.deliver(path.read_bytes())
    config = corpus_config(account.imap_settings())
    monkeypatch.setattr(ingestion, "COMMIT_GROUP", 2)

    def crash_in_second_group(point: str, inbox_id: int) -> None:
        if point == "processed" and inbox_id == 4:
            raise Crash

    with pytest.raises(Crash):
        run_pass(store, config, hook=crash_in_second_group)
    # Group 1 (messages 1, 2) is committed; rows 3 and 4, their effects and the cursor past
    # them were rolled back together, so the next pass fetches them again.
    assert [r["id"] for r in store.query("SELECT id FROM inbox ORDER BY id")] == [1, 2]
    assert store.scalar("SELECT COUNT(*) FROM case_events WHERE inbox_id > 2") == 0
    report = run_pass(store, config)
    assert report.stored == 3 and report.server_actions == 5
    assert store.scalar("SELECT COUNT(*) FROM inbox") == 5
    assert account.uids("INBOX") == []


def test_linking_routing_and_answer_rules(tmp_path: Path, account: MailAccount) -> None:
    store, debtors = corpus_store(tmp_path)
    contact, debtor = next(iter(debtors.items()))
    colleague = "someone.else@" + contact.rpartition("@")[2]
    promise = "Wij betalen de factuur uiterlijk op 10 december 2026."
    msgs = [
        mail("stranger@unknown.example", "Vraag", "Wie bent u eigenlijk?", "<u1@x>"),
        mail(OFFICE, "Loop", promise, "<own1@x>"),
        mail(contact, "Betaling", promise, "<p1@x>"),
        mail(contact, "Betaling", promise, "<p2@x>"),  # same address: no second answer
        mail(colleague, "Betaling", promise, "<p3@x>"),  # same domain, not registered
        mail(contact, "Betaling", promise, "<p4@x>", headers={"Reply-To": OFFICE}),
        mail(colleague, "Nieuwsbrief", promise, "<l1@x>", headers={"List-Id": "<ap.example>"}),
    ]
    for raw in msgs:
        account.deliver(raw)
    config = corpus_config(account.imap_settings())
    run_pass(store, config)
    rows = {r["message_id"]: r for r in store.query("SELECT * FROM inbox")}
    assert rows["<u1@x>"]["status"] == "review"
    assert (
        store.scalar("SELECT type FROM review_items WHERE inbox_id = ?", (rows["<u1@x>"]["id"],))
        == "unknown_sender"
    )
    assert rows["<own1@x>"]["status"] == "ignored"
    for mid in ("<p1@x>", "<p2@x>", "<p4@x>"):
        assert rows[mid]["debtor_id"] == debtor, mid  # the registered address
        got = store.scalar(
            "SELECT promised_date FROM promises WHERE inbox_id = ?", (rows[mid]["id"],)
        )
        assert got == "2026-12-10"
    # A colleague at the debtor's own domain who is not registered: linked for a person to
    # look at, never acting (no promise) and never answered.
    colleague_row = rows["<p3@x>"]
    assert (colleague_row["status"], colleague_row["debtor_id"]) == ("review", debtor)
    item = store.one("SELECT * FROM review_items WHERE inbox_id = ?", (colleague_row["id"],))
    assert item is not None and item["type"] == "unverified_sender"
    assert colleague in item["reason"] and "not a registered address" in item["reason"]
    assert (
        store.scalar("SELECT COUNT(*) FROM promises WHERE inbox_id = ?", (colleague_row["id"],))
        == 0
    )
    assert rows["<l1@x>"]["status"] == "processed"  # list mail never drives a case
    assert (
        store.scalar("SELECT COUNT(*) FROM promises WHERE inbox_id = ?", (rows["<l1@x>"]["id"],))
        == 0
    )
    # One answer, to the registered address: the Reply-To of <p4@x> (our own address) is
    # never used, and the address was answered already (rate limit).
    answers = store.query("SELECT recipients FROM outbox ORDER BY id")
    assert answers == [{"recipients": f'["{contact}"]'}]


def test_review_promises_marks_kept_and_broken(tmp_path: Path) -> None:
    store, _ = corpus_store(tmp_path)
    config = Config()
    rows = store.query("SELECT number, debtor_id, amount_cents FROM invoices ORDER BY number")
    paid, unpaid = rows[0], next(r for r in rows if r["debtor_id"] != rows[0]["debtor_id"])
    with store.transaction():
        for row, grace in ((paid, "2026-11-20"), (unpaid, "2026-11-20")):
            store.execute(
                "INSERT INTO promises (debtor_id, invoice_numbers, promised_date, grace_until,"
                " source, created_at) VALUES (?, ?, '2026-11-17', ?, 'mail', 'x')",
                (row["debtor_id"], f'["{row["number"]}"]', grace),
            )
        store.execute(
            "UPDATE invoices SET status = 'paid', paid_cents = amount_cents WHERE number = ?",
            (paid["number"],),
        )
    not_yet = review_promises(store, config, date(2026, 11, 20), NOW)
    assert not_yet.kept == [] and not_yet.broken == []
    result = review_promises(store, config, date(2026, 11, 23), NOW)
    assert (len(result.kept), len(result.broken)) == (1, 1)
    assert store.scalar("SELECT type FROM review_items") == "promise_broken"
    again = review_promises(store, config, date(2026, 11, 24), NOW)
    assert again.kept == [] and again.broken == []
    assert store.scalar("SELECT COUNT(*) FROM review_items") == 1


def test_a_stop_request_ends_the_pass_after_the_batch_in_hand(
    tmp_path: Path, account: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus_store(tmp_path)
    for path in corpus_files()[:30]:
        account.deliver(path.read_bytes())
    config = corpus_config(account.imap_settings())
    monkeypatch.setattr(ingestion, "FETCH_BATCH", 10)
    stop = threading.Event()

    def sigterm_during_first_batch(point: str, inbox_id: int) -> None:
        if point == "processed" and inbox_id == 3:
            stop.set()

    client = ImapMailbox.connect(config.imap)
    try:
        report = run_ingestion_pass(
            store, config, client, now=NOW, hook=sigterm_during_first_batch, stop=stop
        )
    finally:
        client.logout()
    # The batch in hand is finished (stored, processed, moved); the rest waits.
    assert report.stopped_early and report.stored == 10 and report.server_actions == 10
    assert len(account.uids("INBOX")) == 20
    assert store.scalar("SELECT COUNT(*) FROM inbox WHERE server_done = 1") == 10
    report = run_pass(store, config)
    assert report.stored == 20 and not report.stopped_early
    assert account.uids("INBOX") == []


def test_mail_saved_as_a_file_is_processed_like_fetched_mail(
    tmp_path: Path, account: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = corpus_store(tmp_path)
    files = corpus_files()
    fetched, saved = files[2], files[7]  # two promises to pay (r008 is handled automatically)
    account.deliver(fetched.read_bytes())
    config = corpus_config(account.imap_settings())
    run_pass(store, config)
    config_path = tmp_path / "dunmail.toml"
    toml = config_toml(account.imap_settings(), tmp_path / "dunmail.db", max_message_bytes=100_000)
    config_path.write_text(toml)
    monkeypatch.setenv("DUNMAIL_TEST_IMAP_PASSWORD", account.password)
    big = tmp_path / "big.eml"
    big.write_bytes(b"Subject: x\n\n" + b"x" * 100_001)
    args = ["--config", str(config_path), "inbox", "import", "--json", "--now", NOW.isoformat()]
    result = CliRunner().invoke(main, [*args, str(saved), str(fetched), str(big)])
    assert result.exit_code == 1, result.output  # the oversized file; the others are processed
    new, again, refused = json.loads(result.stdout)
    assert (new["status"], new["intent"]) == ("processed", "promise_to_pay")
    assert new["debtor_id"] is not None
    assert again["status"] == "duplicate"  # the same message was fetched over IMAP before
    assert refused["status"] == "error" and "max_message_bytes" in refused["error"]
    row = store.one("SELECT * FROM inbox WHERE id = ?", (new["inbox_id"],))
    assert row is not None and (row["server_action"], row["server_done"]) == (None, 1)
    promises = store.scalar("SELECT COUNT(*) FROM promises WHERE inbox_id = ?", (row["id"],))
    assert promises == 1
    assert run_pass(store, config).server_actions == 0  # nothing to move for a file
