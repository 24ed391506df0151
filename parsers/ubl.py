"""UBL 2.1 Invoice and CreditNote (Peppol BIS Billing 3.0) → InvoiceRecord.

Hardened XML: no DTD, no entity expansion, no network; a DOCTYPE is refused outright.
A Peppol document wrapped in a StandardBusinessDocument envelope is unwrapped. Problems
name the element (``cbc:DueDate``) and its line in the file.

Attached or linked documents (``cac:AdditionalDocumentReference``: an embedded PDF or an
external URI) are not read: a UBL file never names a file on this machine, so its invoices
have no ``pdf``.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.identifiers import check_number
from parsers.invoices import (
    COUNTRIES,
    InvoiceFormatError,
    InvoiceRecord,
    RowError,
    check_amount,
    check_date,
    check_emails,
    check_ibans,
    check_postal,
    check_reference,
    slug,
)

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "credit_note",
}
_PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def _load(data: bytes) -> etree._Element:
    if re.search(rb"<!DOCTYPE", data[:4096], re.IGNORECASE):
        raise InvoiceFormatError("XML with a DOCTYPE is refused (possible entity attack)")
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError) as exc:
        raise InvoiceFormatError(f"malformed XML: {exc}") from exc
    if root is None:
        raise InvoiceFormatError("empty XML document")
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise InvoiceFormatError("XML with a DOCTYPE is refused (possible entity attack)")
    if etree.QName(root).localname == "StandardBusinessDocument":
        inner = next((el for el in root if isinstance(el.tag, str) and el.tag in _ROOTS), None)
        if inner is None:
            raise InvoiceFormatError("StandardBusinessDocument holds no UBL Invoice or CreditNote")
        root = inner
    if root.tag not in _ROOTS:
        raise InvoiceFormatError(
            f"XML root {etree.QName(root).localname!r} is not a UBL Invoice or CreditNote"
        )
    return root


class _Doc:
    def __init__(self, root: etree._Element) -> None:
        self.root, self.errors = root, list[RowError]()

    def fail(self, at: etree._Element, element: str, message: str) -> None:
        line = at.sourceline
        self.errors.append(RowError(line if isinstance(line, int) else 0, element, message))

    def text(self, path: str, at: etree._Element | None = None) -> str:
        el = (self.root if at is None else at).find(path, NS)
        return (el.text or "").strip() if el is not None else ""

    def required(self, path: str, at: etree._Element | None = None) -> tuple[str, etree._Element]:
        """The text of ``path``; a missing or empty element is reported at its parent."""
        parent = self.root if at is None else at
        el = parent.find(path, NS)
        value = (el.text or "").strip() if el is not None else ""
        if not value:
            self.fail(
                parent if el is None else el, path.split("/")[-1], f"{path} is missing or empty"
            )
        return value, (parent if el is None else el)


def _customer(doc: _Doc) -> tuple[str, str, tuple[str, ...], str | None]:
    party = doc.root.find("cac:AccountingCustomerParty/cac:Party", NS)
    if party is None:
        doc.fail(
            doc.root,
            "cac:AccountingCustomerParty",
            "buyer (cac:AccountingCustomerParty/cac:Party) is missing",
        )
        return "", "", (), None
    name = doc.text("cac:PartyName/cbc:Name", party) or doc.text(
        "cac:PartyLegalEntity/cbc:RegistrationName", party
    )
    if not name:
        doc.fail(
            party, "cac:PartyName", "buyer has no cac:PartyName/cbc:Name or cbc:RegistrationName"
        )
    holders = [
        el
        for el in (
            party.find("cbc:EndpointID", NS),
            party.find("cac:Contact/cbc:ElectronicMail", NS),
        )
        if el is not None
        and (el.text or "").strip()
        and (
            etree.QName(el).localname == "ElectronicMail" or el.get("schemeID", "").upper() == "EM"
        )
    ]
    emails: list[str] = []
    if not holders:
        doc.fail(
            party,
            "cbc:ElectronicMail",
            "buyer has no e-mail (cbc:EndpointID schemeID=EM or cac:Contact/cbc:ElectronicMail)",
        )
    for el in holders:
        found, problems = check_emails(el.text or "")
        emails += [e for e in found if e not in emails]
        for p in problems:
            doc.fail(el, f"cbc:{etree.QName(el).localname}", p)
    debtor_id = (
        doc.text("cac:PartyIdentification/cbc:ID", party)
        or doc.text("cac:PartyLegalEntity/cbc:CompanyID", party)
        or doc.text("cac:PartyTaxScheme/cbc:CompanyID", party)
        or slug(name)
    )
    country = doc.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", party).upper()
    return debtor_id, name, tuple(emails), country if country in COUNTRIES else None


def _postal(doc: _Doc) -> tuple[str, str, str, str]:
    """(street, postcode, city, country) of the buyer's cac:PostalAddress; all "" when the
    file gives no complete address (a letter step then asks a person for it)."""
    at = doc.root.find("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", NS)
    if at is None:
        return "", "", "", ""
    street = " ".join(
        part
        for part in (doc.text("cbc:StreetName", at), doc.text("cbc:BuildingNumber", at))
        if part
    )
    extra = doc.text("cbc:AdditionalStreetName", at)
    if extra:
        street = f"{street}\n{extra}" if street else extra
    country = doc.text("cac:Country/cbc:IdentificationCode", at).upper()
    postal, problems = check_postal(
        street.split("\n")[0],
        doc.text("cbc:PostalZone", at),
        doc.text("cbc:CityName", at),
        country if country in COUNTRIES else None,
    )
    # Lenient, unlike the CSV: a partial or odd address in an e-invoice never refuses the
    # invoice; without a usable address a letter step asks a person for one.
    if problems or not all(postal):
        return "", "", "", ""
    lines = (postal[0], *street.split("\n")[1:2])
    return (
        "\n".join(lines),
        postal[1],
        postal[2],
        country if re.fullmatch(r"[A-Z]{2}", country) else "",
    )


def _record(doc: _Doc, kind: str) -> InvoiceRecord | None:
    number, number_el = doc.required("cbc:ID")
    if number and (problem := check_number(number)):
        doc.fail(number_el, "cbc:ID", problem)
        number = ""
    issue_text, issue_el = doc.required("cbc:IssueDate")
    issue, problem = check_date(issue_text) if issue_text else (None, None)
    if problem:
        doc.fail(issue_el, "cbc:IssueDate", problem)
    due_path = (
        "cbc:DueDate"
        if doc.root.find("cbc:DueDate", NS) is not None
        else "cac:PaymentMeans/cbc:PaymentDueDate"
    )
    due_el = doc.root.find(due_path, NS)
    due = issue if kind == "credit_note" and due_el is None else None
    if due_el is None and kind == "invoice":
        doc.fail(doc.root, "cbc:DueDate", "no cbc:DueDate or cac:PaymentMeans/cbc:PaymentDueDate")
    elif due_el is not None:
        due, problem = check_date(due_el.text or "")
        if problem:
            doc.fail(due_el, due_path.split("/")[-1], problem)
    if issue and due and due < issue:
        doc.fail(
            due_el if due_el is not None else doc.root,
            "cbc:DueDate",
            f"due date {due} is before issue date {issue}",
        )
    amount_text, amount_el = doc.required("cac:LegalMonetaryTotal/cbc:PayableAmount")
    amount, problem = check_amount(amount_text) if amount_text else (None, None)
    if problem:
        doc.fail(amount_el, "cbc:PayableAmount", problem)
    currency = (amount_el.get("currencyID") or doc.text("cbc:DocumentCurrencyCode")).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        doc.fail(amount_el, "cbc:PayableAmount", f"currencyID {currency!r} is not an ISO 4217 code")
    debtor_id, name, emails, country = _customer(doc)
    street, postcode, city, postal_country = _postal(doc)
    ref = _reference(doc, number)
    mandate_iban = doc.text("cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID")
    ibans, problems = check_ibans(mandate_iban)
    for p in problems:
        doc.fail(doc.root, "cac:PayerFinancialAccount", p)
    credited = None
    if kind == "credit_note":
        credited = doc.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") or None
        if credited is not None and (problem := check_number(credited)):
            doc.fail(doc.root, "cac:BillingReference", f"credited {problem}")
        elif credited is None:
            doc.fail(
                doc.root,
                "cac:BillingReference",
                "credit note does not name the invoice it credits (cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID)",
            )
    if doc.errors or not (number and issue and due and amount and ref and name and emails):
        return None
    return InvoiceRecord(
        number=number, debtor_id=debtor_id, debtor_name=name, debtor_emails=emails,
        issue_date=issue, due_date=due, amount=amount, currency=currency,
        reference=ref[0], reference_kind=ref[1], language=None, debtor_type="b2b",
        debtor_ibans=ibans, pdf=None, tags=(), country=country, kind=kind, credited_invoice=credited,
        street=street, postcode=postcode, city=city, postal_country=postal_country,
        line=number_el.sourceline if isinstance(number_el.sourceline, int) else 0,
    )  # fmt: skip


def _reference(doc: _Doc, number: str) -> tuple[str, str] | None:
    """PaymentID when it looks like RF/kenmerk/OGM (then it must validate); otherwise free
    text, and an RF reference is derived from the invoice number."""
    el = doc.root.find("cac:PaymentMeans/cbc:PaymentID", NS)
    text = (el.text or "").strip() if el is not None else ""
    looks_structured = re.fullmatch(r"(?i)RF[0-9]{2}.*|[+*]{3}.*|[0-9 /]{7,}", text) is not None
    if not number:
        return None
    ref, problem = check_reference(text if looks_structured else "", number)
    if problem:
        doc.fail(el if el is not None and looks_structured else doc.root, "cbc:PaymentID", problem)
    return ref


def parse_ubl(data: bytes) -> tuple[list[InvoiceRecord], list[RowError]]:
    """One UBL document gives one record, or errors naming elements and lines."""
    root = _load(data)
    doc = _Doc(root)
    record = _record(doc, _ROOTS[root.tag])
    return ([record] if record else []), doc.errors
