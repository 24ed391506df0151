import pytest

from daemon.domain.references import (
    Reference,
    ReferenceKind,
    classify_reference,
    detect_reference,
    display_reference,
    format_ogm,
    generate_kenmerk,
    generate_ogm,
    generate_rf,
    is_valid_kenmerk,
    is_valid_ogm,
    is_valid_rf,
    kenmerk_from_invoice_number,
)

# §8.3 generation
RF_GENERATION = [
    ("539007547034", "RF18539007547034"),
    ("TU06FX", "RF96TU06FX"),
    ("X2HU4TC28XTYLHASYWT91", "RF14X2HU4TC28XTYLHASYWT91"),
    ("AB2G5", "RF68AB2G5"),
    ("12345 12345", "RF451234512345"),
    ("ISO11649", "RF60ISO11649"),
    ("F2026-0412", "RF70F20260412"),
    ("F2026-0001", "RF12F20260001"),
    ("INV2026000412", "RF55INV2026000412"),
]


@pytest.mark.parametrize(("number", "expected"), RF_GENERATION, ids=[n for n, _ in RF_GENERATION])
def test_generate_rf(number: str, expected: str) -> None:
    assert generate_rf(number) == expected
    assert is_valid_rf(expected)


@pytest.mark.parametrize(
    "number", ["", "---", "X2HU4TC28XTYLHASYWT912"], ids=["empty", "no-alnum", "22-chars"]
)
def test_generate_rf_rejects(number: str) -> None:
    with pytest.raises(ValueError, match="1 to 21"):
        generate_rf(number)


RF_VALIDATION = [
    ("RF18539007547034", True, "iso-example"),
    ("RF18 5390 0754 7034", True, "grouped-with-spaces"),
    ("RF720HYA6", True, "npm-example"),
    ("RF70F20260412", True, "invoice-f2026-0412"),
    ("RF14X2HU4TC28XTYLHASYWT91", True, "25-chars-maximum"),
    ("RF19GAX8WS5JYOOUJ87", False, "npm-checksum-false"),
    ("RF17539007547034", False, "wrong-check-digits"),
    ("RF18539007547035", False, "altered-last-digit"),
    ("RF18-5390-0754-7034", False, "hyphen"),
    ("RF1412345678901234567890", False, "24-chars-bad-checksum"),
    ("RF00F20260412", False, "rf00"),
    ("RF01F20260412", False, "rf01"),
    ("RF99F20260412", False, "rf99"),
    ("RF18", False, "no-reference-part"),
    ("rf18539007547034", False, "lower-case-strict"),
]


@pytest.mark.parametrize(
    ("text", "valid"), [(t, v) for t, v, _ in RF_VALIDATION], ids=[i for *_, i in RF_VALIDATION]
)
def test_is_valid_rf_strict(text: str, valid: bool) -> None:
    assert is_valid_rf(text) is valid


def test_rf_lenient_accepts_lower_case() -> None:
    assert is_valid_rf("rf18539007547034", strict=False)
    assert not is_valid_rf("rf17539007547034", strict=False)


def test_rf_check_digits_00_01_99_never_valid_even_when_mod97_holds() -> None:
    # For a body whose true check digits are 97/98, RF00/RF01 satisfy mod 97 but are banned.
    body = next(b for b in (f"A{i}" for i in range(1000)) if generate_rf(b)[2:4] in ("97", "98"))
    cd = generate_rf(body)[2:4]
    alias = "00" if cd == "97" else "01"
    assert is_valid_rf(f"RF{cd}{body}")
    assert not is_valid_rf(f"RF{alias}{body}")


# §8.4 generation: (number, expected)
KENMERK_GENERATION = [
    ("000056789012345", "5000056789012345", "currence-example"),
    ("000000020260412", "8000000020260412", "invoice-f2026-0412"),
    ("000000020260001", "2000000020260001", "invoice-f2026-0001"),
    ("123456789012345", "0123456789012345", "c11-becomes-0"),
    ("000000020260403", "1000000020260403", "c10-becomes-1"),
    ("999999999999999", "3999999999999999", "all-nines"),
    ("234534622567", "12234534622567", "12-digits-length-code-2"),
    ("2026041", "772026041", "7-digits-length-code-7"),
    ("20260412", "4820260412", "8-digits-length-code-8"),
    ("123456789012", "42123456789012", "12-digits-example-2"),
]


@pytest.mark.parametrize(
    ("digits", "expected"),
    [(d, e) for d, e, _ in KENMERK_GENERATION],
    ids=[i for *_, i in KENMERK_GENERATION],
)
def test_generate_kenmerk(digits: str, expected: str) -> None:
    assert generate_kenmerk(digits) == expected
    assert is_valid_kenmerk(expected)


def test_kenmerk_from_invoice_number() -> None:
    assert kenmerk_from_invoice_number("F2026-0412") == "8000000020260412"
    with pytest.raises(ValueError, match="digits"):
        kenmerk_from_invoice_number("ABC")


@pytest.mark.parametrize(
    "digits", ["", "12a", "1234567890123456"], ids=["empty", "letter", "16-digits"]
)
def test_generate_kenmerk_rejects(digits: str) -> None:
    with pytest.raises(ValueError):
        generate_kenmerk(digits)


KENMERK_VALIDATION = [
    ("5000056789012345", True, "16-digits"),
    ("5000 0567 8901 2345", True, "spaces-ignored"),
    ("12 2345 3462 2567", True, "14-digits-l2"),
    ("8000000020260412", True, "invoice"),
    ("1000000020260403", True, "c10-case"),
    ("0000000000000000", True, "all-zero-formally-valid"),
    ("4000056789012345", False, "wrong-check-digit"),
    ("000056789012345", False, "15-digits"),
    ("50000567890123450", False, "17-digits"),
    ("500005678901234A", False, "non-digit"),
    ("1223453462256", False, "13-digits-with-l2"),
    ("1323453462 2567", False, "l3-for-14-digits"),
    ("12345678", False, "8-digits"),
]


@pytest.mark.parametrize(
    ("text", "valid"),
    [(t, v) for t, v, _ in KENMERK_VALIDATION],
    ids=[i for *_, i in KENMERK_VALIDATION],
)
def test_is_valid_kenmerk(text: str, valid: bool) -> None:
    assert is_valid_kenmerk(text) is valid


# §8.5
OGM_GENERATION = [
    ("1234567890", "+++123/4567/89002+++"),
    ("0123456789", "+++012/3456/78939+++"),
    ("0851927541", "+++085/1927/54115+++"),
    ("0000000000", "+++000/0000/00097+++"),
    ("0000000097", "+++000/0000/09797+++"),
    ("2026000412", "+++202/6000/41218+++"),
    ("9999999999", "+++999/9999/99948+++"),
]


@pytest.mark.parametrize(("base", "expected"), OGM_GENERATION, ids=[b for b, _ in OGM_GENERATION])
def test_generate_ogm(base: str, expected: str) -> None:
    assert generate_ogm(base) == expected
    assert is_valid_ogm(expected)


def test_generate_ogm_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="10-digit"):
        generate_ogm("123456789")


OGM_VALIDATION = [
    ("+++123/4567/89002+++", True, "plus-delimiters"),
    ("***123/4567/89002***", True, "asterisk-delimiters"),
    ("+++ 123 / 4567 / 89002 +++", True, "spaces-tolerated"),
    ("+++000/0000/00097+++", True, "remainder-zero-as-97"),
    ("+++202/6000/41218+++", True, "computed"),
    ("+++123/4567/89003+++", False, "wrong-check"),
    ("+++000/0000/00000+++", False, "remainder-zero-written-00"),
    ("+++123/4567/8900+++", False, "11-digits"),
    ("123456789002", False, "bare-digits-strict"),
    ("+++123/4567/89002***", False, "mixed-delimiters"),
    ("+++202/6000/41238+++", False, "wrong-check-2"),
]


@pytest.mark.parametrize(
    ("text", "valid"), [(t, v) for t, v, _ in OGM_VALIDATION], ids=[i for *_, i in OGM_VALIDATION]
)
def test_is_valid_ogm(text: str, valid: bool) -> None:
    assert is_valid_ogm(text) is valid


def test_ogm_bare_digits_when_allowed() -> None:
    assert is_valid_ogm("123456789002", allow_bare=True)
    assert not is_valid_ogm("123456789003", allow_bare=True)
    assert format_ogm("123456789002") == "+++123/4567/89002+++"


CLASSIFY = [
    ("RF18 5390 0754 7034", Reference(ReferenceKind.RF, "RF18539007547034", True), "rf-grouped"),
    ("rf70f20260412", Reference(ReferenceKind.RF, "RF70F20260412", True), "rf-lower-case"),
    ("RF17539007547034", Reference(ReferenceKind.RF, "RF17539007547034", False), "rf-bad-check"),
    ("5000 0567 8901 2345", Reference(ReferenceKind.KENMERK, "5000056789012345", True), "kenmerk"),
    (
        "4000056789012345",
        Reference(ReferenceKind.KENMERK, "4000056789012345", False),
        "kenmerk-bad",
    ),
    ("+++123/4567/89002+++", Reference(ReferenceKind.OGM, "123456789002", True), "ogm"),
    ("123456789002", Reference(ReferenceKind.OGM, "123456789002", True), "ogm-bare"),
    ("+++123/4567/89002***", Reference(ReferenceKind.OGM, "123456789002", False), "ogm-mixed"),
    ("123/4567/89003", Reference(ReferenceKind.OGM, "123456789003", False), "ogm-slashes-bad"),
    ("Factuur 12", None, "free-text"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for t, e, _ in CLASSIFY], ids=[i for *_, i in CLASSIFY]
)
def test_classify_reference(text: str, expected: Reference | None) -> None:
    assert classify_reference(text) == expected


DETECT = [
    (
        "Betaling RF18 5390 0754 7034 factuur 2026",
        Reference(ReferenceKind.RF, "RF18539007547034", True),
        "rf-grouped-then-words",
    ),
    ("/RF70F20260412/", Reference(ReferenceKind.RF, "RF70F20260412", True), "rf-between-slashes"),
    (
        "ref RF17539007547034",
        Reference(ReferenceKind.RF, "RF17539007547034", False),
        "rf-bad-check-reported",
    ),
    (
        "kenmerk 5000 0567 8901 2345 dank",
        Reference(ReferenceKind.KENMERK, "5000056789012345", True),
        "kenmerk-grouped",
    ),
    (
        "BETALINGSKENMERK 8000000020260412",
        Reference(ReferenceKind.KENMERK, "8000000020260412", True),
        "kenmerk-run",
    ),
    (
        "mededeling +++202/6000/41218+++ bedankt",
        Reference(ReferenceKind.OGM, "202600041218", True),
        "ogm-delimited",
    ),
    (
        "***123/4567/89003***",
        Reference(ReferenceKind.OGM, "123456789003", False),
        "ogm-bad-check-reported",
    ),
    ("vcs 123456789002", Reference(ReferenceKind.OGM, "123456789002", True), "ogm-bare-valid"),
    ("IBAN NL91ABNA0417164300 invoice 4000056789012345", None, "iban-and-bad-kenmerk"),
    ("betaald op 2026-03-04 bedrag 1234,50", None, "no-reference"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for t, e, _ in DETECT], ids=[i for *_, i in DETECT]
)
def test_detect_reference(text: str, expected: Reference | None) -> None:
    assert detect_reference(text) == expected


@pytest.mark.parametrize(
    ("stored", "kind", "shown"),
    [
        ("090933755493", "ogm", "+++090/9337/55493+++"),  # issue #15: was printed bare
        ("+++090/9337/55493+++", "ogm", "+++090/9337/55493+++"),  # already printed: kept
        ("***123/4567/89002***", "ogm", "+++123/4567/89002+++"),
        ("12345", "ogm", "12345"),  # not an OGM's shape: shown exactly as stored
        ("5000056789012345", "kenmerk", "5000 0567 8901 2345"),
        ("12234534622567", "kenmerk", "12 2345 3462 2567"),  # groups from the right (§5.2)
        ("772026041", "kenmerk", "7 7202 6041"),
        ("F2026-0412", "kenmerk", "F2026-0412"),
        ("RF18539007547034", "rf", "RF18 5390 0754 7034"),
        ("rf18 5390 0754 7034", "rf", "RF18 5390 0754 7034"),
        ("RF96TU06FX", "rf", "RF96 TU06 FX"),
        ("F2026-0412", "free", "F2026-0412"),
    ],
)
def test_display_reference_per_kind(stored: str, kind: str, shown: str) -> None:
    assert display_reference(stored, kind) == shown
    assert display_reference(shown, kind) == shown  # printing twice changes nothing


@pytest.mark.parametrize(
    ("stored", "kind"),
    [("090933755493", "ogm"), ("5000056789012345", "kenmerk"), ("RF18539007547034", "rf")],
)
def test_the_printed_reference_reads_back_to_the_stored_value(stored: str, kind: str) -> None:
    """A debtor who copies the printed form pays with the reference the matcher knows."""
    found = classify_reference(display_reference(stored, kind))
    assert found is not None and found.value == stored and found.kind == kind
