"""The debtor-reply corpus as an office would have it: debtors, invoices and a config.

The corpus itself is read in place and never rewritten; only the database around it is made
up: one debtor per sender address (the failed recipient for bounces), owning the invoices
its messages name, so that linking has something real to find.
"""

from __future__ import annotations

import csv
import email
import email.policy
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imapclient.exceptions import LoginError

from daemon.adapters.imap import ImapMailbox
from daemon.adapters.store.db import Store, open_store
from daemon.app.ingestion import run_ingestion_pass
from daemon.app.invoices import import_invoices
from daemon.app.mailbox import PassReport
from daemon.config import Config, ImapSettings, OfficeSettings
from tests.servers import MailAccount

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "replies"
OFFICE = "debiteuren@voorbeeld-bv.nl"
# A moment after the last corpus message (Dates run 2026-10-05 … 2026-11-27).
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# The addresses the five corpus bounces report as failed (read from the notices by a person).
BOUNCED = {
    "r011.eml": "administratie@klaassen-techniek.example",
    "r018.eml": "compta@dupont-plomberie.example",
    "r067.eml": "info@kapsalon-lotte.example",
    "r069.eml": "rechnung@altmann-haustechnik.example",
    "r071.eml": "j.vanderwal@bakkerijvanderwal.example",
}


def labels() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((CORPUS / "labels.json").read_text())
    return data


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("r*.eml"))


def sender_of(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return str(msg["From"].addresses[0].addr_spec).lower()


def contact_of(path: Path) -> str:
    return BOUNCED.get(path.name) or sender_of(path)


def write_invoices_csv(target: Path) -> dict[str, str]:
    """One debtor per contact address; returns contact address → debtor id."""
    lab = labels()
    debtors: dict[str, str] = {}
    owner: dict[str, str] = {}
    lang: dict[str, str] = {}
    for path in corpus_files():
        contact = contact_of(path)
        debtor = debtors.setdefault(contact, f"D{len(debtors) + 1:03d}")
        lang.setdefault(debtor, lab[path.name]["language"])
        for number in lab[path.name]["invoice_numbers"]:
            owner.setdefault(number, debtor)
    rows = []
    for contact, debtor in debtors.items():
        numbers = sorted(n for n, d in owner.items() if d == debtor)
        if not numbers:  # a debtor whose message names no invoice still owes one
            numbers = [f"F2026-9{int(debtor[1:]):03d}"]
        for i, number in enumerate(numbers):
            rows.append(
                {
                    "number": number,
                    "debtor_id": debtor,
                    "debtor_name": f"Debtor {debtor}",
                    "debtor_email": contact,
                    "issue_date": "2026-08-15",
                    "due_date": "2026-09-15",
                    "amount": f"{1000 + int(debtor[1:]) * 10 + i}.50",
                    "language": lang[debtor],
                }
            )
    with target.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return debtors


def corpus_store(tmp_path: Path) -> tuple[Store, dict[str, str]]:
    store = open_store(tmp_path / "dunmail.db")
    debtors = write_invoices_csv(tmp_path / "invoices.csv")
    import_invoices(store, [tmp_path / "invoices.csv"])
    return store, debtors


def corpus_config(imap: ImapSettings, **imap_overrides: Any) -> Config:
    office = OfficeSettings(name="Voorbeeld Installatietechniek B.V.", email=OFFICE)
    return replace(Config(), office=office, imap=replace(imap, **imap_overrides))


def config_toml(imap: ImapSettings, db_path: Path, **imap_values: Any) -> str:
    """The same office as a config file, for running `dunmail` as a subprocess."""
    lines = [
        "[office]",
        'name = "Voorbeeld Installatietechniek B.V."',
        f'email = "{OFFICE}"',
        "[database]",
        f'path = "{db_path}"',
        "[imap]",
        f'host = "{imap.host}"',
        f"port = {imap.port}",
        'security = "plain"',
        f'username = "{imap.username}"',
        'password_env = "DUNMAIL_TEST_IMAP_PASSWORD"',
        "timeout_seconds = 10",
    ]
    for key, value in imap_values.items():
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def wait_for_login(account: MailAccount, timeout_s: float = 3.0) -> MailAccount:
    """Dovecot re-reads its passwd-file at most once a second: a user added in the same
    second as the last login is refused for a moment. Bounded wait until it is known."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with account.client():
                return account
        except LoginError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def run_pass(store: Store, config: Config, **kwargs: Any) -> PassReport:
    """One ingestion pass over its own connection, as at NOW."""
    client = ImapMailbox.connect(config.imap)
    try:
        return run_ingestion_pass(store, config, client, now=NOW, **kwargs)
    finally:
        client.logout()
