"""Hand-over dossiers are never lost and never unpack outside the agency's folder (#11).

Every hand-over writes a new file: two on one day, or two debtors whose ids map to the same
file-name characters ("D 1", "D/1"), each keep their own dossier. Entry names inside the ZIP are
made safe from the invoice number, so an old database holding ``../../../tmp/evil`` yields an
entry that stays inside the folder whether the agency unpacks with ``zipfile.extractall`` or a
naive ``os.path.join(dest, name)``.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.integration.human_world import NOW, World

# What an old database may hold: numbers imported before the import checked them.
EVIL_NUMBERS = [
    "../../../tmp/evil",
    "/etc/cron.d/evil",
    "..\\..\\windows\\evil",
    "C:\\evil",
    "F\x1b[31m\x07evil",
    "F2026-0001",
    "f2026-0001",  # the same name to a case-insensitive file system
]
SAFE_ENTRY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*")


def handover(w: World, key: str, out: Path) -> dict[str, object]:
    result: dict[str, object] = w.cli_json(
        "handover", key, "--agency", "Incasso Noord B.V.", "--out", str(out), "--now", NOW
    )
    return result


def summary_of(path: object) -> dict[str, object]:
    with zipfile.ZipFile(str(path)) as z:
        summary: dict[str, object] = json.loads(z.read("summary.json"))
    return summary


def test_two_handovers_of_one_debtor_on_one_day_keep_both_dossiers(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.debtor("ACME")
    w.invoice("F2026-0001", "ACME", 50000)
    w.invoice("F2026-0002", "ACME", 70000)
    out = tmp_path / "dossiers"
    first = handover(w, "F2026-0001", out)
    second = handover(w, "F2026-0002", out)
    assert first["dossier"] != second["dossier"]
    assert [i["number"] for i in summary_of(first["dossier"])["invoices"]] == ["F2026-0001"]  # type: ignore[index]
    assert [i["number"] for i in summary_of(second["dossier"])["invoices"]] == ["F2026-0002"]  # type: ignore[index]
    assert len(list(out.glob("dossier-*.zip"))) == 2
    assert not list(out.glob("*.tmp"))  # nothing half-written left behind


def test_debtor_ids_that_map_to_one_file_name_keep_their_own_dossiers(tmp_path: Path) -> None:
    w = World(tmp_path)
    for debtor, number in (("D 1", "F2026-0101"), ("D/1", "F2026-0102"), ("D_1", "F2026-0103")):
        w.debtor(debtor)
        w.invoice(number, debtor, 40000)
    out = tmp_path / "dossiers"
    paths = {debtor: handover(w, debtor, out)["dossier"] for debtor in ("D 1", "D/1", "D_1")}
    assert len(set(paths.values())) == 3
    for debtor, path in paths.items():
        assert summary_of(path)["debtor"]["id"] == debtor  # type: ignore[index]
        assert Path(str(path)).parent == out  # "D/1" made no sub-folder


@pytest.fixture
def evil(tmp_path: Path) -> tuple[World, dict[str, bytes]]:
    w = World(tmp_path, extra_config=f'\n[invoices]\npdf_dir = "{tmp_path / "pdf"}"\n')
    w.debtor("ACME")
    pdfs = {}
    for n, number in enumerate(EVIL_NUMBERS):
        w.invoice(number, "ACME", 10000 + n)
        pdf = tmp_path / "pdf" / f"{n}.pdf"
        pdf.parent.mkdir(exist_ok=True)
        pdfs[number] = f"%PDF-1.4 invoice {n}\n%%EOF\n".encode()
        pdf.write_bytes(pdfs[number])
        w.store.execute("UPDATE invoices SET pdf_path = ? WHERE number = ?", (str(pdf), number))
    return w, pdfs


def test_entry_names_are_safe_and_the_dossier_holds_every_invoice(
    evil: tuple[World, dict[str, bytes]], tmp_path: Path
) -> None:
    w, pdfs = evil
    result = handover(w, "ACME", tmp_path / "dossiers")
    with zipfile.ZipFile(str(result["dossier"])) as z:
        names = z.namelist()
        for name in names:
            assert SAFE_ENTRY.fullmatch(name), name
            assert ".." not in name.split("/") and not name.startswith("/")
        assert len({n.lower() for n in names}) == len(names)
        # Positive control: every invoice and its own PDF are there, tied by invoices.json.
        invoices = json.loads(z.read("invoices/invoices.json"))
        assert sorted(i["number"] for i in invoices) == sorted(EVIL_NUMBERS)
        for i in invoices:
            assert z.read(i["pdf_file"]) == pdfs[i["number"]]
        assert "invoices/F2026-0001.pdf" in names  # an ordinary number keeps its name


def _files_under(root: Path) -> set[Path]:
    return {p.resolve() for p in root.rglob("*") if p.is_file()}


def test_an_agency_unpacking_the_dossier_stays_in_its_folder(
    evil: tuple[World, dict[str, bytes]], tmp_path: Path
) -> None:
    w, _ = evil
    result = handover(w, "ACME", tmp_path / "dossiers")
    agency = tmp_path / "agency"
    before = _files_under(tmp_path)

    # 1. Python's own extractall.
    dest = agency / "a" / "b" / "c" / "extractall"
    with zipfile.ZipFile(str(result["dossier"])) as z:
        z.extractall(dest)
        expected = len([i for i in z.infolist() if not i.is_dir()])
    # 2. A naive unpacker: os.path.join(dest, name) and write, as scripts often do.
    naive = agency / "a" / "b" / "c" / "naive"
    with zipfile.ZipFile(str(result["dossier"])) as z:
        for info in z.infolist():
            target = os.path.join(naive, info.filename)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(z.read(info))

    new = _files_under(tmp_path) - before
    for folder in (dest, naive):
        inside = {p for p in new if p.is_relative_to(folder.resolve())}
        assert len(inside) == expected
    outside = [p for p in new if not any(p.is_relative_to(f.resolve()) for f in (dest, naive))]
    assert not outside


def test_a_pdf_path_outside_the_invoice_folder_stays_out_of_the_dossier(tmp_path: Path) -> None:
    """An old database may name any file as an invoice's PDF: only invoices.pdf_dir is read."""
    (tmp_path / "pdf").mkdir()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 not an invoice: a private file\n%%EOF\n")
    w = World(tmp_path, extra_config=f'\n[invoices]\npdf_dir = "{tmp_path / "pdf"}"\n')
    w.debtor("ACME")
    w.invoice("F2026-0001", "ACME", 50000)
    w.store.execute("UPDATE invoices SET pdf_path = ? WHERE number = 'F2026-0001'", (str(secret),))
    result = handover(w, "ACME", tmp_path / "dossiers")
    with zipfile.ZipFile(str(result["dossier"])) as z:
        assert not [n for n in z.namelist() if n.endswith(".pdf")]
        (invoice,) = json.loads(z.read("invoices/invoices.json"))
        assert invoice["pdf_file"] is None and "outside invoices.pdf_dir" in invoice["pdf_refused"]
        assert b"private file" not in b"".join(z.read(n) for n in z.namelist())
