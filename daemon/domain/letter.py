"""What goes on a paper letter (a formal reminder, the veertiendagenbrief, a demand). PURE.

The letter says the same as the mail of the same step, in the debtor's language: its prose
comes from the mail template (rendered without the statement and the foot, which the letter
shows as a table, a payment block and a letterhead). This module decides the content and the
dates; ``daemon.adapters.letter_pdf`` only lays it out.

Dates on paper (domain-rules §1.5, art. 3:37 lid 3 BW: a declaration takes effect when it
reaches the addressee). The posting date is the dispatch date of a letter. There is no
statutory presumption of receipt for ordinary post in NL; dunmail presumes receipt on the
``receipt_business_days``-th business day after posting (default 2: PostNL delivers most
letters the next business day, one day of margin). The veertiendagenbrief's 14 days start the
day after that presumed receipt (art. 6:96 lid 6 BW); the stated deadline moves off a weekend
or holiday (Algemene termijnenwet). A letter posted later than the day it was printed for
states a deadline that may be too short: ``mark-posted`` checks that and raises a review item.
A letter its step also mails (``attach_to_mail``) reaches the debtor with that mail first:
the letter and the mail state one deadline, counted from the mail's send day like any mail's
(daemon.domain.ladder_steps), and the formal notice counts as received that day.

On posting, the invoices' formal-notice date (the day from which the statutory term runs,
see daemon.domain.policy) becomes the presumed receipt when that is later than what a mail
of the same step set. For BE consumers (Boek XIX WER, art. XIX.2) the free first reminder's
14 days start on the third business day after a paper reminder is sent: for BE the presumed
receipt is never before the eve of that day, so the "day after" rule lands on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from daemon.domain.workdays import add_business_days, deadline_from

DEFAULT_RECEIPT_BUSINESS_DAYS = 2


@dataclass(frozen=True, slots=True)
class PostalAddress:
    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""  # ISO 3166 alpha-2; "" = the office's own country

    def missing(self) -> tuple[str, ...]:
        """The fields a window envelope cannot do without, when empty."""
        wanted = (("street", self.street), ("postcode", self.postcode), ("city", self.city))
        return tuple(name for name, value in wanted if not value.strip())

    def block(self, sender_country: str) -> tuple[str, ...]:
        """The address block as the post wants it. NL (PostNL): postcode, two spaces, city in
        capitals; BE/DE: postcode, one space, city. Abroad: the country in capitals on the last
        line (UPU convention), in English, which every postal service reads."""
        country = (self.country or sender_country).upper()
        city = self.city.strip()
        postcode = " ".join(self.postcode.upper().split())
        if country == "NL" and len(postcode) == 6 and postcode[:4].isdigit():
            postcode = f"{postcode[:4]} {postcode[4:]}"  # 3511AB → 3511 AB
        town = f"{postcode}  {city.upper()}" if country == "NL" else f"{postcode} {city}"
        lines = [self.name.strip(), *self.street.strip().splitlines(), town.strip()]
        if country != sender_country.upper():
            lines.append(COUNTRY_NAMES.get(country, country))
        return tuple(line for line in lines if line)


COUNTRY_NAMES = {
    "NL": "NETHERLANDS",
    "BE": "BELGIUM",
    "DE": "GERMANY",
    "FR": "FRANCE",
    "LU": "LUXEMBOURG",
    "GB": "UNITED KINGDOM",
    "AT": "AUSTRIA",
}


def presumed_receipt(posted: date, business_days: int, country: str) -> date:
    """The day a posted letter is presumed to reach the debtor (see the module docstring).

    BE: never before the eve of the third business day after posting, so that a term
    counted from the next day starts no earlier than Boek XIX's third business day after
    a paper reminder is sent (posted on a Wednesday: Monday, not Saturday)."""
    receipt = add_business_days(posted, business_days, country)
    if country == "BE":
        receipt = max(receipt, add_business_days(posted, 3, "BE") - timedelta(days=1))
    return receipt


def letter_deadline(posted: date, days: int, receipt_business_days: int, *countries: str) -> date:
    """The last day to pay for a term of ``days`` stated in a letter posted on ``posted``:
    counted from the day after the presumed receipt (the veertiendagenbrief's rule, applied to
    every letter so the debtor never gets less than the mail would give)."""
    receipt = presumed_receipt(posted, receipt_business_days, countries[0])
    return deadline_from(receipt, days, *countries)


@dataclass(frozen=True, slots=True)
class LetterRow:
    number: str
    issue_date: date
    due_date: date
    open: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Letter:
    language: str
    letterhead: tuple[str, ...]  # office name first, then address and contact lines
    return_line: str  # the small sender line above the address (visible in the window)
    address: tuple[str, ...]
    place: str
    letter_date: date
    subject: str
    references: tuple[tuple[str, str], ...]  # (label, value): our reference, customer no.
    paragraphs: tuple[str, ...]
    rows: tuple[LetterRow, ...] = ()
    amount_due: Decimal = Decimal("0.00")
    costs: Decimal = Decimal("0.00")
    cost_lines: tuple[str, ...] = ()
    interest: Decimal = Decimal("0.00")
    interest_lines: tuple[str, ...] = ()
    currency: str = "EUR"
    deadline: date | None = None
    iban: str = ""
    bic: str = ""
    payee: str = ""
    payment_reference: str = ""
    qr_payload: str | None = None
    closing: str = ""
    signature_name: str = ""
    foot: tuple[str, ...] = ()  # registration and VAT lines
    enclosures: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.amount_due + self.costs + self.interest


def paragraphs_of(text: str) -> tuple[str, ...]:
    """The mail text as paragraphs: blank lines separate them, single line breaks inside a
    paragraph are kept (an indented working line stays its own line)."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return tuple(blocks)


def split_closing(paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """(body, closing formula): the mail's last paragraph is its greeting ("Met vriendelijke
    groet,", "Mit freundlichen Grüßen"), which the letter prints above the signature, after
    the amounts. A greeting is one short line; anything longer stays in the body."""
    if paragraphs and "\n" not in paragraphs[-1] and len(paragraphs[-1]) <= 60:
        return paragraphs[:-1], paragraphs[-1]
    return paragraphs, ""


# Labels printed by the letter itself (the prose comes from the mail templates).
LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "our_reference": "Ons kenmerk",
        "customer": "Uw klantnummer",
        "date": "Datum",
        "subject": "Betreft",
        "invoice": "Factuur",
        "issue_date": "Factuurdatum",
        "due_date": "Vervaldatum",
        "open": "Openstaand",
        "amount_due": "Openstaand bedrag",
        "costs": "Incassokosten",
        "interest": "Rente",
        "total": "Totaal te betalen",
        "deadline": "Uiterlijk te betalen op",
        "payment": "Betaalgegevens",
        "payee": "Ten name van",
        "reference": "Betalingskenmerk",
        "amount": "Bedrag",
        "qr": "Scan de QR-code met uw bank-app om direct te betalen.",
        "page": "Pagina",
        "enclosure": "Bijlage",
        "terms": "Algemene voorwaarden",
        "invoice_copy": "Kopie factuur",
    },
    "en": {
        "our_reference": "Our reference",
        "customer": "Your customer number",
        "date": "Date",
        "subject": "Subject",
        "invoice": "Invoice",
        "issue_date": "Invoice date",
        "due_date": "Due date",
        "open": "Outstanding",
        "amount_due": "Amount outstanding",
        "costs": "Collection costs",
        "interest": "Interest",
        "total": "Total to pay",
        "deadline": "To be paid by",
        "payment": "Payment details",
        "payee": "Payee",
        "reference": "Payment reference",
        "amount": "Amount",
        "qr": "Scan the QR code with your banking app to pay at once.",
        "page": "Page",
        "enclosure": "Enclosure",
        "terms": "General terms and conditions",
        "invoice_copy": "Copy of invoice",
    },
    "de": {
        "our_reference": "Unser Zeichen",
        "customer": "Ihre Kundennummer",
        "date": "Datum",
        "subject": "Betreff",
        "invoice": "Rechnung",
        "issue_date": "Rechnungsdatum",
        "due_date": "Fällig am",
        "open": "Offen",
        "amount_due": "Offener Betrag",
        "costs": "Inkassokosten",
        "interest": "Zinsen",
        "total": "Zu zahlender Gesamtbetrag",
        "deadline": "Zu zahlen bis",
        "payment": "Zahlungsangaben",
        "payee": "Empfänger",
        "reference": "Verwendungszweck",
        "amount": "Betrag",
        "qr": "Scannen Sie den QR-Code mit Ihrer Banking-App, um sofort zu bezahlen.",
        "page": "Seite",
        "enclosure": "Anlage",
        "terms": "Allgemeine Geschäftsbedingungen",
        "invoice_copy": "Rechnungskopie",
    },
    "fr": {
        "our_reference": "Notre référence",
        "customer": "Votre numéro de client",
        "date": "Date",
        "subject": "Objet",
        "invoice": "Facture",
        "issue_date": "Date de facture",
        "due_date": "Échéance",
        "open": "Solde dû",
        "amount_due": "Montant dû",
        "costs": "Frais de recouvrement",
        "interest": "Intérêts",
        "total": "Total à payer",
        "deadline": "À payer au plus tard le",
        "payment": "Coordonnées de paiement",
        "payee": "Bénéficiaire",
        "reference": "Communication",
        "amount": "Montant",
        "qr": "Scannez le code QR avec votre application bancaire pour payer immédiatement.",
        "page": "Page",
        "enclosure": "Annexe",
        "terms": "Conditions générales",
        "invoice_copy": "Copie de la facture",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])
