"""Helpers for the dunning integration tests: a config pointing at the test servers,
debtors and invoices, bank statements (for the freshness gate) and payments."""

from __future__ import annotations

import smtplib
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.mailerrors import PermanentMailError, TransientMailError
from daemon.adapters.store.db import Store
from daemon.adapters.store.invoices import refresh_invoice, upsert_debtor
from daemon.adapters.store.letters import set_postal_address
from daemon.config import Config, LadderSettings, OfficeSettings
from daemon.domain.money import from_cents
from daemon.domain.references import generate_rf

OFFICE = OfficeSettings(
    name="Voorbeeld B.V.", email="debiteuren@voorbeeld-bv.nl", iban="NL91ABNA0417164300"
)


def make_config(imap: Any = None, smtp: Any = None, **dunning: Any) -> Config:
    base = Config()
    config = replace(base, office=OFFICE, dunning=replace(base.dunning, **dunning))
    if imap is not None:
        config = replace(config, imap=imap)
    if smtp is not None:
        config = replace(config, smtp=smtp)
    return config


def add_debtor(
    store: Store,
    debtor_id: str,
    *,
    kind: str = "b2b",
    lang: str = "nl",
    country: str = "NL",
    emails: tuple[str, ...] | None = None,
    tags: tuple[str, ...] = (),
    name: str | None = None,
) -> None:
    with store.transaction():
        upsert_debtor(
            store,
            debtor_id=debtor_id,
            name=name or f"Debiteur {debtor_id}",
            emails=emails or (f"{debtor_id.lower()}@klant.example",),
            language=lang,
            debtor_type=kind,
            ibans=[],
            tags=tags,
            country=country,
            now=iso_utc(datetime(2026, 1, 1, tzinfo=UTC)),
        )


def paper_ladders() -> dict[str, LadderSettings]:
    """Ladders ending on paper (#16): b2b "paper" prints the formal reminder and sends the
    demand as a registered letter that is also mailed; b2c "paper-b2c" posts the
    veertiendagenbrief and the demand, nothing with costs by mail."""
    from daemon.ladders import B2B, B2C

    def letters(ladder: LadderSettings, **by_name: dict[str, Any]) -> LadderSettings:
        steps = tuple(
            replace(s, channel="letter", **by_name[s.name]) if s.name in by_name else s
            for s in ladder.steps
        )
        return replace(ladder, steps=steps)

    return {
        "paper": letters(B2B, formal={}, demand={"attach_to_mail": True}),
        "paper-b2c": letters(B2C, notice={}, demand={}),
    }


def add_postal(store: Store, debtor_id: str, street: str, postcode: str, city: str) -> None:
    with store.transaction():
        set_postal_address(
            store, debtor_id, street=street, postcode=postcode, city=city, country=None,
            now=iso_utc(datetime(2026, 1, 1, tzinfo=UTC)),
        )  # fmt: skip


def add_invoice(
    store: Store, number: str, debtor_id: str, cents: int, issue: date, due: date
) -> None:
    at = iso_utc(datetime(2026, 1, 1, tzinfo=UTC))
    with store.transaction():
        store.execute(
            "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date,"
            " reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                debtor_id,
                cents,
                issue.isoformat(),
                due.isoformat(),
                generate_rf(number),
                at,
                at,
            ),
        )


def add_statement(store: Store, booked_until: date, imported: datetime) -> None:
    """What a daily bank statement import leaves behind, as far as the gate looks."""
    at = iso_utc(imported)
    with store.transaction():
        cur = store.execute(
            "INSERT INTO statement_files (sha256, filename, format, source, status, imported_at)"
            " VALUES (?, ?, 'camt053', 'cli', 'imported', ?)",
            (f"sim-{booked_until.isoformat()}", f"{booked_until}.xml", at),
        )
        store.execute(
            "INSERT INTO statements (file_id, account_iban, format, closing_date,"
            " latest_booking_date, imported_at) VALUES (?, ?, 'camt053', ?, ?, ?)",
            (cur.lastrowid, OFFICE.iban, booked_until.isoformat(), booked_until.isoformat(), at),
        )


def pay(store: Store, number: str, cents: int, day: date) -> None:
    at = iso_utc(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
    with store.transaction():
        cur = store.execute(
            "INSERT INTO bank_transactions (entry_key, account_iban, booking_date, amount,"
            " amount_cents, currency, direction, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, 'EUR', 'credit', 'matched', ?)",
            (
                f"sim:{number}:{day}:{cents}",
                OFFICE.iban,
                day.isoformat(),
                str(from_cents(cents)),
                cents,
                at,
            ),
        )
        store.execute(
            "INSERT INTO allocations (transaction_id, invoice_number, amount_cents, rule,"
            " created_at) VALUES (?, ?, ?, 'reference', ?)",
            (cur.lastrowid, number, cents, at),
        )
        refresh_invoice(store, number, now=at)


def _smtplib_send(
    settings: Any, raw: bytes, *, mail_from: str, recipients: list[str]
) -> dict[str, tuple[int, str]]:
    """Stand-in client used only while daemon.adapters.smtp has not landed."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=10) as client:
            refused = client.sendmail(mail_from, recipients, raw)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentMailError(
            "all recipients refused",
            recipients={a: (c, m.decode(errors="replace")) for a, (c, m) in exc.recipients.items()},
        ) from exc
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise PermanentMailError(str(exc), code=exc.smtp_code) from exc
        raise TransientMailError(str(exc), code=exc.smtp_code) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientMailError(str(exc)) from exc
    # Delivered to the others: report the refused ones, the message itself went out.
    return {a: (c, m.decode(errors="replace")) for a, (c, m) in refused.items()}


def smtp_sender() -> Any:
    """None (the product's own adapter) when daemon.adapters.smtp exists."""
    try:
        import daemon.adapters.smtp  # noqa: F401
    except ImportError:
        return _smtplib_send
    return None


def message_ids(raws: list[bytes]) -> list[str]:
    import email
    from email import policy

    return [str(email.message_from_bytes(r, policy=policy.default)["Message-ID"]) for r in raws]


def audit_fields(line: str) -> tuple[str, dict[str, str]]:
    """'event k=v k="v w"' → (event, {k: v}) — how an admin's grep/awk reads a line."""
    event, _, rest = line.partition(" ")
    out: dict[str, str] = {}
    while rest:
        key, _, rest = rest.partition("=")
        if rest.startswith('"'):
            value, _, rest = rest[1:].partition('"')
            rest = rest.lstrip()
        else:
            value, _, rest = rest.partition(" ")
        out[key.strip()] = value
    return event, out
