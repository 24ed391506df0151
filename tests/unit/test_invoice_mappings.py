"""Column mappings: every preset reads a fixture written in its package's export format, and
the reading rules (encodings, separators, dates, decimal commas) refuse what they cannot
know, naming file, line and the export's own column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.intakeconfig import MAPPABLE
from parsers.export_values import decimal_hint, file_decimal, parse_amount, parse_date
from parsers.invoice_mapping import MappingError, load_preset, mapping_from_dict, preset_names
from parsers.invoices import InvoiceFormatError, parse_invoice_file

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"

KNOWN = {
    "1001": {"debtor_name": "Korenbloem", "debtor_email": "boekhouding@korenbloem.example"},
    "1002": {"debtor_name": "Jansen", "debtor_email": "info@jansen.example", "debtor_type": "b2c"},
    "10001": {"debtor_name": "Heizung Müller GmbH", "debtor_email": "buchhaltung@mueller.example"},
    "10002": {"debtor_name": "Praxis Weber", "debtor_email": "praxis@weber.example"},
    "DEB001": {"debtor_name": "Verf & Zo", "debtor_email": "admin@verfenzo.example"},
    "DEB002": {"debtor_name": "Smile", "debtor_email": "balie@smile.example"},
    "1100": {"debtor_name": "Knip", "debtor_email": "knip@knip.example"},
    "1101": {"debtor_name": "Van Dijk", "debtor_email": "admin@vandijk.example"},
    "Brasserie Het Anker": {"debtor_name": "Het Anker", "debtor_email": "info@anker.example"},
    "Apotheek Peeters": {"debtor_name": "Peeters", "debtor_email": "apotheek@peeters.example"},
}


def read(name: str, known: dict[str, dict[str, str]] | None = KNOWN):  # type: ignore[no-untyped-def]
    data = (EXPORTS / f"{name}.csv").read_bytes()
    return parse_invoice_file(
        data, source=f"{name}.csv", mapping=load_preset(name, MAPPABLE), known=known
    )


def mapping(**overrides: object):  # type: ignore[no-untyped-def]
    table: dict[str, object] = {
        "date_format": "d/m/yyyy",
        "columns": {
            "number": "Invoice",
            "debtor_id": "Customer",
            "debtor_name": "Name",
            "debtor_email": "Email",
            "issue_date": "Date",
            "due_date": "Due",
            "amount": "Total",
        },
    }
    table.update(overrides)
    return mapping_from_dict("own", table, MAPPABLE)


HEADER = "Invoice,Customer,Name,Email,Date,Due,Total\n"


def own(body: str, encoding: str = "utf-8", **overrides: object):  # type: ignore[no-untyped-def]
    return parse_invoice_file(
        (HEADER + body).encode(encoding),
        source="own.csv",
        mapping=mapping(**overrides),
        known=KNOWN,
    )


def test_every_preset_has_a_fixture_and_says_where_its_columns_come_from() -> None:
    names = preset_names()
    assert len(names) >= 4
    for name in names:
        preset = load_preset(name, MAPPABLE)
        assert preset.source and preset.export and preset.package
        assert all(spec.source for spec in preset.columns.values()), name
        assert (EXPORTS / f"{name}.csv").is_file(), f"no fixture for preset {name}"


def test_exact_online_bom_semicolons_and_decimal_commas() -> None:
    result = read("exact-online-openstaande-posten")
    assert result.errors == ()
    assert result.encoding == "utf-8 (BOM)" and result.delimiter == ";"
    first, second = result.records
    assert (first.number, first.amount, first.issue_date) == (
        "F2026-0101",
        Decimal("1234.56"),
        date(2026, 10, 1),
    )
    assert first.debtor_name == "Bakkerij De Korenbloem B.V."  # the export's name wins
    assert first.debtor_emails == ("boekhouding@korenbloem.example",)  # from the known debtor
    assert second.debtor_type == "b2c"  # a known consumer stays a consumer
    # Openstaand is what an open-items snapshot reads as still open (daemon.app.snapshots).
    assert (first.open_amount, second.open_amount) == (Decimal("1234.56"), Decimal("100.00"))


def test_moneybird_thousands_commas_and_references() -> None:
    result = read("moneybird-facturen", known=None)
    assert result.errors == ()
    assert result.encoding == "utf-8" and result.delimiter == ","
    first, second = result.records
    assert first.amount == Decimal("1815.00") and first.due_date == date(2026, 11, 16)
    assert first.reference_kind == "rf"  # derived from the number
    assert second.debtor_name == "Café De Zon" and second.reference == "RF18539007547034"


def test_datev_windows_1252_is_recorded_not_guessed() -> None:
    result = read("datev-opos-debitoren")
    assert result.errors == ()
    assert result.encoding == "windows-1252"
    first, second = result.records
    assert (first.number, first.amount, first.due_date) == (
        "RE-2026-311",
        Decimal("2380.00"),
        date(2026, 11, 19),
    )
    assert second.amount == Decimal("119.00") and second.debtor_name == "Praxis Weber"
    # Saldo (Sollbetrag minus Habenbetrag) is what a snapshot reads as still open.
    assert (first.open_amount, second.open_amount) == (Decimal("2380.00"), Decimal("100.00"))


def test_datev_refused_when_the_mapping_allows_only_utf8() -> None:
    data = (EXPORTS / "datev-opos-debitoren.csv").read_bytes()
    strict = mapping_from_dict(
        "strict", {**_table("datev-opos-debitoren"), "encodings": ["utf-8"]}, MAPPABLE
    )
    with pytest.raises(InvoiceFormatError, match=r"OPOS\.csv: the file is not utf-8 \(byte \d+\)"):
        parse_invoice_file(data, source="OPOS.csv", mapping=strict, known=KNOWN)


def _table(name: str) -> dict[str, object]:
    import tomllib

    return tomllib.loads(
        (Path(__file__).resolve().parents[2] / "parsers" / "mappings" / f"{name}.toml").read_text()
    )


def test_e_boekhouden_due_date_from_payment_term() -> None:
    result = read("e-boekhouden-openstaande-posten")
    assert result.errors == ()
    first, second = result.records
    assert first.due_date == date(2026, 12, 1)  # 01-11 + 30 days
    assert second.amount == Decimal("1089.00")
    # Openstaand (Bedrag minus Voldaan) is what a snapshot reads as still open.
    assert (first.open_amount, second.open_amount) == (Decimal("726.00"), Decimal("589.00"))
    assert result.ignored_columns == ("Voldaan",)


def test_an_empty_exported_email_falls_back_to_the_known_debtor() -> None:
    body = "A-1,1001,Acme,,1/2/2026,3/3/2026,10\nA-2,C9,Other,,1/2/2026,3/3/2026,10\n"
    result = own(body)
    assert [r.debtor_emails for r in result.records] == [("boekhouding@korenbloem.example",)]
    assert [(e.line, e.column) for e in result.errors] == [(3, "Email (debtor_email)")]


def test_twinfield_credit_management_list() -> None:
    result = read("twinfield-openstaande-posten")
    assert result.errors == ()
    first, second = result.records
    assert (first.debtor_id, first.debtor_name, first.number) == (
        "1100",
        "Kapsalon Knip",
        "2026-118",
    )
    assert second.amount == Decimal("12100.00") and second.due_date == date(2026, 12, 3)
    assert second.debtor_emails == ("admin@vandijk.example",)
    # Openstaand bedrag is what an open-items snapshot reads as still open.
    assert (first.open_amount, second.open_amount) == (Decimal("96.80"), Decimal("6050.00"))
    assert "Openstaand bedrag" not in result.ignored_columns
    assert set(result.ignored_columns) >= {"Administratie", "Dispuutcode"}


def test_yuki_worklist_with_the_name_as_debtor_id() -> None:
    result = read("yuki-te-herinneren-facturen")
    assert result.errors == ()
    first, second = result.records
    assert (first.debtor_id, first.debtor_name) == ("Brasserie Het Anker", "Brasserie Het Anker")
    assert first.amount == Decimal("1210.00") and first.due_date == date(2026, 12, 2)
    assert second.debtor_emails == ("apotheek@peeters.example",)
    assert (first.open_amount, second.open_amount) == (Decimal("1210.00"), Decimal("60.50"))
    assert "Uitstaand" not in result.ignored_columns


def test_unknown_debtor_without_email_column_names_line_and_column() -> None:
    result = read("datev-opos-debitoren", known={})
    assert result.records == ()
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "Konto (debtor_id)"),
        (3, "Konto (debtor_id)"),
    ]
    assert "not known to dunmail" in result.errors[0].message
    assert "debtor_email" in result.errors[0].message


def test_ambiguous_amount_is_refused_with_line_and_column() -> None:
    result = own('A-1,C1,Acme,a@acme.example,1/2/2026,3/3/2026,"1,234"\n')
    assert result.records == ()
    [error] = result.errors
    assert (error.line, error.column) == (2, "Total (amount)")
    assert "ambiguous" in error.message and "decimal" in error.message


def test_other_rows_decide_an_ambiguous_amount() -> None:
    # "1.234" alone could be 1.234 or 1234; "12,50" shows the file's decimal comma.
    result = own(
        "A-1,C1,Acme,a@acme.example,1/2/2026,3/3/2026,1.234\n"
        'A-2,C1,Acme,a@acme.example,1/2/2026,3/3/2026,"12,50"\n'
    )
    assert result.errors == ()
    assert [r.amount for r in result.records] == [Decimal("1234.00"), Decimal("12.50")]


def test_mixed_decimal_separators_are_refused_naming_both_lines() -> None:
    with pytest.raises(InvoiceFormatError, match=r"line 3 .*line 2"):
        own(
            'A-1,C1,Acme,a@acme.example,1/2/2026,3/3/2026,"1.234,50"\n'
            'A-2,C1,Acme,a@acme.example,1/2/2026,3/3/2026,"1,234.50"\n'
        )


def test_date_in_another_format_is_an_error_not_a_guess() -> None:
    result = own("A-1,C1,Acme,a@acme.example,2026-02-01,13/3/2026,10.00\n")
    [error] = result.errors
    assert (error.line, error.column) == (2, "Date (issue_date)")
    assert "d/m/yyyy" in error.message


def test_tab_separated_is_sniffed_and_missing_header_named() -> None:
    data = (
        HEADER.replace(",", "\t") + "A-1\tC1\tAcme\ta@acme.example\t1/2/2026\t3/3/2026\t10,00\n"
    ).encode()
    result = parse_invoice_file(data, source="tab.csv", mapping=mapping())
    assert result.errors == () and result.delimiter == "\t"
    assert result.records[0].amount == Decimal("10.00")
    broken = parse_invoice_file(
        data.replace(b"Due", b"Due date"), source="x.csv", mapping=mapping()
    )
    assert broken.records == ()
    assert [(e.line, e.column) for e in broken.errors] == [(1, "due_date")]
    assert "'Due'" in broken.errors[0].message


def test_header_line_after_a_title_line_keeps_physical_line_numbers() -> None:
    data = (
        "Openstaande posten per 30-11-2026\n" + HEADER + "A-1,C1,Acme,bad,1/2/2026,3/3/2026,10\n"
    ).encode()
    result = parse_invoice_file(data, source="x.csv", mapping=mapping(header_line=2, delimiter=","))
    [error] = result.errors
    assert (error.line, error.column) == (3, "Email (debtor_email)")


def test_mapping_definitions_are_checked_with_their_keys() -> None:
    with pytest.raises(MappingError) as caught:
        mapping_from_dict(
            "bad",
            {
                "date_format": "mm/dd/yyyy",
                "decimal": ";",
                "encodings": ["latin-9"],
                "colour": "red",
                "columns": {
                    "number": "Nr",
                    "debtor_iq": "X",
                    "amount": {"headers": ["A"], "value": "1"},
                },
            },
            MAPPABLE,
        )
    text = "\n".join(caught.value.problems)
    for expected in (
        "date_format: 'mm/dd/yyyy'",
        "decimal: ';'",
        "encodings: 'latin-9'",
        "colour: unknown key",
        "columns.debtor_iq: dunmail has no column",
        "columns.amount: give headers or a value",
        "columns: no column for debtor_id, issue_date, amount, due_date",
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1.234,56", ",", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("1 234,56", ",", "1234.56"),
        ("€ 12,50", ",", "12.50"),
        ("12,50-", ",", "-12.50"),
        ("1234", ",", "1234"),
    ],
)
def test_amount_forms(text: str, decimal: str, expected: str) -> None:
    assert parse_amount(text, decimal) == (expected, None)


def test_amount_that_does_not_fit_the_declared_separator() -> None:
    value, problem = parse_amount("1,234.56", ",")
    assert value is None and problem and "does not fit decimal separator ','" in problem


def test_decimal_hints() -> None:
    assert decimal_hint("1,234") is None and decimal_hint("0,234") == ","
    assert decimal_hint("1.234.567") == "," and decimal_hint("12.5") == "."
    assert file_decimal([(2, "1,234"), (3, "7,5")]) == (",", None)
    assert file_decimal([(2, "1,234")]) == (None, (2, "1,234"))


@pytest.mark.parametrize(
    ("text", "fmt", "iso"),
    [
        ("31-12-2026", "dd-mm-yyyy", "2026-12-31"),
        ("31.12.2026", "dd.mm.yyyy", "2026-12-31"),
        ("2026-12-31", "yyyy-mm-dd", "2026-12-31"),
        ("3/4/2026", "d/m/yyyy", "2026-04-03"),
    ],
)
def test_date_forms(text: str, fmt: str, iso: str) -> None:
    assert parse_date(text, fmt) == (iso, None)


def test_impossible_date() -> None:
    assert (
        parse_date("31.02.2026", "dd.mm.yyyy")[1]
        == "date '31.02.2026' is not a real date (day is out of range for month)"
    )


# --- robustness: whatever an export holds, a mapped read returns or says why ---------------

FIXTURES = [(n, (EXPORTS / f"{n}.csv").read_bytes()) for n in preset_names()]


@st.composite
def mutated_export(draw: st.DrawFn) -> tuple[str, bytes]:
    name, seed = draw(st.sampled_from(FIXTURES))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        elif op == "insert":
            data[pos:pos] = draw(
                st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"1.234", b"\xff"])
            )
        else:
            del data[pos:]
    return name, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_export())
def test_mutated_exports_never_crash(case: tuple[str, bytes]) -> None:
    name, data = case
    try:
        result = parse_invoice_file(
            data, source="fuzz.csv", mapping=load_preset(name, MAPPABLE), known=KNOWN
        )
    except InvoiceFormatError:
        return
    for record in result.records:
        assert record.amount > 0 and record.due_date >= record.issue_date
    for error in result.errors:
        assert error.line >= 1 and error.message
