"""How a CSV export is written: its encoding and its field separator.

Accounting packages write UTF-8 (with or without a byte order mark) or Windows-1252 ("ANSI",
the default of Excel and of older desktop packages), and separate fields with ``,``, ``;``
or a tab. Nothing here guesses silently: the encoding is taken from a byte order mark, else
the first of the allowed encodings that decodes every byte; the separator is the configured
one or what :class:`csv.Sniffer` finds among ``,`` ``;`` and tab. Both are returned so the
import can say which were used.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from dataclasses import dataclass

ENCODINGS = ("utf-8", "windows-1252")
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t"}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class CsvTextError(ValueError):
    """The bytes cannot be read as text in an allowed encoding, or the separator is unclear."""


@dataclass(frozen=True, slots=True)
class CsvText:
    text: str
    encoding: str  # what was used, e.g. "utf-8 (BOM)", "windows-1252"
    delimiter: str


def decode(data: bytes, encodings: Sequence[str] = ("utf-8",)) -> tuple[str, str]:
    """(text, encoding used). A UTF-8 byte order mark decides; otherwise the first encoding
    of ``encodings`` that decodes the whole file. Windows-1252 decodes nearly any bytes, so
    it belongs last: a UTF-8 file is then never read as Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8 (BOM)"
        except UnicodeDecodeError as exc:
            raise CsvTextError(
                f"the file starts with a UTF-8 byte order mark, but byte "
                f"{exc.start + len(codecs.BOM_UTF8)} is not UTF-8"
            ) from exc
    tried = []
    for name in encodings:
        try:
            text = data.decode(_codec(name))
        except UnicodeDecodeError as exc:
            tried.append(f"{name} (byte {exc.start})")
            continue
        if "\x00" in text:
            raise CsvTextError("file contains NUL bytes; it is not a text CSV")
        return text, name
    hint = "" if "windows-1252" in encodings else "; if it is Windows-1252 (ANSI), say so"
    raise CsvTextError(f"the file is not {' or '.join(tried)}{hint}")


def _codec(name: str) -> str:
    if name not in ENCODINGS:
        raise CsvTextError(f"unsupported encoding {name!r} (use {', '.join(ENCODINGS)})")
    return "cp1252" if name == "windows-1252" else "utf-8"


def delimiter_of(text: str, configured: str = "auto", *, header_line: int = 1) -> str:
    """The configured separator, or the one :class:`csv.Sniffer` finds in the first lines
    from the header on. A file whose header has a single column cannot tell: error."""
    if configured != "auto":
        try:
            return DELIMITERS[configured]
        except KeyError:
            raise CsvTextError(
                f"unsupported delimiter {configured!r} (use ',', ';', tab or auto)"
            ) from None
    lines = text.splitlines()[header_line - 1 : header_line + 9]
    # The Sniffer's regular expressions are slow on huge lines: a sample is enough.
    sample = "\n".join(lines)[:65536]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        found = ""
    header = lines[0] if lines else ""
    if found not in _DELIMITER_NAMES or found not in header:
        raise CsvTextError(
            "cannot tell the field separator from the header line; set delimiter "
            "(',', ';' or tab) in the mapping"
        )
    return found


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def read_text(
    data: bytes, encodings: Sequence[str], delimiter: str = "auto", *, header_line: int = 1
) -> CsvText:
    text, used = decode(data, encodings)
    return CsvText(text, used, delimiter_of(text, delimiter, header_line=header_line))
