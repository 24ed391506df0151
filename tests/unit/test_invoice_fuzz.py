"""Whatever bytes arrive, the invoice parser either returns a result or raises
InvoiceFormatError — never anything else (the daemon stores the error and moves on)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.invoices import InvoiceFormatError, InvoiceParseResult, parse_invoice_file
from tests.unit.test_invoice_parsers import PEPPOL_CREDIT_NOTE, PEPPOL_INVOICE

VALID_CSV = (
    b"number;debtor_id;debtor_name;debtor_email;issue_date;due_date;amount;reference;debtor_iban;language;tags\n"
    b"F2026-0412;D1;Jansen;a@x.nl;2026-03-01;2026-03-31;1234,50;RF70F20260412;NL91ABNA0417164300;nl;vip\n"
    b'F2026-0413;D2;"Dupont; SRL";b@x.be;2026-03-01;2026-03-31;10.00;+++123/4567/89002+++;;fr;\n'
)
SEEDS = [VALID_CSV, PEPPOL_INVOICE.encode(), PEPPOL_CREDIT_NOTE.encode()]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes) -> None:
    try:
        result = parse_invoice_file(data, source="fuzz")
    except InvoiceFormatError:
        return
    assert isinstance(result, InvoiceParseResult)
    for record in result.records:
        assert record.amount > 0 and record.due_date >= record.issue_date


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 40))]
        elif op == "insert":
            chunk = draw(
                st.sampled_from(
                    [
                        b";",
                        b",",
                        b'"',
                        b"\n",
                        b"<",
                        b"&",
                        b"\x00",
                        b"\xff",
                        b"+++",
                        b"RF",
                        b"-1",
                        b"\r",
                    ]
                )
            )
            data[pos:pos] = chunk
        elif op == "truncate":
            del data[pos:]
        else:
            end = pos + draw(st.integers(1, 200))
            data[pos:pos] = data[pos:end]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_csv_and_ubl(data: bytes) -> None:
    _check(data)


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300))
def test_random_text_rows_after_a_valid_header(row: str) -> None:
    header = VALID_CSV.split(b"\n", 1)[0]
    _check(header + b"\n" + row.encode("utf-8"))
