from decimal import Decimal

import pytest
import segno

from daemon.adapters.qr import epc_qr_png
from daemon.domain.epc_qr import epc_payload


def test_epc_qr_png_is_a_png_within_version_13() -> None:
    payload = epc_payload(
        "Voorbeeld Installatietechniek B.V.",
        "NL91ABNA0417164300",
        Decimal("1234.50"),
        bic="ABNANL2A",
        reference="RF70F20260412",
    )
    png = epc_qr_png(payload)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8").version <= 13


def test_largest_allowed_payload_fits_version_13() -> None:
    payload = epc_payload(
        "N" * 70,
        "NL91ABNA0417164300",
        Decimal("999999999.99"),
        bic="ABNANL2AXXX",
        text="t" * 122,
        purpose="GDDS",
        info="i" * 70,
    )
    assert len(payload.encode()) == 331
    assert epc_qr_png(payload).startswith(b"\x89PNG")


def test_payload_needing_a_larger_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        epc_qr_png("é" * 300)
