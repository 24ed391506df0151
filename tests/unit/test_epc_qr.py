import hashlib
from decimal import Decimal

import pytest

from daemon.domain.epc_qr import epc_payload
from daemon.domain.references import generate_rf

NAME = "Voorbeeld Installatietechniek B.V."
IBAN = "NL91ABNA0417164300"


def test_epc_payload_with_rf_reference() -> None:
    payload = epc_payload(
        NAME, IBAN, Decimal("1234.50"), bic="ABNANL2A", reference=generate_rf("F2026-0412")
    )
    assert (
        payload
        == "BCD\n002\n1\nSCT\nABNANL2A\nVoorbeeld Installatietechniek B.V.\nNL91ABNA0417164300\nEUR1234.50\n\nRF70F20260412"
    )
    data = payload.encode("utf-8")
    assert len(data) == 102
    assert (
        hashlib.sha256(data).hexdigest()
        == "fc37fd690f36c9280b6e47e9961d322e1473d94cabdecff6c9055f3c965bd22d"
    )


def test_epc_payload_with_text_and_no_bic() -> None:
    payload = epc_payload(
        NAME, "NL91 ABNA 0417 1643 00", Decimal("1234.5"), text="Factuur F2026-0412"
    )
    data = payload.encode("utf-8")
    assert len(data) == 100
    assert (
        hashlib.sha256(data).hexdigest()
        == "abc1615d9feb7a6961b3e3c25837eaadd79da8b0ef3f93493c7043bb685da037"
    )
    assert payload.split("\n")[9] == "" and payload.split("\n")[10] == "Factuur F2026-0412"


def test_epc_payload_keeps_empty_middle_lines_and_info() -> None:
    payload = epc_payload(NAME, IBAN, Decimal("10"), purpose="GDDS", info="Dank u")
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        NAME,
        IBAN,
        "EUR10.00",
        "GDDS",
        "",
        "",
        "Dank u",
    ]


def test_epc_payload_utf8_name_counts_bytes() -> None:
    payload = epc_payload("Müller & Söhne", "DE89370400440532013000", Decimal("0.01"))
    assert payload.endswith("EUR0.01") and not payload.endswith("\n")


NEGATIVE = [
    ("both-reference-and-text", dict(reference="RF70F20260412", text="Factuur"), "never both"),
    ("name-over-70", dict(name="X" * 71), "beneficiary name"),
    ("text-over-140", dict(text="x" * 141), "text is 141"),
    ("reference-over-35", dict(reference="RF" + "1" * 34), "35"),
    ("reference-not-rf", dict(reference="+++123/4567/89002+++"), "RF"),
    ("amount-zero", dict(amount=Decimal("0.00")), "outside"),
    ("amount-too-large", dict(amount=Decimal("1000000000.00")), "outside"),
    ("amount-three-decimals", dict(amount=Decimal("12.345")), "two decimals"),
    ("amount-negative", dict(amount=Decimal("-5")), "outside"),
    ("v001-without-bic", dict(version="001"), "requires a BIC"),
    ("bad-iban", dict(iban="NL91ABNA0417164301"), "IBAN"),
    ("bad-bic", dict(bic="ABN"), "BIC"),
    ("newline-in-text", dict(text="a\nb"), "one line"),
    ("payload-over-331-bytes", dict(name="€" * 70, text="€" * 140, reference=None), "331"),
    ("empty-name", dict(name="  "), "empty"),
]


@pytest.mark.parametrize(
    ("overrides", "message"), [(o, m) for _, o, m in NEGATIVE], ids=[i for i, *_ in NEGATIVE]
)
def test_epc_payload_rejects(overrides: dict[str, object], message: str) -> None:
    args: dict[str, object] = dict(name=NAME, iban=IBAN, amount=Decimal("1234.50"))
    args.update(overrides)
    with pytest.raises(ValueError, match=message):
        epc_payload(**args)  # type: ignore[arg-type]
