"""The checked PDF read (daemon.adapters.invoice_pdfs) on a real file system, including the
races between the check and the read (issue #11)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daemon.adapters.invoice_pdfs import PdfRefused, pdf_problem, read_pdf
from daemon.domain.invoice_pdfs import PdfPolicy

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    inside = tmp_path / "pdfs"
    (inside / "2026").mkdir(parents=True)
    (inside / "2026" / "F1.pdf").write_bytes(PDF)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "F1.pdf").write_bytes(PDF)
    return inside


def test_reads_a_pdf_inside_the_folder_also_through_an_inner_symlink(folder: Path) -> None:
    policy = PdfPolicy(str(folder), 1024)
    (folder / "latest.pdf").symlink_to(folder / "2026" / "F1.pdf")  # stays inside: fine
    assert read_pdf("2026/F1.pdf", policy) == PDF
    assert read_pdf(str(folder / "2026" / "F1.pdf"), policy) == PDF
    assert read_pdf("latest.pdf", policy) == PDF
    assert pdf_problem("2026/F1.pdf", policy) is None


def test_file_over_the_size_limit_is_refused(folder: Path) -> None:
    policy = PdfPolicy(str(folder), 1024)
    (folder / "big.pdf").write_bytes(PDF + b"x" * 2000)
    with pytest.raises(PdfRefused, match="pdf_max_bytes"):
        read_pdf("big.pdf", policy)


def test_directory_swapped_for_a_symlink_after_realpath_is_not_followed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: realpath saw pdfs/2026/F1.pdf; then 2026 became a link out of the folder.
    Opening the resolved path by name would follow it; the walk with O_NOFOLLOW does not."""
    policy = PdfPolicy(str(folder), 1024)
    resolved = {str(folder): str(folder), str(folder / "2026/F1.pdf"): str(folder / "2026/F1.pdf")}
    real = os.path.realpath

    def realpath_before_the_swap(path: str, *, strict: bool = False) -> str:
        return resolved.get(path) or real(path, strict=strict)

    (folder / "2026" / "F1.pdf").unlink()
    (folder / "2026").rmdir()
    (folder / "2026").symlink_to(folder.parent / "outside")
    monkeypatch.setattr(os.path, "realpath", realpath_before_the_swap)
    with pytest.raises(PdfRefused, match="symbolic link"):
        read_pdf("2026/F1.pdf", policy)


def test_file_swapped_for_a_symlink_after_realpath_is_not_followed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = PdfPolicy(str(folder), 1024)
    target = str(folder / "2026" / "F1.pdf")
    real = os.path.realpath
    monkeypatch.setattr(
        os.path,
        "realpath",
        lambda path, *, strict=False: target if path == target else real(path, strict=strict),
    )
    os.unlink(target)
    os.symlink("/etc/passwd", target)
    with pytest.raises(PdfRefused, match="symbolic link"):
        read_pdf("2026/F1.pdf", policy)


def test_fifo_does_not_hang_the_reader(folder: Path) -> None:
    os.mkfifo(folder / "F2.pdf")
    problem = pdf_problem("F2.pdf", PdfPolicy(str(folder), 1024))
    assert problem is not None and "FIFO" in problem


def test_missing_folder_names_the_key(tmp_path: Path) -> None:
    problem = pdf_problem("F1.pdf", PdfPolicy(str(tmp_path / "gone"), 1024))
    assert problem is not None and problem.startswith("invoices.pdf_dir ")
