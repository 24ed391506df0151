"""Render an EPC QR payload as PNG with segno (error level M, version ≤ 13 per EPC069-12)."""

from __future__ import annotations

import io

MAX_EPC_VERSION = 13


def epc_qr_png(payload: str, *, scale: int = 4) -> bytes:
    """PNG bytes of the QR code; ValueError when the payload needs a version above 13."""
    import segno  # lazy: ~8 MB resident, loaded on the first reminder, not by an idle daemon

    qr = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8")
    if not isinstance(qr.version, int) or qr.version > MAX_EPC_VERSION:
        raise ValueError(f"EPC QR needs version {qr.version}; the maximum is {MAX_EPC_VERSION}")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
