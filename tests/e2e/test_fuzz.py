"""Fuzzing every parser the daemon feeds with outside bytes: only the documented error leaves.

Random bytes AND structure-aware mutations of real corpus files. The byte-level fuzzing of
the bank and invoice parsers lives in tests/unit/test_statement_fuzz.py and
test_invoice_fuzz.py; this file adds what those miss: inbound mail through parse *and*
classify (the daemon's path for every message), element- and line-level mutations of real
CAMT / MT940 statements (duplicated, dropped, renamed and re-valued tags), UBL element
mutations and CSV column mutations, and pathological shapes (deep nesting, huge headers).

Derandomized with bounded example counts: the same examples on every run, well under a
minute in all.
"""

from __future__ import annotations

import posixpath
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.domain.classify import Classification, Intent, classify
from parsers.bank import BankFormatError
from parsers.identifiers import check_number
from parsers.invoices import InvoiceFormatError, InvoiceParseResult, parse_invoice_file
from parsers.mail import MailFormatError, ParsedMail, parse
from parsers.statements import parse_statement_bytes
from tests.unit.test_invoice_parsers import PEPPOL_CREDIT_NOTE, PEPPOL_INVOICE

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def _every(paths: list[Path], n: int) -> list[bytes]:
    return [p.read_bytes() for p in paths[:: max(1, len(paths) // n)]]


MAIL_SEEDS = _every(sorted(CORPUS.glob("replies/r*.eml")) + sorted(CORPUS.glob("mail/*/*.eml")), 40)
CAMT_SEEDS = _every(sorted(CORPUS.glob("bank/*/*.xml")), 12)
MT940_SEEDS = _every(
    sorted(p for ext in ("sta", "txt", "940", "swi") for p in CORPUS.glob(f"bank/*/*.{ext}")), 12
)
CSV_SEED = (
    b"number;debtor_id;debtor_name;debtor_email;issue_date;due_date;amount;reference;language\n"
    b"F2026-0412;D1;Jansen BV;a@x.nl;2026-03-01;2026-03-31;1234,50;RF70F20260412;nl\n"
    b'F2026-0413;D2;"Dupont; SRL";b@x.be;2026-03-01;2026-03-31;10.00;+++123/4567/89002+++;fr\n'
)
UBL_SEEDS = [PEPPOL_INVOICE.encode(), PEPPOL_CREDIT_NOTE.encode()]

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
needs = pytest.mark.skipif
TZ = ZoneInfo("Europe/Amsterdam")
PATTERN = r"(?<![A-Za-z0-9])(?P<prefix>[A-Z]{1,3})[ ]?(?P<year>20\d{2})-?(?P<seq>\d{4})(?!\d)"
OWN = ("debiteuren@voorbeeld-bv.nl",)


def _weekday(d: date) -> bool:
    return d.weekday() < 5


# -- the invariants ---------------------------------------------------------------------


def mail_survives(raw: bytes) -> None:
    """parse: a ParsedMail or MailFormatError; classify: always a Classification."""
    try:
        mail = parse(raw, max_message_bytes=1_000_000)
    except MailFormatError as exc:
        assert str(exc)
        return
    assert isinstance(mail, ParsedMail)
    result = classify(
        mail, tz=TZ, invoice_pattern=PATTERN, is_business_day=_weekday, own_addresses=OWN
    )
    assert isinstance(result, Classification)
    assert isinstance(result.intent, Intent)
    assert 0.0 <= result.confidence <= 1.0
    assert all(isinstance(e, str) for e in result.evidence)


def statement_survives(data: bytes) -> None:
    try:
        statements = parse_statement_bytes(data, source="fuzz")
    except BankFormatError as exc:
        assert str(exc)
        return
    assert isinstance(statements, list)


def invoice_file_survives(data: bytes) -> None:
    try:
        result = parse_invoice_file(data, source="fuzz")
    except InvoiceFormatError as exc:
        assert str(exc)
        return
    assert isinstance(result, InvoiceParseResult)
    for record in result.records:
        assert record.amount > 0 and record.due_date >= record.issue_date
        assert check_number(record.number) is None  # safe in file names and headers


# -- mutation strategies ----------------------------------------------------------------


@st.composite
def byte_mutation(draw: st.DrawFn, seed: bytes) -> bytes:
    """Flip, insert, delete, truncate or duplicate byte ranges."""
    buf = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        pos = draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del buf[pos : pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del buf[pos:]
        else:
            buf[pos:pos] = buf[pos : pos + draw(st.integers(1, 256))]
    return bytes(buf)


MAIL_HEADER_JUNK = [
    b"Content-Type: multipart/mixed; boundary=",
    b'Content-Type: multipart/alternative; boundary="b"',
    b"Content-Type: text/plain; charset=x-no-such-charset",
    b'Content-Type: text/plain; charset="utf-7"',
    b"Content-Type: message/rfc822",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: x-uuencode",
    b"Content-Disposition: attachment; filename*=utf-8''%ff%fe.pdf",
    b"Subject: =?utf-8?B?@@@not-base64@@@?= =?x-unknown?Q?=FF?=",
    b'From: =?utf-8?Q?broken?= <<@>>, "unterminated',
    b"Date: Mon, 32 Foo 99999 25:61:61 +9999",
    b"Message-ID: <<<>>>",
    b"In-Reply-To: <reminder.F2026-0412.1@voorbeeld-bv.nl",
    b"References: " + b"<a@b> " * 500,
    b"Auto-Submitted: auto-replied",
    b"X-Header: " + b"x" * 5000,
    b"Bad\x00Header: nul",
]
MAIL_BODY_JUNK = [
    b"--b\r\nContent-Type: text/html\r\n\r\n<html><body><p>open<div>",
    b"--b--\r\n--b--\r\n",
    b"=\r\n=ZZ=3",
    b"!!!! not base64 ====",
    b"Betaald op 31-02-2026, wij betalen 99.999.999.999,99 op 2026-13-45",
    b"<script>alert(1)</script>{{ 7*7 }}{% for %}",
    b"\xff\xfe\x00\x00\xed\xa0\x80",
]


def _split_mail(raw: bytes) -> tuple[list[bytes], bytes, bytes]:
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return raw.splitlines(), b"\n", b""
    head, sep, body = raw[: match.start()], raw[match.start() : match.end()], raw[match.end() :]
    return head.splitlines(), sep, body


@st.composite
def mail_mutation(draw: st.DrawFn) -> bytes:
    """Header- and MIME-aware mutations of a real message (plus some byte noise)."""
    seed = draw(st.sampled_from(MAIL_SEEDS))
    lines, sep, body = _split_mail(seed)
    for _ in range(draw(st.integers(1, 5))):
        op = draw(
            st.sampled_from(
                [
                    "dup-header",
                    "drop-header",
                    "junk-header",
                    "junk-body",
                    "no-separator",
                    "boundary-chaos",
                    "bytes",
                ]
            )
        )
        pos = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "dup-header" and lines:
            lines.insert(pos, lines[pos])
        elif op == "drop-header" and lines:
            del lines[pos]
        elif op == "junk-header":
            lines.insert(pos, draw(st.sampled_from(MAIL_HEADER_JUNK)))
        elif op == "junk-body":
            at = draw(st.integers(0, len(body)))
            body = body[:at] + draw(st.sampled_from(MAIL_BODY_JUNK)) + body[at:]
        elif op == "no-separator":
            sep = b"\n"
        elif op == "boundary-chaos":
            found = re.findall(rb"\n--([^\r\n]+)", body)
            if found:
                target = draw(st.sampled_from(found))
                body = body.replace(b"--" + target, draw(st.sampled_from([b"--x", b"", b"--"])), 1)
        else:
            body = draw(byte_mutation(body or b"x"))
    return b"\n".join(lines) + sep + body


_ELEMENT = re.compile(rb"<([A-Za-z][\w.:-]*)(?:\s[^<>]*)?>[^<]*</\1>")
XML_VALUES = [
    b"",
    b"-1",
    b"0",
    b"NaN",
    b"1e999",
    b"99999999999999999999999.999",
    b"2026-02-30",
    b"9999-99-99T99:99:99",
    b"&amp;&lt;",
    b"\xc3\x28",
    b"RF00" + b"9" * 40,
]


@st.composite
def xml_mutation(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """Element-level: duplicate, drop, rename or re-value whole elements; unbalance tags."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        elements = list(_ELEMENT.finditer(data))
        if not elements:
            break
        el = draw(st.sampled_from(elements))
        whole = el.group(0)
        op = draw(st.sampled_from(["dup", "drop", "rename", "value", "unclose", "nest"]))
        if op == "dup":
            new = whole * draw(st.integers(2, 4))
        elif op == "drop":
            new = b""
        elif op == "rename":
            new = whole.replace(el.group(1), draw(st.sampled_from([b"Amt", b"Ntry", b"X"])), 1)
        elif op == "value":
            open_end = whole.index(b">") + 1
            close = whole.rindex(b"</")
            new = whole[:open_end] + draw(st.sampled_from(XML_VALUES)) + whole[close:]
        elif op == "unclose":
            new = whole[: whole.rindex(b"</")]
        else:
            new = whole[: whole.index(b">") + 1] + whole + whole[whole.rindex(b"</") :]
        data = data[: el.start()] + new + data[el.end() :]
    return data


MT940_FIELDS = [
    b":61:2613450230C1,00NTRFNONREF",
    b":61:261201C99999999999999,99NTRF",
    b":61:XXXXXXD,NMSC",
    b":86:/EREF/" + b"x" * 2000,
    b":86:?20" + b"?2" * 200,
    b":60F:C261301EUR1,00",
    b":62F:D000000EUR",
    b":25:",
    b"-}",
    b"{4:",
]


@st.composite
def mt940_mutation(draw: st.DrawFn) -> bytes:
    """Line-level: duplicate, drop, swap tag lines; replace a field's content."""
    lines = draw(st.sampled_from(MT940_SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        pos = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["dup", "drop", "swap", "field", "revalue"]))
        if op == "dup":
            lines[pos:pos] = lines[pos : pos + draw(st.integers(1, 4))]
        elif op == "drop":
            del lines[pos]
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[pos], lines[other] = lines[other], lines[pos]
        elif op == "field":
            lines.insert(pos, draw(st.sampled_from(MT940_FIELDS)))
        else:
            tag = re.match(rb"(:\w+:)", lines[pos])
            if tag:
                lines[pos] = tag.group(1) + draw(st.binary(max_size=40))
    return b"\n".join(lines)


@st.composite
def csv_mutation(draw: st.DrawFn) -> bytes:
    """Column-level: duplicate/drop/swap columns, odd delimiters, odd encodings, odd cells."""
    rows = [line.split(b";") for line in CSV_SEED.strip().split(b"\n")]
    for _ in range(draw(st.integers(1, 5))):
        width = min(len(r) for r in rows)
        col = draw(st.integers(0, width - 1))
        op = draw(st.sampled_from(["dup-col", "drop-col", "swap-col", "cell", "row-width"]))
        if op == "dup-col":
            rows = [[*r[: col + 1], r[col], *r[col + 1 :]] for r in rows]
        elif op == "drop-col":
            rows = [r[:col] + r[col + 1 :] for r in rows]
        elif op == "swap-col":
            other = draw(st.integers(0, width - 1))
            for r in rows:
                r[col], r[other] = r[other], r[col]
        elif op == "cell":
            row = draw(st.integers(1, len(rows) - 1))
            rows[row][col] = draw(
                st.sampled_from(
                    [b"", b"1e400", b"NaN", b"-0", b"0,001", b"2026-02-30", b"99999-01-01",
                     b'"', b'"a""b', b"=cmd|' /C calc'!A0", b"\x00", b"9" * 400]
                )
            )  # fmt: skip
        else:
            rows[draw(st.integers(0, len(rows) - 1))].append(b"extra")
    delimiter = draw(st.sampled_from([b";", b",", b"\t", b"|"]))
    text = b"\n".join(delimiter.join(r) for r in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    if encoding == "utf-8":
        return text
    return text.decode("utf-8").encode(encoding, errors="replace")


# -- the tests --------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=3000))
def test_mail_random_bytes_parse_and_classify(data: bytes) -> None:
    mail_survives(data)


@FUZZ
@given(st.binary(max_size=1000))
def test_mail_random_body_behind_real_headers(tail: bytes) -> None:
    mail_survives(
        b"From: a@klant.example\nTo: debiteuren@voorbeeld-bv.nl\nSubject: Re: F2026-0412\n"
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\n" + tail
    )


@needs(not MAIL_SEEDS, reason="mail corpus not found")
@FUZZ
@given(mail_mutation())
def test_mail_structure_mutations_of_corpus(raw: bytes) -> None:
    mail_survives(raw)


@needs(not MAIL_SEEDS, reason="mail corpus not found")
@FUZZ
@given(st.data())
def test_mail_byte_mutations_of_corpus(data: st.DataObject) -> None:
    mail_survives(data.draw(byte_mutation(data.draw(st.sampled_from(MAIL_SEEDS)))))


@needs(not CAMT_SEEDS, reason="bank corpus not found")
@FUZZ
@given(xml_mutation(CAMT_SEEDS))
def test_camt_element_mutations_of_corpus(data: bytes) -> None:
    statement_survives(data)


@needs(not MT940_SEEDS, reason="bank corpus not found")
@FUZZ
@given(mt940_mutation())
def test_mt940_line_mutations_of_corpus(data: bytes) -> None:
    statement_survives(data)


@FUZZ
@given(xml_mutation(UBL_SEEDS))
def test_ubl_element_mutations(data: bytes) -> None:
    invoice_file_survives(data)


@FUZZ
@given(csv_mutation())
def test_csv_column_mutations(data: bytes) -> None:
    invoice_file_survives(data)


def _nested_multipart(depth: int) -> bytes:
    head = b"From: a@klant.example\nSubject: deep\n"
    parts = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(depth)
    )
    return head + parts + b"Content-Type: text/plain\n\nbetaald\n"


def _nested_rfc822(depth: int) -> bytes:
    inner = b"From: x@y.example\nSubject: in\n\nwij betalen morgen\n"
    for _ in range(depth):
        inner = b"From: x@y.example\nContent-Type: message/rfc822\n\n" + inner
    return inner


def _nested_xml(depth: int) -> bytes:
    return (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<BkToCstmrStmt>" + b"<Stmt>" * depth + b"</Stmt>" * depth + b"</BkToCstmrStmt></Document>"
    )


# Shapes that once made a parser super-linear: 200k blank lines took ~20 minutes in the
# bounce and quote detectors, 100k encoded words in a Subject hours in the email package.
# A regression shows up as this test never finishing.
@pytest.mark.parametrize(
    ("check", "data"),
    [
        (mail_survives, _nested_multipart(400)),
        (mail_survives, _nested_rfc822(400)),
        (mail_survives, b"Subject: " + b"=?utf-8?B?QQ==?= " * 100_000 + b"\n\nx"),
        (mail_survives, b"From: " + b"a@b.example, " * 20000 + b"\n\nx"),
        (mail_survives, b"\n" * 200_000 + b"x"),
        (mail_survives, b"From: a@klant.example\n\n" + b"\n" * 200_000 + b"wij betalen\n"),
        (mail_survives, b"Content-Type: text/plain\n\n" + b"> " * 200000),
        (statement_survives, _nested_xml(5000)),
        (statement_survives, b":20:X\n:86:" + b"?2" * 100000),
        (invoice_file_survives, _nested_xml(5000).replace(b"Document", b"Invoice")),
        (invoice_file_survives, CSV_SEED.replace(b"1234,50", b"9" * 400)),
        (invoice_file_survives, UBL_SEEDS[0].replace(b">1", b">" + b"9" * 400, 1)),
    ],
    ids=[
        "multipart-nested-400-deep",
        "rfc822-nested-400-deep",
        "100k-encoded-words-in-subject",
        "20000-addresses-in-from",
        "200k-blank-lines-no-header",
        "200k-blank-lines-then-text",
        "200k-quote-markers",
        "camt-nested-5000-deep",
        "mt940-100k-subfield-markers",
        "ubl-nested-5000-deep",
        "csv-400-digit-amount",
        "ubl-400-digit-number",
    ],
)
def test_pathological_shapes(check: object, data: bytes) -> None:
    assert callable(check)
    check(data)


@FUZZ
@given(st.text(max_size=80) | st.from_regex(r"[A-Za-z0-9./_-]{1,70}", fullmatch=True))
def test_an_accepted_invoice_number_is_safe_everywhere(text: str) -> None:
    """Whatever text passes the number rule stays one harmless token in a zip entry, a file
    name, a Message-ID and a header (issue #11)."""
    if check_number(text) is not None:
        return
    entry = f"invoices/{text}.pdf"
    assert posixpath.normpath(entry) == entry  # no "..", "//" or "./" to resolve
    assert re.fullmatch(r"[A-Za-z0-9._/-]{1,64}", text)
    assert not text.startswith(("/", ".", "-")) and not text.endswith(("/", "."))
    assert f"<reminder.{text}.1@x.example>".count(">") == 1


# -- Authentication-Results: nothing an attacker writes is read as a pass for the bank ----------

AUTHSERV = "mx.voorbeeld.test"
# Headers of our own server about a mail from evil.example; "bank.example" appears only where
# the attacker controls the text (quoted local-parts, comments, reason strings).
AR_SEEDS = [
    f'{AUTHSERV}; spf=pass smtp.mailfrom="x; dkim=pass header.d=bank.example x"@evil.example',
    f"{AUTHSERV}; (a ((b) ; dkim=pass header.d=bank.example ; c) d)",
    f"{AUTHSERV}; dkim=none (\\) ; dkim=pass header.d=bank.example ; \\()",
    f'{AUTHSERV}; dkim=fail reason="x; dkim=pass header.d=bank.example"',
    f'{AUTHSERV}; dkim=pass header.d=evil.example header.i="dmarc=pass header.from=bank.example"'
    "@evil.example; spf=pass smtp.mailfrom=evil.example",
]
_STRUCTURE = ';()"\\ =.@'
_PASS_FOR_BANK = re.compile(
    r";\s*(?:dkim\s*=\s*pass\b[^;]*\bheader\s*\.\s*[di]\s*=\s*(?:\S*@)?"
    r"|spf\s*=\s*pass\b[^;]*\bsmtp\s*\.\s*mailfrom\s*=\s*(?:\S*@)?"
    r"|dmarc\s*=\s*pass\b[^;]*\bheader\s*\.\s*from\s*=\s*)"
    r"(?:[a-z0-9-]+\.)*bank\.example(?![a-z0-9.-])",
    re.IGNORECASE,
)


def _outside_quotes_and_comments(text: str) -> str:
    """An independent, deliberately simple reading of the header's structure: quoted strings
    become ``Q`` and comments vanish (nested, with quoted-pairs)."""
    out: list[str] = []
    depth, quoted, i = 0, False, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and (depth or quoted):
            i += 2
            continue
        if quoted:
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            if char == '"':
                quoted = True
                out.append("Q")
            else:
                out.append(char)
        i += 1
    return "".join(out)


def _authenticate_statement_mail(ar_value: str) -> str | None:
    from daemon.app.bankmail import authenticate

    raw = (
        f"Authentication-Results: {ar_value}\r\nFrom: afschriften@bank.example\r\n"
        "To: debiteuren@voorbeeld-bv.nl\r\nSubject: Dagafschrift\r\n\r\nbody\r\n"
    ).encode("utf-8", "surrogateescape")
    method, why = authenticate(raw, "bank.example", AUTHSERV, None)
    assert method or why  # a refusal always says why
    return method


@st.composite
def ar_mutation(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(AR_SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "swap"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(_STRUCTURE)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "duplicate":
            end = draw(st.integers(at, min(len(text), at + 30)))
            text = text[:end] + text[at:end] + text[end:]
        elif at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text


@FUZZ
@given(ar_mutation())
def test_mutated_authentication_results_never_pass_for_the_wrong_domain(value: str) -> None:
    """A mutation may genuinely create a pass for bank.example (delete the quote that hid
    it); then the simple structural reading must see it too. Anything else is a forgery."""
    genuine = f"{AUTHSERV}; dkim=pass header.d=bank.example"  # the oracle sees a real pass
    assert _authenticate_statement_mail(genuine)
    assert _PASS_FOR_BANK.search(_outside_quotes_and_comments(genuine))
    method = _authenticate_statement_mail(value)
    if method is not None:
        assert _PASS_FOR_BANK.search(_outside_quotes_and_comments(value)), (value, method)


_WORDS = ("dkim", "spf", "dmarc", "pass", "header.d", "smtp.mailfrom", "header.from")
_PHRASES = ("; dkim=pass header.d=bank.example ", "; spf=pass smtp.mailfrom=bank.example ")
_ATTACKER_TEXT = st.lists(
    st.sampled_from([*_STRUCTURE, *_WORDS, *_PHRASES, "bank.example", "x", "\t"]),
    max_size=20,
).map("".join)


@FUZZ
@given(_ATTACKER_TEXT, st.sampled_from(["local-part", "comment", "reason", "header.i"]))
def test_attacker_text_our_server_quotes_never_passes(text: str, where: str) -> None:
    """Whatever the sender writes (his MAIL FROM local-part, a comment, a reason), once our
    server quotes it as RFC 8601 says, it is never read as a result."""
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    comment = "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    value = {
        "local-part": f"{AUTHSERV}; spf=pass smtp.mailfrom={quoted}@evil.example",
        "comment": f"{AUTHSERV}; spf=fail {comment} smtp.mailfrom=evil.example",
        "reason": f"{AUTHSERV}; dkim=fail reason={quoted} header.d=evil.example",
        "header.i": f"{AUTHSERV}; dkim=pass header.d=evil.example header.i={quoted}@evil.example",
    }[where]
    assert _authenticate_statement_mail(value) is None
