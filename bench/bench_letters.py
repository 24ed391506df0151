"""Time per letter and memory: compose + render a formal letter (1 page) and a long statement
(40 invoices, 2+ pages), with and without a 3-page terms PDF appended.

    .venv/bin/python bench/bench_letters.py [--letters 200]
    .venv/bin/python bench/bench_letters.py --sample docs/sample-letter.png [--lang de]

``--sample`` writes page 1 of the one-invoice letter as a small PNG (16 grey-blue levels, as
README's sample) instead of timing: the README image is made by this command.

Each case runs in its own process (peak RSS is per process); imports, the template
environment and the first letter (fpdf2's import, font metrics, segno) are warmed up before
the clock starts.
Prints one JSON line per case: wall and CPU ms per letter (median of 5 rounds; CPU time is
the figure to trust on a busy machine), the first letter (which
imports fpdf2), PDF bytes, pages, RSS before the first letter and peak RSS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASE = r"""
import io, json, resource, statistics, sys, time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from daemon.adapters.letter_pdf import LetterAssets, render_letter
from daemon.app.letters import compose_letter
from daemon.config import Config, OfficeSettings
from daemon.domain.dunning_planner import Action, ActionKind
from daemon.domain.letter import PostalAddress
from daemon.domain.statement_of_account import InvoiceItem, compute_charges
from parsers.references import generate_rf

invoices_n, letters_n, with_terms = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
sample, lang = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, "nl")
config = replace(Config(), office=OfficeSettings(
    name="Voorbeeld Installatietechniek B.V.", email="debiteuren@voorbeeld.nl",
    address=("Kanaalweg 1", "3526 KL Utrecht"), registration="12345678"))
today = date(2026, 3, 2)
items = tuple(
    InvoiceItem(number=f"F2026-{k:04d}", currency="EUR", amount=Decimal("1234.50") + k,
                open=Decimal("1234.50") + k, issue_date=date(2026, 1, 5),
                due_date=date(2026, 1, 19), reference=generate_rf(f"F2026-{k:04d}"),
                reference_kind="rf")
    for k in range(invoices_n)
)
charges = compute_charges(list(items), today, jurisdiction="NL", debtor_type="b2b", costs=True,
                          interest=True, after_notice=False, atw_extension=True,
                          vat_deductible=True)
action = Action(debtor_id="D-1001", action=ActionKind.EMAIL, reason="bench", kind="reminder",
                step=5, step_name="demand", template="demand", ladder="b2b", invoices=items,
                amount_due=sum((i.open for i in items), Decimal(0)), charges=charges,
                deadline=date(2026, 3, 11), message_key=items[0].number, channel="letter",
                language=lang)
address = {
    "de": PostalAddress("Bäckerei Müller GmbH", "Hauptstraße 5", "50667", "Köln", "DE"),
    "fr": PostalAddress("Boulangerie Dupont SARL", "12 rue de la République", "69002", "Lyon",
                        "FR"),
    "en": PostalAddress("Baker & Sons Ltd", "12 High Street", "CB2 1TN", "Cambridge", "GB"),
}.get(lang, PostalAddress("Bakkerij Jansen B.V.", "Oudegracht 12", "3511 AB", "Utrecht", "NL"))
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
terms = None
if with_terms:
    from daemon.adapters.letter_pdf import _pdf_class

    _pdf_class()  # fpdf2 loaded as the daemon loads it (without numpy)
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    for _ in range(3):
        pdf.add_page()
        pdf.multi_cell(0, 4, "Artikel 1. Betaling binnen veertien dagen. " * 120)
    terms = bytes(pdf.output())
assets = LetterAssets(terms_pdf=terms)

def one() -> bytes:
    letter = compose_letter(action, config, address, case_id=7, letter_date=today)
    return render_letter(letter, assets)

if sample:
    import pypdfium2 as pdfium
    document = pdfium.PdfDocument(one())
    image = document[0].render(scale=1.1).to_pil().quantize(colors=16)
    image.save(sample, format="PNG", optimize=True)
    print(json.dumps({"sample": sample, "language": lang, "size": image.size}))
    sys.exit(0)

start = time.perf_counter()
out = one()  # warm-up: the first letter imports fpdf2 (and pypdf with terms)
first_ms = (time.perf_counter() - start) * 1000
rounds, cpu = [], []
for _ in range(5):
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(letters_n):
        out = one()
    rounds.append((time.perf_counter() - start) * 1000 / letters_n)
    cpu.append((time.process_time() - start_cpu) * 1000 / letters_n)
from pypdf import PdfReader
print(json.dumps({
    "case": f"{invoices_n} invoice(s)" + (" + 3-page terms" if with_terms else ""),
    "ms_per_letter": round(statistics.median(rounds), 2),
    "cpu_ms_per_letter": round(statistics.median(cpu), 2),
    "pdf_bytes": len(out),
    "pages": len(PdfReader(io.BytesIO(out)).pages),
    "first_letter_ms": round(first_ms),
    "rss_before_first_letter_mb": round(rss_before, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=100, help="letters per round")
    parser.add_argument("--sample", metavar="PNG", help="write page 1 of a letter; no timing")
    parser.add_argument("--lang", default="nl", help="the sample's language (nl/en/de/fr)")
    args = parser.parse_args()
    if args.sample:
        sample = str(Path(args.sample).resolve())
        result = subprocess.run(
            [sys.executable, "-c", CASE, "1", "1", "0", sample, args.lang],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        print(result.stdout.strip())
        return
    for invoices, terms in ((1, "0"), (40, "0"), (1, "1")):
        result = subprocess.run(
            [sys.executable, "-c", CASE, str(invoices), str(args.letters), terms],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        print(result.stdout.strip())


if __name__ == "__main__":
    main()
