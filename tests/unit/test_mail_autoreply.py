"""Auto-reply versus machine mail versus a person: headers, subjects, body cues."""

from __future__ import annotations

from datetime import date

import pytest

from parsers.autoreply import MachineKind, detect_auto_reply
from parsers.mail import parse


def _mail(headers: str, body: str = "Hello") -> bytes:
    return (
        "From: Jan <jan@example.com>\nTo: d@v.nl\nDate: Wed, 18 Nov 2026 09:00:00 +0100\n"
        + headers
        + "Content-Type: text/plain; charset=utf-8\n\n"
        + body
    ).encode()


CASES = [
    (
        "Subject: Re: x\nAuto-Submitted: auto-replied\n",
        "Hello",
        MachineKind.AUTO_REPLY,
        "rfc3834-auto-replied",
    ),
    (
        "Subject: Re: x\nAuto-Submitted: no\n",
        "I am out of the office",
        MachineKind.HUMAN,
        "auto-submitted-no-is-a-person",
    ),
    ("Subject: Re: x\nX-Autoreply: yes\n", "Hello", MachineKind.AUTO_REPLY, "x-autoreply"),
    ("Subject: Re: x\nX-Autorespond: yes\n", "Hello", MachineKind.AUTO_REPLY, "x-autorespond"),
    (
        "Subject: Automatic reply: x\nX-MS-Exchange-Inbox-Rules-Loop: jan@example.com\n",
        "Away",
        MachineKind.AUTO_REPLY,
        "exchange-oof",
    ),
    (
        "Subject: Automatisch antwoord: Herinnering\n",
        "Afwezig",
        MachineKind.AUTO_REPLY,
        "subject-nl",
    ),
    ("Subject: Automatische Antwort: Erinnerung\n", "x", MachineKind.AUTO_REPLY, "subject-de"),
    ("Subject: Réponse automatique : Rappel\n", "x", MachineKind.AUTO_REPLY, "subject-fr"),
    (
        "Subject: x\nX-Apple-Action: VACATION\n",
        "sleeping",
        MachineKind.AUTO_REPLY,
        "apple-vacation",
    ),
    (
        "Subject: Newsletter\nPrecedence: bulk\nList-Id: <news.example.com>\n",
        "News",
        MachineKind.AUTO_GENERATED,
        "bulk-list",
    ),
    (
        "Subject: Digest\nAuto-Submitted: auto-generated\n",
        "Digest",
        MachineKind.AUTO_GENERATED,
        "auto-generated-not-a-reply",
    ),
    (
        "Subject: Re: Herinnering\nPrecedence: bulk\nReturn-Path: <>\n",
        "Wij hebben uw e-mail ontvangen.",
        MachineKind.AUTO_REPLY,
        "bulk-acknowledgement",
    ),
    (
        "Subject: Re: x\nX-Auto-Response-Suppress: All\n",
        "I will pay on Friday.",
        MachineKind.HUMAN,
        "xars-proves-nothing",
    ),
    (
        "Subject: Re: x\n",
        "Ik ben momenteel niet op kantoor.",
        MachineKind.AUTO_REPLY,
        "ooo-without-headers",
    ),
    (
        "Subject: Re: x\n",
        "This mailbox is no longer monitored.",
        MachineKind.AUTO_REPLY,
        "mailbox-not-monitored",
    ),
    (
        "Subject: RE: x\n",
        "Please click the link to have your address added to the recipient's allowed list.",
        MachineKind.AUTO_REPLY,
        "challenge-response",
    ),
    ("Subject: Re: x\n", "Ik betaal vrijdag.", MachineKind.HUMAN, "plain-human"),
]


@pytest.mark.parametrize(
    ("headers", "body", "kind"), [c[:3] for c in CASES], ids=[c[3] for c in CASES]
)
def test_kind(headers: str, body: str, kind: MachineKind) -> None:
    mail = parse(_mail(headers, body))
    assert detect_auto_reply(mail, mail.text).kind is kind


RETURN_CASES = [
    (
        "Ik ben afwezig tot en met vrijdag 27 november.",
        date(2026, 11, 30),
        "tot-en-met-first-day-back",
    ),
    ("Ik ben afwezig t/m 3 januari.", date(2027, 1, 4), "t-m-over-new-year"),
    ("Niet op kantoor. Maandag ben ik weer aanwezig.", date(2026, 11, 23), "maandag-ben-ik-weer"),
    (
        "I am out of the office until Friday 20 November and back on 23 November.",
        date(2026, 11, 23),
        "back-on-wins",
    ),
    ("Out of office, returning 25/11/2026.", date(2026, 11, 25), "returning"),
    (
        "Ich bin bis einschließlich 20.11.2026 nicht im Büro.",
        date(2026, 11, 23),
        "bis-einschliesslich",
    ),
    (
        "Je suis absente. Je serai de retour le lundi 30 novembre.",
        date(2026, 11, 30),
        "de-retour-le",
    ),
    (
        "Nos bureaux sont fermés jusqu'au 27 novembre. Retour le lundi 30 novembre.",
        date(2026, 11, 30),
        "retour-le",
    ),
    ("Je suis absente, retour mardi. Merci.", date(2026, 11, 24), "retour-mardi"),
    (
        "Je suis en congé du 18 novembre au 2 décembre inclus.",
        date(2026, 12, 3),
        "du-au-inclus",
    ),
    (
        "I'm on holiday up to and including 25 November. I'll reply when I'm back.",
        date(2026, 11, 26),
        "up-to-and-including",
    ),
    (
        "Our office is closed from 18 November to 27 November.",
        date(2026, 11, 30),
        "from-to",
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[:2] for c in RETURN_CASES], ids=[c[2] for c in RETURN_CASES]
)
def test_return_date(body: str, expected: date) -> None:
    mail = parse(_mail("Subject: Out of office\n", body))
    info = detect_auto_reply(mail, mail.text, base=date(2026, 11, 18))
    assert info.return_date == expected


def test_apple_criteria_return_date() -> None:
    mail = parse(
        _mail(
            "Subject: x\nX-Apple-Action: VACATION\nX-Apple-Criteria: {kind=VACATION,"
            "startDate=2026-11-01T15:00:00Z,endDate=2026-11-30T14:59:59Z}\n"
        )
    )
    assert detect_auto_reply(mail, mail.text, base=date(2026, 11, 18)).return_date == date(
        2026, 11, 30
    )


@pytest.mark.parametrize(
    "body",
    [
        "Uw bericht is in goede orde ontvangen. Wij streven ernaar binnen twee werkdagen te antwoorden.",
        "Your message has been received. We aim to respond within 2 working days.",
        "Ihre Nachricht ist bei uns eingegangen.",
        "Votre demande a bien été reçue.",
    ],
)
def test_an_acknowledgement_in_other_words_is_an_auto_reply(body: str) -> None:
    mail = parse(_mail("Subject: Re: x\n", body))
    info = detect_auto_reply(mail, mail.text)
    assert info.kind is MachineKind.AUTO_REPLY, info.evidence
