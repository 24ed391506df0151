"""Which bank format a file is, judged from its content, and one entry point to read it.

File names lie (``.txt``, ``.sta``, ``.940``, ``.swi``, ``.xml`` are all seen for both
formats), so only the bytes decide. Zip archives are unpacked by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import IO

from parsers.bank import BankFormatError, Payment, Statement
from parsers.camt import StatementEnd, iter_camt, parse_camt
from parsers.mt940 import iter_mt940, parse_mt940

_MT_TAG = re.compile(rb"(?m)^\s*(?:\{4:\s*)?:(?:20|25|28C?|60F|61|86):")
_SNIFF = 4096
_HEAD = 64 * 1024  # detect_format looks no further


def detect_format(data: bytes) -> str:
    """Return "camt" or "mt940" (MT942 included), or raise BankFormatError with a hint."""
    head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf\x00\r\n\t \x1a")
    if head.startswith(b"<") and (b"camt." in head or b"BkToCstmr" in head):
        return "camt"
    if head.startswith(b"<"):
        if b"BkToCstmr" in data[: 64 * 1024]:
            return "camt"
        raise BankFormatError(
            "unknown bank format: XML but not an ISO 20022 CAMT.052/053/054 message "
            "(no BkToCstmr... element near the start)"
        )
    if _MT_TAG.search(head) or b"{4:" in head:
        return "mt940"
    if head.startswith(b"PK\x03\x04"):
        raise BankFormatError("unknown bank format: a zip archive; unpack it first")
    if head.startswith(b"%PDF"):
        raise BankFormatError(
            "unknown bank format: a PDF; ask the bank for CAMT.053 (XML) or MT940 instead"
        )
    raise BankFormatError(
        "unknown bank format: expected CAMT.053/052/054 XML or MT940/MT942 text "
        "(lines like ':20:', ':25:', ':61:')"
    )


def parse_statement_bytes(data: bytes, *, source: str) -> list[Statement]:
    """Every statement in a bank file. Only BankFormatError escapes, whatever the bytes."""
    kind = detect_format(data)
    try:
        if kind == "camt":
            return parse_camt(data, source=source)
        return parse_mt940(data, source=source)
    except BankFormatError:
        raise
    except (ValueError, ArithmeticError, LookupError, TypeError, RecursionError) as exc:
        # A bug of ours meeting odd bytes must still land in the human queue as a format
        # error, never crash the daemon.
        raise BankFormatError(f"{source}: unreadable {kind} file: {exc!r}") from exc


def iter_statement_items(
    data: bytes | IO[bytes], *, source: str
) -> Iterator[Payment | StatementEnd]:
    """Every payment as it is read, then a StatementEnd (header and balances, no payments)
    per statement: a bank file in bounded memory. ``data`` may be a seekable binary stream;
    its format is judged from its head. Only BankFormatError escapes, whatever the bytes.

    An MT940 payment read before a later ``:25:`` changed the account (not seen in real
    files) keeps the earlier account here; :func:`parse_statement_bytes` corrects it."""
    if isinstance(data, bytes | bytearray):
        head = bytes(data[:_HEAD])
    else:
        start = data.tell()
        head = data.read(_HEAD)
        data.seek(start)
    kind = detect_format(head)
    items = iter_camt(data, source=source) if kind == "camt" else iter_mt940(data, source=source)
    try:
        yield from items
    except BankFormatError:
        raise
    except (ValueError, ArithmeticError, LookupError, TypeError, RecursionError) as exc:
        raise BankFormatError(f"{source}: unreadable {kind} file: {exc!r}") from exc


def statement_items(statements: list[Statement]) -> Iterator[Payment | StatementEnd]:
    """Parsed statements as the stream :func:`iter_statement_items` gives."""
    for statement in statements:
        yield from statement.payments
        yield StatementEnd(replace(statement, payments=()))
