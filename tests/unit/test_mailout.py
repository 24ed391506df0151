"""daemon.app.mailout.compose: the MIME a mail client and a strict parser both accept."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from daemon.adapters.templates import RenderedMail
from daemon.app.mailout import Attachment, OutgoingMail, compose

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def outgoing(**overrides: object) -> OutgoingMail:
    values: dict[str, object] = {
        "kind": "reminder",
        "message_id": "<reminder.F2026-0412.2@voorbeeld.nl>",
        "from_name": "Bäckerei Müller & Söhne, GmbH",
        "from_address": "debiteuren@voorbeeld.nl",
        "to": ["jan@example.com"],
        "rendered": RenderedMail(
            subject="Herinnering: factuur F2026-0412 — € 1.250,00 openstaand",
            text="Geachte heer Jansen,\n\nOpenstaand: € 1.250,00.\n" + "lang " * 40 + "\n",
            html='<p>Openstaand: <b>€ 1.250,00</b></p><img src="cid:epcqr">\n',
        ),
        "date": datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        "reply_to": "debiteuren+c0ffee@voorbeeld.nl",
        "language": "nl",
        "in_reply_to": "<q1@example.com>",
        "references": tuple(f"<r{i}@example.com>" for i in range(15)),
        "auto_submitted": "auto-replied",
        "inline_png": PNG,
        "attachments": (Attachment("Factuur F2026-0412 Müller.pdf", b"%PDF-1.7\n" * 50),),
        "extra_headers": {"X-Dunmail-Case": "c0ffee"},
    }
    values.update(overrides)
    return OutgoingMail(**values)  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_a_full_mail_round_trips_through_a_strict_parser() -> None:
    raw = compose(outgoing())
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    msg = parsed(raw)
    assert msg["From"].addresses[0].display_name == "Bäckerei Müller & Söhne, GmbH"
    assert msg["From"].addresses[0].addr_spec == "debiteuren@voorbeeld.nl"
    assert str(msg["Subject"]) == "Herinnering: factuur F2026-0412 — € 1.250,00 openstaand"
    assert msg["Message-ID"] == "<reminder.F2026-0412.2@voorbeeld.nl>"
    assert msg["Content-Language"] == "nl"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["References"].split() == [f"<r{i}@example.com>" for i in range(15)]
    assert msg["Date"].datetime == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    parts = list(msg.walk())
    for part in parts:
        assert not part.defects, part.get_content_type()
    text, html, image, pdf = parts[2], parts[4], parts[5], parts[6]
    assert text.get_content().replace("\r\n", "\n").startswith("Geachte heer Jansen,\n\nOpen")
    assert "€ 1.250,00" in html.get_content()
    assert image["Content-ID"] == "<epcqr>" and image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    assert pdf.get_filename() == "Factuur F2026-0412 Müller.pdf"
    assert pdf.get_content() == b"%PDF-1.7\n" * 50
    assert raw.count(b"MIME-Version") == 1


@pytest.mark.parametrize(
    ("html", "png", "files", "types"),
    [
        (None, None, (), ["text/plain"]),
        (
            None,
            None,
            (Attachment("a.pdf", b"x"),),
            ["multipart/mixed", "text/plain", "application/pdf"],
        ),
        ("<p>x</p>", None, (), ["multipart/alternative", "text/plain", "text/html"]),
    ],
)
def test_the_structure_follows_the_parts_present(
    html: str | None, png: bytes | None, files: tuple[Attachment, ...], types: list[str]
) -> None:
    rendered = RenderedMail(subject="Reminder", text="Plain ASCII text.\n", html=html)
    msg = parsed(compose(outgoing(rendered=rendered, inline_png=png, attachments=files)))
    assert [p.get_content_type() for p in msg.walk()] == types
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Plain ASCII text.\n"


def test_hostile_values_cannot_start_a_header() -> None:
    evil = "Evil\r\nBcc: victim@example.org\nX-Injected: 1"
    raw = compose(
        outgoing(
            from_name=evil,
            rendered=RenderedMail(subject=evil, text="t\n", html=None),
            references=(evil,),
            extra_headers={"X-Dunmail-Case": evil},
            attachments=(Attachment(evil + ".pdf", b"x"),),
        )
    )
    msg = parsed(raw)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert "Bcc: victim@example.org" in str(msg["Subject"])  # kept as text, on one line
