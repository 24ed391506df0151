import time
from datetime import date
from decimal import Decimal

import pytest

from parsers.invoices import (
    InvoiceFormatError,
    InvoiceRecord,
    RowError,
    detect_invoice_format,
    parse_invoice_file,
)

HEADER = "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount"
FULL_HEADER = HEADER + ",currency,reference,language,debtor_type,debtor_iban,pdf,tags,country"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode("utf-8")


def parse(*lines: str, bom: bool = False):
    return parse_invoice_file(csv_bytes(*lines, bom=bom), source="test.csv")


def test_minimal_csv_row_derives_rf_reference() -> None:
    result = parse(
        HEADER, "F2026-0412,D1,Bakkerij Jansen,info@jansen.nl,2026-03-01,2026-03-31,1234.50"
    )
    assert result.format == "csv" and result.errors == ()
    assert result.records == (
        InvoiceRecord(
            number="F2026-0412",
            debtor_id="D1",
            debtor_name="Bakkerij Jansen",
            debtor_emails=("info@jansen.nl",),
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
            amount=Decimal("1234.50"),
            currency="EUR",
            reference="RF70F20260412",
            reference_kind="rf",
            language=None,
            debtor_type="b2b",
            debtor_ibans=(),
            pdf=None,
            tags=(),
            country=None,
        ),
    )


def test_full_semicolon_csv_with_bom_and_comma_decimals() -> None:
    result = parse(
        FULL_HEADER.replace(",", ";"),
        "F1;D1;Jansen;a@x.nl; b@x.nl;2026-03-01;2026-03-31;1234,5;eur;5000 0567 8901 2345;NL;b2c;NL91ABNA0417164300;pdf/F1.pdf;key-account; vip;NL".replace(
            "a@x.nl; b@x.nl", '"a@x.nl; b@x.nl"'
        ).replace("key-account; vip", '"key-account; vip"'),
        "F2;D2;Dupont;c@x.be;2026-03-01;2026-03-31;10;EUR;+++123/4567/89002+++;fr;b2b;;;;BE",
        bom=True,
    )
    assert result.errors == ()
    r1, r2 = result.records
    assert r1.debtor_emails == ("a@x.nl", "b@x.nl")
    assert r1.amount == Decimal("1234.50") and r1.currency == "EUR"
    assert (r1.reference, r1.reference_kind) == ("5000056789012345", "kenmerk")
    assert (r1.language, r1.debtor_type, r1.country) == ("nl", "b2c", "NL")
    assert r1.debtor_ibans == ("NL91ABNA0417164300",) and r1.pdf == "pdf/F1.pdf"
    assert r1.tags == ("key-account", "vip")
    assert (r2.reference, r2.reference_kind, r2.country) == ("123456789002", "ogm", "BE")


BAD_ROWS = [
    ("bad-date", "F1,D1,N,a@x.nl,2026-02-30,2026-03-31,10", "issue_date", "not a valid ISO date"),
    ("dutch-date", "F1,D1,N,a@x.nl,01-03-2026,2026-03-31,10", "issue_date", "ISO date"),
    ("due-before-issue", "F1,D1,N,a@x.nl,2026-03-01,2026-02-28,10", "due_date", "before issue"),
    ("negative-amount", "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,-10", "amount", "more than zero"),
    ("zero-amount", "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,0.00", "amount", "more than zero"),
    ("three-decimals", "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,1.005", "amount", "two decimals"),
    ("amount-garbage", "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,12 EUR", "amount", "not a number"),
    (
        "invalid-email",
        "F1,D1,N,not-an-address,2026-03-01,2026-03-31,10",
        "debtor_email",
        "invalid e-mail",
    ),
    (
        "one-of-two-emails-bad",
        'F1,D1,N,"a@x.nl;b@",2026-03-01,2026-03-31,10',
        "debtor_email",
        "'b@'",
    ),
    ("empty-required", "F1,,N,a@x.nl,2026-03-01,2026-03-31,10", "debtor_id", "empty"),
    (
        "number-too-long-for-rf",
        "INV-2026-0000000000000000412,D1,N,a@x.nl,2026-03-01,2026-03-31,10",
        "reference",
        "derived",
    ),
]


@pytest.mark.parametrize(
    ("row", "column", "message"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS]
)
def test_bad_rows(row: str, column: str, message: str) -> None:
    result = parse(HEADER, row)
    assert result.records == ()
    assert [(e.line, e.column) for e in result.errors] == [(2, column)]
    assert message in result.errors[0].message


BAD_OPTIONAL = [
    ("invalid-iban", "debtor_iban", "NL91ABNA0417164301", "invalid IBAN"),
    ("second-iban-invalid", "debtor_iban", "NL91ABNA0417164300;XX00", "'XX00'"),
    ("rf-wrong-check", "reference", "RF17539007547034", "check digits"),
    ("kenmerk-wrong-check", "reference", "4000056789012345", "check digits"),
    ("ogm-mixed-delimiters", "reference", "+++123/4567/89002***", "check digits or format"),
    ("kenmerk-15-digits", "reference", "000056789012345", "check digits or format"),
    ("reference-free-text", "reference", "factuur 12", "not an RF"),
    ("unknown-language", "language", "es", "nl, en, de, fr"),
    ("unknown-debtor-type", "debtor_type", "consumer", "b2b or b2c"),
    ("unknown-country", "country", "FR", "NL, BE or DE"),
    ("bad-currency", "currency", "EURO", "ISO 4217"),
    ("public-mail-domain", "debtor_domains", "gmail.com", "public mail provider"),
    ("second-domain-invalid", "debtor_domains", "jansen.nl;jan..sen.nl", "'jan..sen.nl'"),
    ("look-alike-domain", "debtor_domains", "j\u0430nsen.nl", "mixes scripts"),
]


@pytest.mark.parametrize(
    ("column", "value", "message"), [b[1:] for b in BAD_OPTIONAL], ids=[b[0] for b in BAD_OPTIONAL]
)
def test_bad_optional_columns(column: str, value: str, message: str) -> None:
    result = parse(HEADER + f",{column}", f'F1,D1,N,a@x.nl,2026-03-01,2026-03-31,10,"{value}"')
    assert result.records == ()
    assert [(e.line, e.column) for e in result.errors] == [(2, column)]
    assert message in result.errors[0].message


def test_debtor_domains_are_read_normalised() -> None:
    result = parse(
        HEADER + ",debtor_domains",
        'F1,D1,N,a@jansen.nl,2026-03-01,2026-03-31,10,"@Jansen.NL; jansen-bakkerij.nl;jansen.nl"',
    )
    assert result.errors == ()
    assert result.records[0].debtor_domains == ("jansen.nl", "jansen-bakkerij.nl")


def test_all_errors_of_all_rows_are_reported_with_physical_lines() -> None:
    result = parse(
        HEADER,
        "F1,D1,N,bad,2026-13-01,2026-03-31,-1",  # line 2: three problems
        "",  # line 3: blank, skipped
        'F2,D2,"Name with',  # lines 4-5: quoted newline inside a field
        ' newline",a@x.nl,2026-03-01,2026-03-31,10',
        "F3,D3,N,a@x.nl,2026-03-01,2026-03-31",  # line 6: too few fields
        "F4,D4,N,a@x.nl,2026-03-01,2026-03-31,5",
    )
    assert [r.number for r in result.records] == ["F2", "F4"]
    assert result.records[0].debtor_name == "Name with\n newline"
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "issue_date"),
        (2, "amount"),
        (2, "debtor_email"),
        (6, None),
    ]


def test_duplicate_number_with_different_data_skips_both() -> None:
    result = parse(
        HEADER,
        "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,10",
        "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,10",  # identical: harmless
        "F2,D2,N,a@x.nl,2026-03-01,2026-03-31,10",
        "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,11",
    )
    assert [r.number for r in result.records] == ["F2"]
    assert result.errors == (
        RowError(5, "number", "invoice F1 also on line 2 with different data; both rows skipped"),
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            HEADER + ",notes", [(1, "notes", "unknown column 'notes'")], id="unknown-column"
        ),
        pytest.param(
            HEADER.replace(",amount", ",amout"),
            [
                (1, "amout", "unknown column 'amout'"),
                (1, "amount", "missing required column 'amount'"),
            ],
            id="misspelt-required",
        ),
        pytest.param(
            HEADER + ",currency,currency",
            [(1, "currency", "column 'currency' appears twice")],
            id="duplicate-column",
        ),
    ],
)
def test_header_errors_return_no_records(header: str, expected: list[tuple[int, str, str]]) -> None:
    fields = "F1,D1,N,a@x.nl,2026-03-01,2026-03-31,10" + ",x" * (
        header.count(",") - HEADER.count(",")
    )
    result = parse(header, fields)
    assert result.records == ()
    assert [(e.line, e.column, e.message) for e in result.errors if e.line == 1] == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty-file"),
        pytest.param(b"   \n", "empty", id="blank-file"),
        pytest.param("number;debtor_id\nF1;caf\xe9\n".encode("latin-1"), "not UTF-8", id="latin-1"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8", id="png"),
        pytest.param(b"num\x00ber\n", "NUL", id="nul-bytes"),
    ],
)
def test_unreadable_files_raise(data: bytes, message: str) -> None:
    with pytest.raises(InvoiceFormatError, match=message):
        parse_invoice_file(data, source="upload.csv")


def test_format_error_names_the_source() -> None:
    with pytest.raises(InvoiceFormatError, match=r"^upload\.csv: "):
        parse_invoice_file(b"\xff\xfe", source="upload.csv")


def test_detect_invoice_format() -> None:
    assert detect_invoice_format(b"\xef\xbb\xbf  <?xml version='1.0'?><Invoice/>") == "ubl"
    assert detect_invoice_format(HEADER.encode()) == "csv"


def test_ten_thousand_rows_parse_fast() -> None:
    rows = [HEADER + ",debtor_iban,reference"]
    for i in range(10_000):
        rows.append(
            f"F{i:05d},D{i % 300},Debtor {i % 300},debtor{i % 300}@example.com,2026-03-01,2026-03-31,{i + 1}.25,NL91ABNA0417164300,"
        )
    data = csv_bytes(*rows)
    started = time.perf_counter()
    result = parse_invoice_file(data, source="big.csv")
    elapsed = time.perf_counter() - started
    assert len(result.records) == 10_000 and result.errors == ()
    assert elapsed < 3.0, f"10,000 rows took {elapsed:.2f}s"


# The parser repeats the reference algorithms (parsers may not import daemon): both must agree.
# --- UBL (Peppol BIS Billing 3.0) -------------------------------------------------------

PEPPOL_INVOICE = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>F2026-0412</cbc:ID>
  <cbc:IssueDate>2026-03-01</cbc:IssueDate>
  <cbc:DueDate>2026-03-31</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>PO-7781</cbc:BuyerReference>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>
      <cac:PartyName><cbc:Name>Voorbeeld Installatietechniek B.V.</cbc:Name></cac:PartyName>
      <cac:PostalAddress><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
      <cac:PartyLegalEntity><cbc:RegistrationName>Voorbeeld Installatietechniek B.V.</cbc:RegistrationName></cac:PartyLegalEntity>
      <cac:Contact><cbc:ElectronicMail>facturen@voorbeeld.nl</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="EM">crediteuren@jansen.nl</cbc:EndpointID>
      <cac:PartyIdentification><cbc:ID schemeID="0106">87654321</cbc:ID></cac:PartyIdentification>
      <cac:PartyName><cbc:Name>Bakkerij Jansen</cbc:Name></cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Dorpsstraat 1</cbc:StreetName>
        <cbc:CityName>Utrecht</cbc:CityName>
        <cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyLegalEntity><cbc:RegistrationName>Bakkerij Jansen V.O.F.</cbc:RegistrationName></cac:PartyLegalEntity>
      <cac:Contact><cbc:ElectronicMail>piet@jansen.nl</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode name="Credit transfer">30</cbc:PaymentMeansCode>
    <cbc:PaymentID>RF70F20260412</cbc:PaymentID>
    <cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:PaymentTerms><cbc:Note>30 dagen netto</cbc:Note></cac:PaymentTerms>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">214.25</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">1020.25</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">1020.25</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">1234.50</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">1234.50</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="HUR">10</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">1020.25</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Onderhoud cv-installatie</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">102.025</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""

PEPPOL_CREDIT_NOTE = """<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
            xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
            xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>C2026-0007</cbc:ID>
  <cbc:IssueDate>2026-03-10</cbc:IssueDate>
  <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:BillingReference>
    <cac:InvoiceDocumentReference><cbc:ID>F2026-0412</cbc:ID><cbc:IssueDate>2026-03-01</cbc:IssueDate></cac:InvoiceDocumentReference>
  </cac:BillingReference>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Voorbeeld B.V.</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0208">0123456749</cbc:EndpointID>
      <cac:PostalAddress><cac:Country><cbc:IdentificationCode>BE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
      <cac:PartyLegalEntity><cbc:RegistrationName>Boulangerie Dupont SRL</cbc:RegistrationName><cbc:CompanyID schemeID="0208">0123456749</cbc:CompanyID></cac:PartyLegalEntity>
      <cac:Contact><cbc:ElectronicMail>compta@dupont.be</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cbc:PaymentID>+++123/4567/89002+++</cbc:PaymentID>
  </cac:PaymentMeans>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="EUR">100.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</CreditNote>
"""


def ubl(text: str):
    return parse_invoice_file(text.encode("utf-8"), source="peppol.xml")


def test_peppol_invoice() -> None:
    result = ubl(PEPPOL_INVOICE)
    assert result.format == "ubl" and result.errors == ()
    assert result.records == (
        InvoiceRecord(
            number="F2026-0412",
            debtor_id="87654321",
            debtor_name="Bakkerij Jansen",
            debtor_emails=("crediteuren@jansen.nl", "piet@jansen.nl"),
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
            amount=Decimal("1234.50"),
            currency="EUR",
            reference="RF70F20260412",
            reference_kind="rf",
            language=None,
            debtor_type="b2b",
            debtor_ibans=(),
            pdf=None,
            tags=(),
            country="NL",
            kind="invoice",
            credited_invoice=None,
        ),
    )


def test_peppol_credit_note() -> None:
    result = ubl(PEPPOL_CREDIT_NOTE)
    assert result.errors == ()
    (r,) = result.records
    assert (r.kind, r.credited_invoice, r.number) == ("credit_note", "F2026-0412", "C2026-0007")
    assert (r.debtor_name, r.debtor_id, r.country) == ("Boulangerie Dupont SRL", "0123456749", "BE")
    assert (r.reference, r.reference_kind) == ("123456789002", "ogm")
    assert r.due_date == r.issue_date == date(2026, 3, 10) and r.amount == Decimal("100.00")


def test_sbdh_envelope_is_unwrapped() -> None:
    body = PEPPOL_INVOICE.split("?>", 1)[1]
    wrapped = (
        '<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">'
        "<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion></StandardBusinessDocumentHeader>"
        f"{body}</StandardBusinessDocument>"
    )
    assert [r.number for r in ubl(wrapped).records] == ["F2026-0412"]


def _line_of(doc: str, needle: str) -> int:
    """Line of the first line containing ``needle``; ``after>needle`` looks below ``after``."""
    after, _, needle = needle.rpartition(">>")
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start=start + 1) if needle in line)


UBL_VARIANTS = [
    (
        "payment-due-date-fallback",
        lambda d: d.replace("<cbc:DueDate>2026-03-31</cbc:DueDate>", "").replace(
            "<cbc:PaymentID>", "<cbc:PaymentDueDate>2026-04-15</cbc:PaymentDueDate><cbc:PaymentID>"
        ),
        "due_date",
        date(2026, 4, 15),
    ),
    (
        "free-text-payment-id-derives-rf",
        lambda d: d.replace("RF70F20260412", "Factuur F2026-0412"),
        "reference",
        "RF70F20260412",
    ),
    (
        "kenmerk-payment-id",
        lambda d: d.replace("RF70F20260412", "5000 0567 8901 2345"),
        "reference",
        "5000056789012345",
    ),
    (
        "customer-id-from-name",
        lambda d: d.replace(
            '<cac:PartyIdentification><cbc:ID schemeID="0106">87654321</cbc:ID></cac:PartyIdentification>',
            "",
        ).replace("<cbc:RegistrationName>Bakkerij Jansen V.O.F.</cbc:RegistrationName>", ""),
        "debtor_id",
        "bakkerij-jansen",
    ),
    (
        "mandate-iban",
        lambda d: d.replace(
            "</cac:PaymentMeans>",
            "<cac:PaymentMandate><cac:PayerFinancialAccount><cbc:ID>DE89 3704 0044 0532 0130 00</cbc:ID></cac:PayerFinancialAccount></cac:PaymentMandate></cac:PaymentMeans>",
        ),
        "debtor_ibans",
        ("DE89370400440532013000",),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "expected"), [v[1:] for v in UBL_VARIANTS], ids=[v[0] for v in UBL_VARIANTS]
)
def test_ubl_variants(mutate, field: str, expected: object) -> None:
    result = ubl(mutate(PEPPOL_INVOICE))
    assert result.errors == ()
    assert getattr(result.records[0], field) == expected


UBL_ERRORS = [
    (
        "no-due-date",
        lambda d: d.replace("<cbc:DueDate>2026-03-31</cbc:DueDate>", ""),
        "cbc:DueDate",
        "xmlns:cbc=",
    ),
    (
        "bad-due-date",
        lambda d: d.replace("2026-03-31", "31-03-2026"),
        "cbc:DueDate",
        "<cbc:DueDate>",
    ),
    (
        "due-before-issue",
        lambda d: d.replace("2026-03-31", "2026-02-01"),
        "cbc:DueDate",
        "<cbc:DueDate>",
    ),
    (
        "zero-payable",
        lambda d: d.replace(
            '<cbc:PayableAmount currencyID="EUR">1234.50',
            '<cbc:PayableAmount currencyID="EUR">0.00',
        ),
        "cbc:PayableAmount",
        "<cbc:PayableAmount",
    ),
    (
        "bad-rf-payment-id",
        lambda d: d.replace("RF70F20260412", "RF71F20260412"),
        "cbc:PaymentID",
        "<cbc:PaymentID>",
    ),
    (
        "bad-ogm-payment-id",
        lambda d: d.replace("RF70F20260412", "+++123/4567/89003+++"),
        "cbc:PaymentID",
        "<cbc:PaymentID>",
    ),
    (
        "no-email",
        lambda d: d.replace('schemeID="EM">crediteuren@jansen.nl', 'schemeID="0106">1').replace(
            "<cac:Contact><cbc:ElectronicMail>piet@jansen.nl</cbc:ElectronicMail></cac:Contact>", ""
        ),
        "cbc:ElectronicMail",
        "<cac:AccountingCustomerParty>>><cac:Party>",
    ),
    ("bad-email", lambda d: d.replace("piet@jansen.nl", "piet@"), "cbc:ElectronicMail", "piet@<"),
    (
        "no-number",
        lambda d: d.replace("<cbc:ID>F2026-0412</cbc:ID>", "<cbc:ID></cbc:ID>"),
        "cbc:ID",
        "<cbc:ID></cbc:ID>",
    ),
    (
        "no-customer",
        lambda d: d.replace("AccountingCustomerParty", "PayeeParty"),
        "cac:AccountingCustomerParty",
        "xmlns:cbc=",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "element", "line_marker"),
    [v[1:] for v in UBL_ERRORS],
    ids=[v[0] for v in UBL_ERRORS],
)
def test_ubl_errors_name_element_and_line(mutate, element: str, line_marker: str) -> None:
    doc = mutate(PEPPOL_INVOICE)
    result = ubl(doc)
    assert result.records == ()
    assert [(e.column, e.line) for e in result.errors] == [(element, _line_of(doc, line_marker))]


def test_credit_note_without_billing_reference_is_an_error() -> None:
    doc = PEPPOL_CREDIT_NOTE.replace("BillingReference", "OriginatorDocumentReference")
    result = ubl(doc)
    assert result.records == () and [e.column for e in result.errors] == ["cac:BillingReference"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"<Invoice><unclosed></Invoice>", "malformed XML", id="malformed"),
        pytest.param(
            b'<?xml version="1.0"?><Order xmlns="urn:x"/>', "not a UBL Invoice", id="other-root"
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol2;</Invoice>',
            "DOCTYPE",
            id="billion-laughs",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
            "DOCTYPE",
            id="xxe",
        ),
        pytest.param(
            b'<StandardBusinessDocument xmlns="urn:sbdh"><x/></StandardBusinessDocument>',
            "holds no UBL",
            id="empty-sbdh",
        ),
    ],
)
def test_ubl_unreadable(data: bytes, message: str) -> None:
    with pytest.raises(InvoiceFormatError, match=message):
        parse_invoice_file(data, source="peppol.xml")


def test_doctype_after_padding_is_still_refused() -> None:
    # The quick byte scan only looks at the start; lxml's docinfo catches the rest.
    data = (
        b'<?xml version="1.0"?>' + b"<!--" + b"x" * 5000 + b"-->" + b"<!DOCTYPE Invoice><Invoice/>"
    )
    with pytest.raises(InvoiceFormatError, match="DOCTYPE"):
        parse_invoice_file(data, source="peppol.xml")
