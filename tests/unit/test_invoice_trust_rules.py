"""Issue #11 rules without I/O: invoice numbers, PDF paths, one reference per debtor."""

from __future__ import annotations

import stat

import pytest

from daemon.domain.invoice_pdfs import (
    NO_FOLDER,
    PdfPolicy,
    candidate,
    content_problem,
    kind_problem,
    relative_parts,
    size_problem,
)
from daemon.domain.references import ReferenceClaim, foreign_claims
from parsers.identifiers import MAX_NUMBER_LENGTH, check_number
from parsers.invoices import parse_invoice_file

SAFE_NUMBERS = [
    pytest.param("F2026-0412", id="prefix-year-seq"),
    pytest.param("2026/0001", id="slash-year"),
    pytest.param("INV.2026.12", id="dots"),
    pytest.param("2026_00017", id="underscore"),
    pytest.param("12345", id="digits-only"),
    pytest.param("a", id="one-letter"),
    pytest.param("VF/2026/04/0012", id="several-slashes"),
    pytest.param("F" * MAX_NUMBER_LENGTH, id="at-length-limit"),
]

UNSAFE_NUMBERS = [
    pytest.param("", "empty", id="empty"),
    pytest.param("../../../tmp/evil", "'..'", id="zip-slip"),
    pytest.param("F..1", "'..'", id="dot-dot-inside"),
    pytest.param("/etc/passwd", "start and end", id="leading-slash"),
    pytest.param("F2026/", "start and end", id="trailing-slash"),
    pytest.param(".F2026", "start and end", id="leading-dot"),
    pytest.param("F2026.", "start and end", id="trailing-dot"),
    pytest.param("F2026//1", "start and end", id="empty-part"),
    pytest.param("F2026/.x", "start and end", id="hidden-part"),
    pytest.param("-F2026", "start and end", id="leading-dash-option-like"),
    pytest.param("F 2026", "SPACE", id="space"),
    pytest.param("F\t2026", "U+0009", id="tab"),
    pytest.param("F1\r\nBcc: x@y", "U+000D", id="crlf-header-injection"),
    pytest.param("F1\x00", "U+0000", id="nul"),
    pytest.param("F1>.1@evil", "'>'", id="message-id-angle"),
    pytest.param("F1\\..\\x", "'\\\\'", id="backslash"),
    pytest.param("Fä2026", "LATIN SMALL LETTER A WITH DIAERESIS", id="non-ascii"),
    pytest.param("F\u202e2026", "U+202E", id="bidi-override"),
    pytest.param("F1;rm", "';'", id="semicolon"),
    pytest.param("F" * (MAX_NUMBER_LENGTH + 1), "longer than", id="too-long"),
]


@pytest.mark.parametrize("number", SAFE_NUMBERS)
def test_safe_invoice_numbers(number: str) -> None:
    assert check_number(number) is None


@pytest.mark.parametrize(("number", "why"), UNSAFE_NUMBERS)
def test_unsafe_invoice_numbers(number: str, why: str) -> None:
    problem = check_number(number)
    assert problem is not None and why in problem, problem
    assert "\r" not in problem and "\n" not in problem  # the message is one line


def test_csv_refuses_a_bad_number_naming_line_and_column() -> None:
    data = (
        b"number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
        b"F2026-0001,D1,A,a@x.nl,2026-01-01,2026-01-31,10.00\n"
        b"../evil,D1,A,a@x.nl,2026-01-01,2026-01-31,10.00\n"
    )
    result = parse_invoice_file(data, source="x.csv")
    assert [r.number for r in result.records] == ["F2026-0001"]
    assert result.records[0].line == 2
    (error,) = result.errors
    assert (error.line, error.column) == (3, "number") and "'..'" in error.message


POLICY = PdfPolicy("/srv/invoices", 1000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("F1.pdf", "/srv/invoices/F1.pdf", id="relative-inside"),
        pytest.param("2026/F1.pdf", "/srv/invoices/2026/F1.pdf", id="relative-subfolder"),
        pytest.param("/srv/invoices/F1.pdf", "/srv/invoices/F1.pdf", id="absolute-inside"),
        pytest.param("/etc/passwd", "/etc/passwd", id="absolute-outside-left-to-realpath"),
        pytest.param("../x.pdf", "/srv/invoices/../x.pdf", id="dot-dot-left-to-realpath"),
    ],
)
def test_pdf_candidate_path(value: str, expected: str) -> None:
    assert candidate(value, POLICY) == (expected, None)


@pytest.mark.parametrize(
    ("value", "policy", "why"),
    [
        pytest.param("F1.pdf", PdfPolicy(""), NO_FOLDER, id="no-folder-configured"),
        pytest.param("F1\n.pdf", POLICY, "control characters", id="newline"),
        pytest.param("F1\x00.pdf", POLICY, "control characters", id="nul"),
        pytest.param("   ", POLICY, "empty", id="blank"),
        pytest.param("a" * 2000, POLICY, "longer than", id="too-long"),
    ],
)
def test_pdf_candidate_refused(value: str, policy: PdfPolicy, why: str) -> None:
    path, problem = candidate(value, policy)
    assert path is None and problem is not None and why in problem


@pytest.mark.parametrize(
    ("real", "folder", "parts"),
    [
        pytest.param("/srv/inv/F1.pdf", "/srv/inv", ("F1.pdf",), id="file-in-folder"),
        pytest.param("/srv/inv/a/F1.pdf", "/srv/inv", ("a", "F1.pdf"), id="subfolder"),
        pytest.param("/srv/inv", "/srv/inv", None, id="the-folder-itself"),
        pytest.param("/srv/invoices-old/F1.pdf", "/srv/inv", None, id="sibling-with-prefix"),
        pytest.param("/etc/passwd", "/srv/inv", None, id="elsewhere"),
        pytest.param("/proc/self/environ", "/srv/inv", None, id="proc"),
        pytest.param("/srv/inv/../x", "/srv/inv", None, id="dot-dot-normalised-out"),
        pytest.param("F1.pdf", "/srv/inv", None, id="relative-is-never-inside"),
    ],
)
def test_relative_parts(real: str, folder: str, parts: tuple[str, ...] | None) -> None:
    assert relative_parts(real, folder) == parts


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        pytest.param(stat.S_IFREG | 0o644, None, id="regular-file"),
        pytest.param(stat.S_IFDIR | 0o755, "directory", id="directory"),
        pytest.param(stat.S_IFLNK | 0o777, "symbolic link", id="symlink"),
        pytest.param(stat.S_IFIFO | 0o644, "FIFO", id="fifo"),
        pytest.param(stat.S_IFSOCK | 0o644, "socket", id="socket"),
        pytest.param(stat.S_IFCHR | 0o666, "character device", id="char-device"),
        pytest.param(stat.S_IFBLK | 0o660, "block device", id="block-device"),
    ],
)
def test_only_regular_files(mode: int, why: str | None) -> None:
    problem = kind_problem(mode)
    assert (problem is None) if why is None else (problem is not None and why in problem)


@pytest.mark.parametrize(
    ("size", "why"),
    [
        pytest.param(1000, None, id="at-limit"),
        pytest.param(1001, "invoices.pdf_max_bytes", id="over-limit"),
        pytest.param(0, "empty", id="empty-like-proc-files"),
    ],
)
def test_size_limit(size: int, why: str | None) -> None:
    problem = size_problem(size, POLICY)
    assert (problem is None) if why is None else (problem is not None and why in problem)


@pytest.mark.parametrize(
    ("head", "ok"),
    [
        pytest.param(b"%PDF-1.7", True, id="pdf"),
        pytest.param(b"root:x:0:0", False, id="passwd"),
        pytest.param(b" %PDF-1.7", False, id="leading-space"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_pdf_magic(head: bytes, ok: bool) -> None:
    assert (content_problem(head) is None) is ok


def claim(ref: str, debtor: str, number: str, where: str = "f.csv") -> ReferenceClaim:
    return ReferenceClaim(ref, debtor, number, where)


@pytest.mark.parametrize(
    ("batch", "stored", "expected"),
    [
        pytest.param([claim("R1", "D1", "F1")], [], [None], id="new-reference"),
        pytest.param(
            [claim("R1", "D1", "F1"), claim("R1", "D2", "F2")],
            [],
            [None, "F1"],
            id="same-file-other-debtor",
        ),
        pytest.param(
            [claim("R1", "D1", "F1"), claim("R1", "D1", "F2")],
            [],
            [None, None],
            id="same-debtor-twice",
        ),
        pytest.param(
            [claim("R1", "D2", "F2")],
            [claim("R1", "D1", "F1", "the database")],
            ["F1"],
            id="database-other-debtor",
        ),
        pytest.param(
            [claim("R1", "D1", "F1")],
            [claim("R1", "D1", "F1", "the database")],
            [None],
            id="reimport-same-invoice",
        ),
        pytest.param(
            [claim("R1", "D2", "F1")],
            [claim("R1", "D1", "F1", "the database")],
            [None],
            id="invoice-moves-to-another-debtor-with-its-reference",
        ),
        pytest.param(
            [claim("R1", "D1", "F3")],
            [claim("R1", "D1", "F1", "db"), claim("R1", "D2", "F2", "db")],
            ["F2"],
            id="old-database-already-shared",
        ),
    ],
)
def test_one_reference_one_debtor(
    batch: list[ReferenceClaim], stored: list[ReferenceClaim], expected: list[str | None]
) -> None:
    found = foreign_claims(batch, stored)
    assert [c.number if c else None for c in found] == expected
