"""Bounces: RFC 3464 DSNs and free-form notices; delays are not permanent."""

from __future__ import annotations

import pytest

from parsers.bounces import detect_bounce, parse_dsn
from parsers.mail import parse

DSN = (
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: d@v.nl\n"
    "Subject: {subject}\nAuto-Submitted: auto-replied\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
    "--r\nContent-Type: text/plain\n\nSee the report.\n"
    "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; {final}\n{original}Action: {action}\nStatus: {status}\n"
    "--r\nContent-Type: text/rfc822-headers\n\nMessage-ID: <reminder.F2026-0412.1@v.nl>\n"
    "Subject: Herinnering: factuur F2026-0412\n--r--\n"
)


def _dsn(action: str, status: str, final: str = "Jan@Example.com", original: str = "") -> bytes:
    orig = f"Original-Recipient: rfc822; {original}\n" if original else ""
    return DSN.format(
        subject="Undelivered Mail Returned to Sender",
        final=final,
        original=orig,
        action=action,
        status=status,
    ).encode()


@pytest.mark.parametrize(
    ("raw", "recipients", "permanent"),
    [
        pytest.param(_dsn("failed", "5.1.1"), ("jan@example.com",), True, id="dsn-hard"),
        pytest.param(_dsn("failed", "4.2.2"), ("jan@example.com",), False, id="dsn-soft-4xx"),
        pytest.param(_dsn("delayed", "4.4.7"), ("jan@example.com",), False, id="dsn-delayed"),
        pytest.param(
            _dsn("failed", "5.1.1", final="alias@mx.example.com", original="jan@example.com"),
            ("jan@example.com", "alias@mx.example.com"),
            True,
            id="dsn-original-and-final-recipient",
        ),
        pytest.param(
            b"From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: d@v.nl\n"
            b"Subject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: Piet@Example.org\n\n"
            b"This message was created automatically by mail delivery software.\n\n"
            b"A message that you sent could not be delivered to one or more of its recipients.\n"
            b"  piet@example.org\n    SMTP error from remote mail server after RCPT TO: 550 5.1.1 unknown user\n",
            ("piet@example.org",),
            True,
            id="exim-x-failed-recipients",
        ),
        pytest.param(
            "From: postmaster@mail.example.fr\nTo: d@v.nl\nSubject: Échec de distribution : Rappel\n"
            "Return-Path: <>\nContent-Type: text/plain; charset=utf-8\n\n"
            "Votre message n'a pas pu être distribué au(x) destinataire(s) suivant(s) :\n\n"
            "    compta@client.example\n\nRaison : utilisateur inconnu (550 5.1.1).\n".encode(),
            ("compta@client.example",),
            True,
            id="french-free-form",
        ),
        pytest.param(
            b"From: MAILER-DAEMON@mx.example.com\nTo: d@v.nl\nSubject: Delayed Mail (still being retried)\n\n"
            b"This is the mail system.\n\n####### THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #######\n\n"
            b"Your message could not be delivered for 4 hours. It will be retried until it is 5 days old.\n\n"
            b"<slow@example.com>: connect to mx.example.com: Connection timed out\n",
            ("slow@example.com",),
            False,
            id="free-form-delay",
        ),
    ],
)
def test_bounce(raw: bytes, recipients: tuple[str, ...], permanent: bool) -> None:
    report = detect_bounce(parse(raw), own_addresses=("d@v.nl",))
    assert report is not None
    assert report.recipients == recipients
    assert report.permanent is permanent


def test_returned_message_id_is_extracted() -> None:
    report = detect_bounce(parse(_dsn("failed", "5.1.1")))
    assert report is not None and report.original_message_id == "<reminder.F2026-0412.1@v.nl>"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            b"From: jan@example.com\nSubject: Re: Herinnering\n\nIk betaal vrijdag.",
            id="human-reply",
        ),
        pytest.param(
            b"From: jan@example.com\nSubject: Re: x\n\nWe could not find this invoice; was it delivered?",
            id="human-mentions-delivery",
        ),
        pytest.param(
            b'From: noreply@challenge.example\nSubject: Re: Herinnering\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
            b"--r\nContent-Type: text/plain\n\nPlease add yourself to my Guest List.\n--r\nContent-Type: message/delivery-status\n\n"
            b"Final-Recipient: rfc822; jan@example.com\nAction: failed\nStatus: 4.7.0\nDiagnostic-Code: X-Notice; Sender not pre-approved\n--r--\n",
            id="challenge-disguised-as-dsn",
        ),
    ],
)
def test_not_a_bounce(raw: bytes) -> None:
    assert detect_bounce(parse(raw)) is None


def test_dsn_fields_pasted_in_text() -> None:
    blocks = parse_dsn(("Final-Recipient: rfc822; a@b.example\nAction: delayed\nStatus: 4.0.0",))
    assert [(b.final, b.action, b.status) for b in blocks] == [("a@b.example", "delayed", "4.0.0")]
