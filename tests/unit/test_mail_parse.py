"""parsers.mail: every kind of MIME becomes a ParsedMail; nothing raises but the size limit."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from parsers.mail import MailFormatError, html_to_text, parse, parse_body_text

HEAD = (
    b"From: =?utf-8?B?QWhtZXQgWcSxbG1heg==?= <A.Yilmaz@Example.com>\n"
    b"To: Debiteuren <debiteuren@voorbeeld-bv.nl>\n"
    b"Subject: =?iso-8859-1?Q?R=E9f_:_Rappel_:_facture?=\n"
    b"Date: Mon, 2 Nov 2026 13:25:51 +0100\n"
    b"Message-ID: <abc@example.com>\n"
    b"In-Reply-To: <reminder.F2026-0412.1@voorbeeld-bv.nl>\n"
    b"References: <a@x> <reminder.F2026-0412.1@voorbeeld-bv.nl>\n"
    b"MIME-Version: 1.0\n"
)


def _msg(content_type: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return HEAD + extra + b"Content-Type: " + content_type + b"\n" + body


CASES = [
    pytest.param(
        _msg(
            b"text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
            b"\nBedankt, ik betaal vrijdag =E2=82=AC 10,00 =\nvoor F2026-0412.\n",
        ),
        "Bedankt, ik betaal vrijdag € 10,00 voor F2026-0412.",
        id="quoted-printable-utf8-soft-break",
    ),
    pytest.param(
        _msg(
            b"text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
            b"\n" + base64.encodebytes("Überwiesen am 05.10.2026".encode()),
        ),
        "Überwiesen am 05.10.2026",
        id="base64-utf8",
    ),
    pytest.param(
        _msg(
            b"text/plain; charset=windows-1252\nContent-Transfer-Encoding: 8bit\n",
            b"\nPay\x80 \x93quoted\x94\n",
        ),
        "Pay€ “quoted”",
        id="windows-1252-8bit",
    ),
    pytest.param(
        _msg(
            b"text/plain; charset=x-unknown-charset\nContent-Transfer-Encoding: 8bit\n",
            b"\nR\xe9gl\xe9 hier\n",
        ),
        "Réglé hier",
        id="unknown-charset-falls-back-to-cp1252",
    ),
    pytest.param(
        _msg(
            b"text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
            b"\nbroken \xff\xfe utf-8 \xe9t\xe9\n",
        ),
        "broken ÿþ utf-8 été",
        id="declared-utf8-but-latin1-bytes",
    ),
    pytest.param(
        _msg(
            b'multipart/alternative; boundary="b"\n',
            b"\n--b\nContent-Type: text/plain; charset=utf-8\n\nplain wins\n--b\nContent-Type: text/html\n\n<p>html loses</p>\n--b--\n",
        ),
        "plain wins",
        id="multipart-alternative-prefers-plain",
    ),
    pytest.param(
        _msg(
            b"text/html; charset=utf-8\n",
            b"\n<html><head><style>p{color:red}</style><script>x()</script></head><body><p>Line one<br>Line two</p><div>Block</div><table><tr><td>F2026-0510</td><td>28/09/2026</td></tr></table></body></html>\n",
        ),
        "Line one\nLine two\n\nBlock\n\nF2026-0510\t28/09/2026",
        id="html-only-outlook",
    ),
    pytest.param(
        _msg(
            b'multipart/alternative; boundary="nope"\n', b"\nNo parts at all, boundary missing.\n"
        ),
        "No parts at all, boundary missing.",
        id="multipart-without-boundary",
    ),
    pytest.param(
        _msg(
            b"text/plain; charset=utf-8; format=flowed\n",
            b"\nThis is a long line that \nwas flowed.\n> quoted \nnot joined\n",
        ),
        "This is a long line that was flowed.\n> quoted \nnot joined",
        id="format-flowed-no-join-across-quote-depth",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_best_text_body(raw: bytes, expected: str) -> None:
    assert parse(raw).text.strip() == expected


def test_headers_are_decoded() -> None:
    mail = parse(_msg(b"text/plain", b"\nhi\n"))
    assert mail.from_addr == "a.yilmaz@example.com"
    assert mail.from_name == "Ahmet Yılmaz"
    assert mail.subject == "Réf : Rappel : facture"
    assert mail.date is not None and mail.date.utcoffset() == timedelta(hours=1)
    assert mail.message_id == "<abc@example.com>"
    assert mail.in_reply_to == "<reminder.F2026-0412.1@voorbeeld-bv.nl>"
    assert mail.references == ("<a@x>", "<reminder.F2026-0412.1@voorbeeld-bv.nl>")
    assert mail.header("MESSAGE-ID") == "<abc@example.com>"


def test_attachments_and_size_limit() -> None:
    pdf = base64.encodebytes(b"%PDF-1.4" + b"x" * 100)
    raw = _msg(
        b'multipart/mixed; boundary="m"\n',
        b"\n--m\nContent-Type: text/plain\n\nSee attachment\n--m\nContent-Type: application/pdf\n"
        b'Content-Disposition: attachment; filename="bewijs.pdf"\nContent-Transfer-Encoding: base64\n\n'
        + pdf
        + b'--m\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename="big.jpg"\n\n'
        + b"y" * 500
        + b"\n--m--\n",
    )
    mail = parse(raw, max_attachment_bytes=200)
    assert [(a.filename, a.content_type, a.size) for a in mail.attachments] == [
        ("bewijs.pdf", "application/pdf", 108)
    ]
    assert mail.attachments[0].data.startswith(b"%PDF")
    assert [(s.filename, s.reason) for s in mail.skipped_attachments] == [
        ("big.jpg", "larger than 200 bytes")
    ]


def test_message_over_limit_is_refused() -> None:
    with pytest.raises(MailFormatError, match="exceeds the limit"):
        parse(b"x" * 101, max_message_bytes=100)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\xff\xfe garbage without headers", id="binary-garbage"),
        pytest.param(
            b"Date: not a date\nFrom: <<<\nSubject: =?bogus?Q?x?=\n\nbody", id="bad-headers"
        ),
        pytest.param(
            b'Content-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Transfer-Encoding: base64\n\n!!!notbase64\n',
            id="bad-base64",
        ),
    ],
)
def test_malformed_input_never_raises(raw: bytes) -> None:
    mail = parse(raw)
    assert isinstance(mail.defects, tuple)


def test_bad_date_is_a_defect() -> None:
    mail = parse(b"Date: not a date\n\nbody")
    assert mail.date is None
    assert any("Date" in d for d in mail.defects)


def test_delivery_status_and_embedded_message_are_exposed() -> None:
    raw = (
        b"From: MAILER-DAEMON@x.example\nSubject: Undelivered\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
        b"--r\nContent-Type: text/plain\n\nnotice\n"
        b"--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
        b"Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n"
        b"--r\nContent-Type: message/rfc822\n\nMessage-ID: <reminder.F2026-0001.1@v.nl>\nSubject: Herinnering\n\nbody\n--r--\n"
    )
    mail = parse(raw)
    assert mail.text.strip() == "notice"
    assert "Final-Recipient: rfc822; a@b.example" in mail.delivery_status[0]
    assert "<reminder.F2026-0001.1@v.nl>" in mail.embedded[0]


def test_html_blockquote_becomes_quote_lines() -> None:
    text = html_to_text("<div>Yes</div><blockquote><p>old</p><p>text</p></blockquote>")
    assert "> old" in text and "> text" in text


def test_body_only_fixture() -> None:
    mail = parse_body_text("Hello\r\n> quote\r\n")
    assert mail.body_only and mail.text == "Hello\n> quote\n"
