"""Numbered schema migrations, recorded in the database (table ``schema_migrations``).

Money columns end in ``_cents`` and hold integer minor units: exact, and SUM() stays exact.
JSON columns hold text. Timestamps are ISO 8601 text in UTC (``...Z``); calendar dates are
ISO dates in the office timezone. Append new migrations; never edit an applied one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from daemon.adapters.store._sqlite_utils import sqlite_utils


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


SCHEMA_V1 = """
CREATE TABLE debtors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    language TEXT,                          -- nl/en/de/fr or NULL (office default)
    debtor_type TEXT NOT NULL DEFAULT 'b2b' CHECK (debtor_type IN ('b2b','b2c')),
    country TEXT,                           -- NL/BE/DE or NULL (office jurisdiction)
    tags TEXT NOT NULL DEFAULT '[]',        -- JSON list, e.g. ["key-account"]
    ladder TEXT,                            -- per-debtor ladder override
    insolvent INTEGER NOT NULL DEFAULT 0,
    erased_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE debtor_emails (
    debtor_id TEXT NOT NULL REFERENCES debtors(id) ON DELETE CASCADE,
    email TEXT NOT NULL,                    -- lower-cased
    position INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','undeliverable','removed')),
    status_reason TEXT,
    status_at TEXT,
    PRIMARY KEY (debtor_id, email)
);
CREATE INDEX debtor_emails_email ON debtor_emails(email);

CREATE TABLE debtor_ibans (
    debtor_id TEXT NOT NULL REFERENCES debtors(id) ON DELETE CASCADE,
    iban TEXT NOT NULL,                     -- normalised, no spaces
    source TEXT NOT NULL DEFAULT 'import',  -- import | learned
    created_at TEXT NOT NULL,
    PRIMARY KEY (debtor_id, iban)
);
CREATE INDEX debtor_ibans_iban ON debtor_ibans(iban);

CREATE TABLE invoices (
    number TEXT PRIMARY KEY,
    debtor_id TEXT NOT NULL REFERENCES debtors(id),
    currency TEXT NOT NULL DEFAULT 'EUR',
    amount_cents INTEGER NOT NULL,
    paid_cents INTEGER NOT NULL DEFAULT 0,      -- sum of live allocations
    credited_cents INTEGER NOT NULL DEFAULT 0,  -- credit notes
    written_off_cents INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open',
        -- open | partially_paid | paid | credited | disputed | written_off | handed_over | on_hold
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    reference TEXT NOT NULL,
    reference_kind TEXT NOT NULL DEFAULT 'rf',
    pdf_path TEXT,
    dunning_step INTEGER NOT NULL DEFAULT 0,    -- ladder steps done (0 = none)
    last_step_name TEXT,
    last_step_date TEXT,
    formal_notice_date TEXT,                    -- B2C veertiendagenbrief delivered on
    formal_notice_cents INTEGER,                -- costs stated in it
    source TEXT,                                -- file it was imported from
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX invoices_debtor ON invoices(debtor_id);
CREATE INDEX invoices_status ON invoices(status);
CREATE INDEX invoices_reference ON invoices(reference);

CREATE TABLE credit_notes (
    number TEXT PRIMARY KEY,
    invoice_number TEXT NOT NULL REFERENCES invoices(number),
    amount_cents INTEGER NOT NULL,
    issue_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    debtor_id TEXT NOT NULL REFERENCES debtors(id),
    status TEXT NOT NULL DEFAULT 'active',
        -- active | paused | disputed | plan | handed_over | insolvent | closed
    token TEXT NOT NULL UNIQUE,             -- for Reply-To plus-tags and Message-IDs
    paused_until TEXT,
    pause_reason TEXT,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX cases_one_open_per_debtor ON cases(debtor_id) WHERE closed_at IS NULL;

CREATE TABLE holds (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('global','debtor','invoice')),
    target TEXT,                            -- debtor id or invoice number, NULL for global
    reason TEXT NOT NULL,
    until TEXT,                             -- ISO date, inclusive, NULL = until released
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    released_at TEXT
);
CREATE INDEX holds_target ON holds(scope, target);

CREATE TABLE promises (
    id INTEGER PRIMARY KEY,
    debtor_id TEXT NOT NULL REFERENCES debtors(id),
    case_id INTEGER REFERENCES cases(id),
    invoice_numbers TEXT NOT NULL DEFAULT '[]',
    promised_date TEXT,                     -- NULL: no date given yet
    amount_cents INTEGER,
    grace_until TEXT,
    source TEXT NOT NULL,                   -- mail | call | queue | staff-mail
    inbox_id INTEGER REFERENCES inbox(id),
    status TEXT NOT NULL DEFAULT 'open',    -- open | kept | broken | cancelled
    created_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX promises_open ON promises(status, grace_until);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    debtor_id TEXT,
    case_id INTEGER,
    invoice_number TEXT,
    actor TEXT NOT NULL,                    -- daemon | cli:<user> | mail:<address>
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',      -- JSON: reasons, rule hits, commands, evidence
    message_sha256 TEXT,
    inbox_id INTEGER,
    outbox_id INTEGER,
    transaction_id INTEGER
);
CREATE INDEX case_events_debtor ON case_events(debtor_id, at);
CREATE INDEX case_events_invoice ON case_events(invoice_number);

CREATE TABLE imap_cursors (
    account TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account, mailbox, uidvalidity)
);

CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT,
    received_at TEXT NOT NULL,
    mail_date TEXT,
    from_addr TEXT,
    subject TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL,
    raw BLOB,                               -- NULL after retention purge
    status TEXT NOT NULL DEFAULT 'new',
        -- new | processed | review | shunted | duplicate | ignored
    kind TEXT,                              -- reply | auto_reply | bounce | statement | staff | ...
    intent TEXT,
    classification TEXT,                    -- JSON
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    debtor_id TEXT,
    case_id INTEGER,
    server_action TEXT,                     -- move:<folder> | flag:<flag>
    server_done INTEGER NOT NULL DEFAULT 0,
    processed_at TEXT,
    purged_at TEXT,
    UNIQUE (account, mailbox, uidvalidity, uid)
);
CREATE INDEX inbox_message_id ON inbox(message_id);
CREATE INDEX inbox_status ON inbox(status);
CREATE INDEX inbox_debtor ON inbox(debtor_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
        -- reminder | confirmation | auto_answer | invoice_copy | thank_you | plan | call_summary
        -- | staff_alert | staff_digest | staff_confirmation
    debtor_id TEXT,
    case_id INTEGER,
    step INTEGER,
    step_name TEXT,
    message_id TEXT NOT NULL UNIQUE,        -- deterministic for reminders
    mail_from TEXT NOT NULL,
    recipients TEXT NOT NULL,               -- JSON list
    subject TEXT NOT NULL,
    raw BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    invoice_numbers TEXT NOT NULL DEFAULT '[]',
    decision TEXT NOT NULL DEFAULT '{}',    -- JSON: why it was sent
    status TEXT NOT NULL DEFAULT 'queued',
        -- queued | sending | sent | failed | cancelled | uncertain
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT,                        -- UTC, the sending window and backoff
    last_error TEXT,
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    in_sent_folder INTEGER NOT NULL DEFAULT 0,
    purged_at TEXT
);
CREATE INDEX outbox_status ON outbox(status, not_before);
CREATE INDEX outbox_debtor ON outbox(debtor_id);

CREATE TABLE statement_files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    filename TEXT,
    format TEXT,
    source TEXT NOT NULL,                   -- cli | mail
    inbox_id INTEGER REFERENCES inbox(id),
    status TEXT NOT NULL,                   -- imported | quarantined | failed
    reason TEXT,
    raw BLOB,                               -- kept for quarantined/failed files
    n_statements INTEGER NOT NULL DEFAULT 0,
    n_payments INTEGER NOT NULL DEFAULT 0,
    n_new INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL
);

CREATE TABLE statements (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES statement_files(id),
    account_iban TEXT NOT NULL,
    statement_id TEXT,
    sequence TEXT,
    format TEXT NOT NULL,
    currency TEXT,
    opening_cents INTEGER,
    closing_cents INTEGER,
    closing_date TEXT,
    from_date TEXT,
    to_date TEXT,
    latest_booking_date TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    imported_at TEXT NOT NULL
);
CREATE INDEX statements_account ON statements(account_iban, closing_date);

CREATE TABLE bank_transactions (
    id INTEGER PRIMARY KEY,
    entry_key TEXT NOT NULL UNIQUE,         -- account + bank ref / E2E + amount + date
    file_id INTEGER REFERENCES statement_files(id),
    account_iban TEXT NOT NULL,
    booking_date TEXT,
    value_date TEXT,
    amount TEXT NOT NULL,                   -- exact decimal text as the bank wrote it
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('credit','debit')),
    reversal INTEGER NOT NULL DEFAULT 0,
    return_reason TEXT,
    bank_reference TEXT,
    end_to_end_id TEXT,
    counterparty_name TEXT,
    counterparty_iban TEXT,
    counterparty_bic TEXT,
    remittance TEXT NOT NULL DEFAULT '',
    structured_reference TEXT,
    additional_info TEXT,
    status TEXT NOT NULL DEFAULT 'unmatched',
        -- matched | partially_matched | needs_review | unmatched | ignored | returned
    match_detail TEXT NOT NULL DEFAULT '{}', -- JSON: evidence, suggestions
    created_at TEXT NOT NULL
);
CREATE INDEX bank_transactions_status ON bank_transactions(status);
CREATE INDEX bank_transactions_cp_iban ON bank_transactions(counterparty_iban);

CREATE TABLE allocations (
    id INTEGER PRIMARY KEY,
    transaction_id INTEGER NOT NULL REFERENCES bank_transactions(id),
    invoice_number TEXT NOT NULL REFERENCES invoices(number),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    rule TEXT NOT NULL,
    score REAL,
    evidence TEXT NOT NULL DEFAULT '{}',
    actor TEXT NOT NULL DEFAULT 'daemon',
    created_at TEXT NOT NULL,
    reversed_at TEXT,
    reversed_by INTEGER                     -- the returning transaction
);
CREATE INDEX allocations_invoice ON allocations(invoice_number) WHERE reversed_at IS NULL;
CREATE INDEX allocations_transaction ON allocations(transaction_id);

CREATE TABLE review_items (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
        -- dispute | insolvency | payment_unmatched | payment_uncertain | overpayment
        -- | unknown_sender | bounce | shunted_mail | statement_quarantined | delivery_uncertain
        -- | promise_broken | call_task | payment_plan | handover | other_reply | paid_claim
        -- | invoice_request | send_failed
    priority INTEGER NOT NULL DEFAULT 2,    -- 0 urgent, 1 high, 2 normal, 3 low
    state TEXT NOT NULL DEFAULT 'open',     -- open | snoozed | resolved
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '{}',
    proposed_actions TEXT NOT NULL DEFAULT '[]',
    due_date TEXT,
    assignee TEXT,
    debtor_id TEXT,
    case_id INTEGER,
    invoice_numbers TEXT NOT NULL DEFAULT '[]',
    inbox_id INTEGER,
    outbox_id INTEGER,
    transaction_id INTEGER,
    statement_file_id INTEGER,
    dedupe_key TEXT UNIQUE,
    snoozed_until TEXT,
    notified_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution TEXT
);
CREATE INDEX review_items_state ON review_items(state, type);

CREATE TABLE payment_plans (
    id INTEGER PRIMARY KEY,
    debtor_id TEXT NOT NULL REFERENCES debtors(id),
    case_id INTEGER REFERENCES cases(id),
    status TEXT NOT NULL DEFAULT 'proposed',
        -- proposed | active | completed | broken | rejected
    invoice_numbers TEXT NOT NULL DEFAULT '[]',
    total_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    approved_at TEXT,
    approved_by TEXT,
    closed_at TEXT
);

CREATE TABLE plan_instalments (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES payment_plans(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    paid_cents INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending', -- pending | paid | missed
    reminded_at TEXT,
    UNIQUE (plan_id, seq)
);

CREATE TABLE state (
    key TEXT PRIMARY KEY,                   -- global_pause, last_cycle, daemon_pid, ...
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

# Hot lookups of inbound ingestion. outbox_answers: the per-address rate limit on automatic
# answers (answered_recently) reads a few hours of answers instead of the whole outbox.
# inbox_server_pending: the pending move/flag repair at the start of every pass.
INDEXES_V2 = """
CREATE INDEX outbox_kind_created ON outbox(kind, created_at);
CREATE INDEX inbox_server_pending ON inbox(account, mailbox, id)
    WHERE server_action IS NOT NULL AND server_done = 0;
CREATE INDEX inbox_sha256 ON inbox(sha256) WHERE message_id IS NULL;
"""

# The per-address rate limit on automatic answers by recipient: an answer goes to exactly one
# address, so its first recipient names it. Without this, a busy day's answers were scanned
# (json_each over every recent answer) once per inbound mail.
INDEXES_V3 = """
CREATE INDEX outbox_answer_recipient ON outbox(json_extract(recipients, '$[0]'), created_at)
    WHERE kind IN ('confirmation', 'auto_answer', 'invoice_copy');
"""

# Credit notes are not payments (issue 13): an invoice only credited in part is open for the
# rest, and one settled mostly by credit notes is credited. Same rule as domain.model.
STATUS_V4 = """
UPDATE invoices SET status = 'open'
    WHERE status = 'partially_paid' AND paid_cents = 0;
UPDATE invoices SET status = 'credited'
    WHERE status = 'paid' AND credited_cents > 0
    AND credited_cents >= paid_cents AND credited_cents >= written_off_cents;
"""

# Mail domains a debtor has declared its own (CSV column debtor_domains): a sender at one of
# them may act for that debtor like a registered address (daemon.domain.identity).
DEBTOR_DOMAINS_V5 = """
CREATE TABLE debtor_domains (
    debtor_id TEXT NOT NULL REFERENCES debtors(id) ON DELETE CASCADE,
    domain TEXT NOT NULL,                   -- lower-cased, no '@'
    created_at TEXT NOT NULL,
    PRIMARY KEY (debtor_id, domain)
);
CREATE INDEX debtor_domains_domain ON debtor_domains(domain);
"""

CLAIMS_V6 = """
-- The claims ledger (#15): collection costs and interest a sent mail claimed, per case.
CREATE TABLE claim_lines (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    debtor_id TEXT NOT NULL REFERENCES debtors(id),
    kind TEXT NOT NULL CHECK (kind IN ('costs','interest')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    paid_cents INTEGER NOT NULL DEFAULT 0,      -- sum of live claim allocations
    waived_cents INTEGER NOT NULL DEFAULT 0,    -- a person's waiver (event claims_waived)
    outbox_id INTEGER REFERENCES outbox(id),    -- the mail that claimed it
    message_id TEXT,
    basis TEXT NOT NULL DEFAULT '',             -- legal basis as the mail stated it
    computation TEXT NOT NULL DEFAULT '[]',     -- JSON list of the working lines (English)
    computed_to TEXT,                           -- interest: the last day the amount covers
    invoice_numbers TEXT NOT NULL DEFAULT '[]',
    booked_at TEXT NOT NULL
);
CREATE INDEX claim_lines_case ON claim_lines(case_id);
CREATE UNIQUE INDEX claim_lines_one_per_mail ON claim_lines(outbox_id, kind)
    WHERE outbox_id IS NOT NULL;

-- What a payment settled of a claim line (returns reverse it, like invoice allocations).
CREATE TABLE claim_allocations (
    id INTEGER PRIMARY KEY,
    claim_line_id INTEGER NOT NULL REFERENCES claim_lines(id),
    transaction_id INTEGER NOT NULL REFERENCES bank_transactions(id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    basis TEXT NOT NULL DEFAULT '',             -- the allocation rule applied (art. 6:44 BW)
    created_at TEXT NOT NULL,
    reversed_at TEXT,
    reversed_by INTEGER
);
CREATE INDEX claim_allocations_transaction ON claim_allocations(transaction_id);

-- A person's waiver of a case's costs or interest: no new ones are booked after it.
ALTER TABLE cases ADD COLUMN costs_waived_at TEXT;
ALTER TABLE cases ADD COLUMN interest_waived_at TEXT;
"""

# Paper letters (#16): the debtor's postal address, and every letter made (bytes + sha256, as
# every mail is kept) with its print-queue state, posting date and registered-mail code.
LETTERS_V8 = """
ALTER TABLE debtors ADD COLUMN street TEXT;
ALTER TABLE debtors ADD COLUMN postcode TEXT;
ALTER TABLE debtors ADD COLUMN city TEXT;
ALTER TABLE debtors ADD COLUMN postal_country TEXT;  -- ISO 3166 alpha-2, any country

CREATE TABLE letters (
    id INTEGER PRIMARY KEY,
    debtor_id TEXT NOT NULL,
    case_id INTEGER,
    ladder TEXT,
    step INTEGER,
    step_name TEXT,
    language TEXT NOT NULL,
    letter_date TEXT NOT NULL,             -- the date printed on it (the planned posting day)
    deadline TEXT,                          -- the deadline it states
    invoice_numbers TEXT NOT NULL DEFAULT '[]',
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    pages INTEGER NOT NULL,
    decision TEXT NOT NULL DEFAULT '{}',
    outbox_id INTEGER,                      -- the mail that carried it as an attachment
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'printed', 'posted', 'cancelled')),
    printed_at TEXT,
    posted_on TEXT,                         -- the dispatch date for deadlines
    presumed_receipt TEXT,
    tracking_code TEXT,                     -- registered mail (aangetekend / Einschreiben)
    dedupe_key TEXT UNIQUE,
    purged_at TEXT,                         -- GDPR erasure / retention: pdf emptied, sha256 kept
    created_at TEXT NOT NULL
);
CREATE INDEX letters_status ON letters(status);
CREATE INDEX letters_debtor ON letters(debtor_id);
"""

# Unattended intake (issue 17). Each drop-folder file is recorded by its content hash, so it
# is processed once; a file seen but not yet stable waits in intake_sightings. An invoice
# settled or reduced by an open-items snapshot gets an outside_settlements row naming the
# snapshot: it counts as paid (refresh_invoice adds it to paid_cents). intake_source says
# which accounting package's snapshots speak for an invoice (NULL: none does yet).
INTAKE_V9 = """
CREATE TABLE intake_files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    folder TEXT NOT NULL,                   -- invoices | statements | cli
    filename TEXT NOT NULL,
    kind TEXT NOT NULL,                     -- invoices | snapshot | statements
    source TEXT,                            -- snapshot source (accounting package)
    status TEXT NOT NULL,                   -- processed | duplicate | failed | held | applied
    reason TEXT,
    snapshot_at TEXT,                       -- when the snapshot was taken (UTC)
    summary TEXT NOT NULL DEFAULT '{}',     -- JSON: what it did or would do
    moved_to TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX intake_files_sha ON intake_files(sha256, status);
CREATE INDEX intake_files_snapshots ON intake_files(kind, source, status, snapshot_at);

CREATE TABLE intake_sightings (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    seen_at TEXT NOT NULL                   -- first seen with this size and mtime (UTC)
);

CREATE TABLE outside_settlements (
    id INTEGER PRIMARY KEY,
    invoice_number TEXT NOT NULL REFERENCES invoices(number),
    kind TEXT NOT NULL CHECK (kind IN ('settled','reduced')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    intake_file_id INTEGER REFERENCES intake_files(id),
    snapshot TEXT NOT NULL,                 -- file name of the snapshot
    created_at TEXT NOT NULL
);
CREATE INDEX outside_settlements_invoice ON outside_settlements(invoice_number);

ALTER TABLE invoices ADD COLUMN intake_source TEXT;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", SCHEMA_V1),
    Migration(2, "indexes for inbound ingestion", INDEXES_V2),
    Migration(3, "index of automatic answers by recipient", INDEXES_V3),
    Migration(4, "credit notes settle invoice status, they are not payments", STATUS_V4),
    Migration(5, "mail domains of debtors", DEBTOR_DOMAINS_V5),
    Migration(6, "claims ledger: booked costs and interest per case", CLAIMS_V6),
    Migration(8, "postal addresses and paper letters", LETTERS_V8),
    Migration(9, "drop folders and open-items snapshots", INTAKE_V9),
)


def applied_versions(db: sqlite_utils.Database) -> set[int]:
    if "schema_migrations" not in db.table_names():
        return set()
    return {row["version"] for row in db["schema_migrations"].rows}


def migrate(db: sqlite_utils.Database, now: Callable[[], str]) -> list[int]:
    """Apply every migration not yet recorded; idempotent. Returns the versions applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = applied_versions(db)
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, now()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied


def _split(sql: str) -> list[str]:
    """Split a script into statements (sqlite3.complete_statement knows about comments)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
