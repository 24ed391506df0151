"""Statement mails: only an authenticated bank mail is booked; a forged one never touches an
invoice. DKIM is real (an RSA key made here, dkim.sign); DNS is replaced by a dict."""

from __future__ import annotations

import base64
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest

from daemon.adapters.store.db import Store, open_store
from daemon.app.bankmail import import_statement_mail
from daemon.app.review import ActionRequest, ReviewError, act
from daemon.config import BankSettings, Config
from daemon.domain.references import generate_rf
from tests.integration.bank_writers import Tx, camt053, single

BANK = "bank.example"
AUTHSERV = "mx1.office.example"
NOW = "2026-03-05T08:00:00.000000Z"
CONFIG = replace(Config(), bank=BankSettings(trusted_senders=("@" + BANK,), authserv_id=AUTHSERV))
RF_1 = generate_rf("F2026-0001")


def _key() -> tuple[bytes, bytes]:
    """A fresh 2048-bit RSA key (openssl, as dkimpy's own dknewkey does) and its DNS record."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a DKIM key", allow_module_level=True)
    pem = subprocess.run([openssl, "genrsa", "2048"], capture_output=True, check=True).stdout
    der = subprocess.run(
        [openssl, "rsa", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True
    ).stdout
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


BANK_KEY, BANK_DNS = _key()
OTHER_KEY, OTHER_DNS = _key()
DNS = {
    f"sel._domainkey.{BANK}.": BANK_DNS,
    f"sel._domainkey.mail.{BANK}.": BANK_DNS,
    "sel._domainkey.evil.example.": OTHER_DNS,
    # a public suffix whose operator (or anyone who gets a key published there) signs
    "sel._domainkey.co.uk.": OTHER_DNS,
    "sel._domainkey.bank.co.uk.": BANK_DNS,
}
QUERIES: list[str] = []


def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
    key = name.decode() if isinstance(name, bytes) else name
    key = key if key.endswith(".") else key + "."
    QUERIES.append(key)
    return DNS.get(key)


def _statement() -> bytes:
    return camt053(
        "NL91ABNA0417164300",
        "MAIL-1",
        [single(Tx("1000.00", e2e="E-1", structured=RF_1, name="Jansen"), "R-1")],
    )


def _mail(
    sender: str = f"afschriften@{BANK}",
    headers: tuple[tuple[str, str], ...] = (),
    attachment: bytes | None = None,
) -> bytes:
    msg = EmailMessage()
    for name, value in headers:
        msg[name] = value
    msg["From"] = sender
    msg["To"] = "administratie@office.example"
    msg["Subject"] = "Dagafschrift"
    msg["Message-ID"] = "<stmt-1@bank.example>"
    msg.set_content("Uw dagafschrift is bijgevoegd.")
    msg.add_attachment(
        attachment or _statement(), maintype="application", subtype="xml", filename="camt053.xml"
    )
    return msg.as_bytes().replace(b"\n", b"\r\n")


def _signed(
    raw: bytes, domain: str = BANK, key: bytes = BANK_KEY, *, length: bool = False
) -> bytes:
    signature = dkim.sign(
        raw,
        b"sel",
        domain.encode(),
        key,
        include_headers=[b"from", b"to", b"subject", b"message-id"],
        length=length,
    )
    return signature + raw


def _appended_to_a_length_limited_signature() -> bytes:
    """A genuine bank notice signed with ``l=`` (body length): the forger turns it into a
    multipart mail (Content-Type is not signed) and appends his own statement after the
    signed bytes, which become the MIME preamble. The signature still verifies."""
    notice = EmailMessage()
    notice["From"] = f"afschriften@{BANK}"
    notice["To"] = "administratie@office.example"
    notice["Subject"] = "Dagafschrift"
    notice["Message-ID"] = "<notice-1@bank.example>"
    notice.set_content("Uw dagafschrift staat klaar in internetbankieren.")
    genuine = _signed(notice.as_bytes().replace(b"\n", b"\r\n"), length=True)
    head, _, body = genuine.partition(b"\r\n\r\n")
    head = b"\r\n".join(
        line for line in head.split(b"\r\n") if not line.lower().startswith(b"content-")
    )
    head += b'\r\nContent-Type: multipart/mixed; boundary="XYZ"'
    forged_part = (
        b"\r\n--XYZ\r\nContent-Type: application/xml\r\n"
        b"Content-Disposition: attachment; filename=camt053.xml\r\n\r\n"
        + _statement()
        + b"\r\n--XYZ--\r\n"
    )
    return head + b"\r\n\r\n" + body + forged_part


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "office.db")
    now = NOW
    s.execute(
        "INSERT INTO debtors (id, name, created_at, updated_at) VALUES ('D1', 'Jansen', ?, ?)",
        (now, now),
    )
    s.execute(
        "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date,"
        " reference, created_at, updated_at) VALUES ('F2026-0001', 'D1', 100000,"
        " '2026-01-01', '2026-02-01', ?, ?, ?)",
        (RF_1, now, now),
    )
    yield s
    s.close()


def _invoice_status(store: Store) -> tuple[str, int]:
    row = store.one("SELECT status, paid_cents FROM invoices WHERE number = 'F2026-0001'")
    assert row is not None
    return row["status"], row["paid_cents"]


def _ar(text: str) -> tuple[tuple[str, str], ...]:
    return (("Authentication-Results", text),)


ACCEPTED: list[tuple[str, Callable[[], bytes], str]] = [
    ("valid-dkim-of-the-bank", lambda: _signed(_mail()), "dkim:bank.example"),
    (
        "own-server-says-dkim-pass",
        lambda: _mail(headers=_ar(f"{AUTHSERV}; dkim=pass header.d={BANK} header.s=sel; spf=none")),
        "authentication-results:dkim:bank.example",
    ),
    (
        "valid-dkim-of-a-bank-subdomain",
        lambda: _signed(_mail(), f"mail.{BANK}"),
        "dkim:mail.bank.example",
    ),
    (
        "own-server-says-spf-pass-aligned",
        lambda: _mail(headers=_ar(f"{AUTHSERV}; spf=pass (sender ok) smtp.mailfrom=bounce@{BANK}")),
        "authentication-results:spf:bank.example",
    ),
]


@pytest.mark.parametrize(
    ("make", "method"), [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED]
)
def test_authenticated_statement_mail_is_booked(
    store: Store, make: Callable[[], bytes], method: str
) -> None:
    result = import_statement_mail(store, CONFIG, make(), inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    assert (result.status, result.authenticated_by) == ("imported", method)
    assert _invoice_status(store) == ("paid", 100000)


FORGED: list[tuple[str, Callable[[], bytes], str]] = [
    ("forged-from-without-dkim", lambda: _mail(), "no DKIM signature"),
    (
        "dkim-broken-by-tampering",
        lambda: _signed(_mail()).replace(b"Dagafschrift", b"Dagafschrijf"),
        "does not verify",
    ),
    (
        "dkim-signed-by-another-domain",
        lambda: _signed(_mail(), "evil.example", OTHER_KEY),
        "not by bank.example",
    ),
    (
        "authentication-results-of-another-server",
        lambda: _mail(headers=_ar(f"mx.evil.example; dkim=pass header.d={BANK}")),
        f"no Authentication-Results header from {AUTHSERV}",
    ),
    (
        "own-server-pass-for-another-domain",
        lambda: _mail(
            headers=_ar(
                f"{AUTHSERV}; dkim=pass header.d=evil.example; "
                "spf=pass smtp.mailfrom=x@evil.example"
            )
        ),
        "no dkim/spf/dmarc pass aligned with bank.example",
    ),
    (
        "forged-pass-below-our-own-fail",
        lambda: _mail(
            headers=_ar(f"{AUTHSERV}; dkim=fail header.d={BANK}; spf=softfail smtp.mailfrom={BANK}")
            + _ar(f"{AUTHSERV}; dkim=pass header.d={BANK}")
        ),
        "no dkim/spf/dmarc pass",
    ),
    (
        "dkim-length-limit-with-appended-statement",
        _appended_to_a_length_limited_signature,
        "covers only part of the body (l=)",
    ),
    (
        "lookalike-domain-not-aligned",
        lambda: _mail(headers=_ar(f"{AUTHSERV}; spf=pass smtp.mailfrom=x@notbank.example")),
        "no dkim/spf/dmarc pass",
    ),
]


@pytest.mark.parametrize(("make", "why"), [f[1:] for f in FORGED], ids=[f[0] for f in FORGED])
def test_forged_statement_mail_is_quarantined_and_never_applied(
    store: Store, make: Callable[[], bytes], why: str
) -> None:
    result = import_statement_mail(store, CONFIG, make(), inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    assert result.status == "quarantined"
    assert why in result.reason
    assert _invoice_status(store) == ("open", 0)
    assert store.scalar("SELECT COUNT(*) FROM bank_transactions") == 0
    assert store.scalar("SELECT COUNT(*) FROM allocations") == 0
    file = store.one("SELECT status, reason, raw FROM statement_files")
    assert file is not None and file["status"] == "quarantined" and why in file["reason"]
    assert file["raw"] == _statement()
    item = store.one("SELECT type, reason FROM review_items")
    assert item is not None and item["type"] == "statement_quarantined"


def test_quarantined_file_is_booked_when_the_genuine_mail_arrives(store: Store) -> None:
    import_statement_mail(store, CONFIG, _mail(), inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    assert _invoice_status(store) == ("open", 0)
    result = import_statement_mail(
        store, CONFIG, _signed(_mail()), inbox_id=None, now=NOW, dnsfunc=dnsfunc
    )
    assert result.status == "imported"
    assert _invoice_status(store) == ("paid", 100000)
    # the forgery's quarantine item is closed: the same bytes are booked now
    assert store.scalar("SELECT state FROM review_items") == "resolved"


def test_a_person_can_accept_a_quarantined_statement_after_checking_it(store: Store) -> None:
    import_statement_mail(store, CONFIG, _mail(), inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    item_id = store.scalar("SELECT id FROM review_items WHERE type = 'statement_quarantined'")
    when = datetime(2026, 3, 5, 9, tzinfo=UTC)
    outcome = act(
        store, CONFIG, item_id, ActionRequest("import"), actor="ann", today=when.date(), now=when
    )
    assert outcome.resolved and outcome.message == "imported; 1 new payment(s) booked"
    assert _invoice_status(store) == ("paid", 100000)
    row = store.one("SELECT state, resolved_by FROM review_items WHERE id = ?", (item_id,))
    assert row == {"state": "resolved", "resolved_by": "ann"}
    with pytest.raises(ReviewError, match="already resolved"):
        act(
            store,
            CONFIG,
            item_id,
            ActionRequest("import"),
            actor="ann",
            today=when.date(),
            now=when,
        )


def test_mail_from_other_senders_is_not_a_statement(store: Store) -> None:
    result = import_statement_mail(
        store,
        CONFIG,
        _signed(_mail("x@evil.example"), "evil.example", OTHER_KEY),
        inbox_id=None,
        now=NOW,
        dnsfunc=dnsfunc,
    )
    assert result.status == "not_bank"
    assert store.scalar("SELECT COUNT(*) FROM statement_files") == 0


def test_oversized_attachment_is_quarantined(store: Store) -> None:
    small = replace(CONFIG, bank=replace(CONFIG.bank, max_attachment_bytes=100))
    result = import_statement_mail(
        store, small, _signed(_mail()), inbox_id=None, now=NOW, dnsfunc=dnsfunc
    )
    assert result.status == "quarantined" and "max_attachment_bytes" in result.reason
    assert _invoice_status(store) == ("open", 0)


def test_database_untouched_by_forgery_end_to_end(tmp_path: Path) -> None:
    """The same through a fresh database file: nothing but the quarantine row is written."""
    s = open_store(tmp_path / "x.db")
    try:
        import_statement_mail(s, CONFIG, _mail(), inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    finally:
        s.close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == 0


def test_dkim_of_a_public_suffix_never_vouches_for_a_bank_under_it(store: Store) -> None:
    """``co.uk`` signs (a key is published there) for ``afschriften@bank.co.uk``: old relaxed
    alignment took a parent domain; a public suffix is nobody's organisational domain. The
    unaligned signature is not even looked up; the bank's own signature still books."""
    config = replace(CONFIG, bank=replace(CONFIG.bank, trusted_senders=("@bank.co.uk",)))
    forged = _signed(_mail("afschriften@bank.co.uk"), "co.uk", OTHER_KEY)
    QUERIES.clear()
    result = import_statement_mail(store, config, forged, inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    assert result.status == "quarantined"
    assert "DKIM signature by co.uk, not by bank.co.uk" in result.reason
    assert QUERIES == []  # a forger cannot make us query names of his choosing
    assert _invoice_status(store) == ("open", 0)

    genuine = _signed(_mail("afschriften@bank.co.uk"), "bank.co.uk")
    result = import_statement_mail(store, config, genuine, inbox_id=None, now=NOW, dnsfunc=dnsfunc)
    assert (result.status, result.authenticated_by) == ("imported", "dkim:bank.co.uk")
    assert QUERIES == ["sel._domainkey.bank.co.uk."]
    assert _invoice_status(store) == ("paid", 100000)
