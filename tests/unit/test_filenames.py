"""Safe names for files and ZIP entries made from debtor ids and invoice numbers."""

from __future__ import annotations

import re

import pytest

from daemon.domain.filenames import EntryNames, short_hash, slug, unique_stem

SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")

HOSTILE = [
    ("zip-slip", "../../../tmp/evil"),
    ("absolute", "/etc/passwd"),
    ("backslashes", "..\\..\\windows\\evil"),
    ("drive-letter", "C:\\boot.ini"),
    ("control-chars", "F1\x1b[31m\x07\r\n"),
    ("dots-only", ".."),
    ("empty", ""),
    ("leading-dash", "-rf"),
    ("windows-device", "CON"),
    ("windows-device-ext", "nul.txt"),
    ("unicode", "Müller & Söhne"),
    ("very-long", "x" * 500),
]


@pytest.mark.parametrize("text", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_a_slug_is_one_plain_name(text: str) -> None:
    name = slug(text)
    assert SAFE.fullmatch(name) and ".." not in name and len(name) <= 49
    assert name.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}


def test_values_that_slug_alike_keep_apart() -> None:
    assert slug("D 1") == slug("D/1") == "D_1"
    assert unique_stem("D 1") != unique_stem("D/1")
    assert unique_stem("F2026-0001") == "F2026-0001"  # an ordinary number is kept as it is
    assert short_hash("D 1") == short_hash("D 1") and len(short_hash("x")) == 8


def test_entry_names_are_unique_ignoring_case_and_reserved_names() -> None:
    names = EntryNames(("invoices/invoices.json",))
    made = [names.add("invoices", n, ".pdf") for n in ("F1", "f1", "F1", "invoices", "../x")]
    assert len({m.lower() for m in made}) == 5
    assert made[:2] == ["invoices/F1.pdf", "invoices/f1-2.pdf"]
    assert all(m.startswith("invoices/") and SAFE.fullmatch(m[9:]) for m in made)
