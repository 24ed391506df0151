"""Quote, signature and disclaimer stripping in four languages."""

from __future__ import annotations

import pytest

from parsers.replies.quotes import split_reply

REMINDER = "Geachte heer, mevrouw,\nFactuurnummer: F2026-0412\nMet vriendelijke groet,\nDebiteuren"

CASES = [
    (
        "Ik betaal vrijdag.\n\nVan: Debiteuren <d@v.nl>\nVerzonden: maandag 2 november 2026 08:00\nAan: Jan\nOnderwerp: Herinnering\n\n"
        + REMINDER,
        "Ik betaal vrijdag.",
        "outlook-nl-van-verzonden",
    ),
    (
        "Paid.\n\nFrom: Debiteuren <d@v.nl>\nSent: Monday, November 2, 2026 8:00 AM\nTo: Jan\nSubject: Reminder\n\n"
        + REMINDER,
        "Paid.",
        "outlook-en-from-sent",
    ),
    (
        "Bezahlt.\n\n-----Ursprüngliche Nachricht-----\nVon: D <d@v.nl>\nGesendet: Montag\n\n"
        + REMINDER,
        "Bezahlt.",
        "original-message-de",
    ),
    (
        "Réglé.\n\n-----Message d'origine-----\nDe : D <d@v.nl>\nEnvoyé : lundi\n\n" + REMINDER,
        "Réglé.",
        "original-message-fr",
    ),
    (
        "Betaald.\n\n-----Oorspronkelijk bericht-----\n" + REMINDER,
        "Betaald.",
        "original-message-nl",
    ),
    (
        "Done.\n\nOn Mon, 2 Nov 2026 at 08:41, Debiteuren <d@v.nl> wrote:\n> " + REMINDER,
        "Done.",
        "gmail-on-wrote",
    ),
    (
        "Klaar.\n\nOp ma 2 nov 2026 om 08:41 schreef Debiteuren <d@v.nl>:\n\n> x",
        "Klaar.",
        "gmail-op-schreef",
    ),
    (
        "Erledigt.\n\nAm Di., 27. Okt. 2026 um 08:17 Uhr schrieb Debiteuren <\nd@v.nl>:\n> x",
        "Erledigt.",
        "gmail-am-schrieb-wrapped",
    ),
    (
        "C'est fait.\n\nLe ven. 6 nov. 2026 à 08:05,\nDebiteurenadministratie <d@v.nl>\na écrit :\n> x",
        "C'est fait.",
        "le-a-ecrit-over-three-lines",
    ),
    (
        "Ok.\n\nOp 24 nov 2026 om 08:12 heeft Debiteuren <d@v.nl> het volgende geschreven:\n> x",
        "Ok.",
        "ios-nl-het-volgende-geschreven",
    ),
    (
        "On 2 Nov 2026, Debiteuren <d@v.nl> wrote:\n> the reminder\n\nMy answer below.",
        "My answer below.",
        "bottom-posted",
    ),
    (
        "Ik betaal morgen.\n\nMet vriendelijke groet,\nJan\nBedrijf BV",
        "Ik betaal morgen.",
        "sign-off-nl",
    ),
    (
        "I will pay.\n\nKind regards / Met vriendelijke groet,\nJan",
        "I will pay.",
        "sign-off-bilingual",
    ),
    ("Ich zahle.\n\nMit freundlichen Grüßen\nJan", "Ich zahle.", "sign-off-de"),
    ("Je paie.\n\nCordialement,\nJean", "Je paie.", "sign-off-fr"),
    ("Betaald\n\nVerzonden vanaf mijn iPhone", "Betaald", "mobile-footer-nl"),
    ("Paid\n-- \nJan\nwww.example.com", "Paid", "dash-dash-signature"),
    (
        "Paid today.\nThis e-mail and any attachments are confidential and intended solely for the addressee.",
        "Paid today.",
        "disclaimer-en",
    ),
    (
        "Deze e-mail is niet voor mij bedoeld.",
        "Deze e-mail is niet voor mij bedoeld.",
        "not-a-disclaimer",
    ),
    (
        "Thanks, noted. I will look into it.",
        "Thanks, noted. I will look into it.",
        "thanks-inside-a-sentence",
    ),
]


@pytest.mark.parametrize(("text", "new"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_own_text(text: str, new: str) -> None:
    assert split_reply(text).new == new


def test_quote_is_kept_separately() -> None:
    split = split_reply("Ok.\n\nFrom: D <d@v.nl>\nSent: today\nTo: x\nSubject: F2026-0412\n\nold")
    assert "F2026-0412" in split.quoted and "F2026-0412" not in split.new
