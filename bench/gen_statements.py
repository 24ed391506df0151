"""Write a 100,000-entry CAMT.053 and a 100,000-entry MT940 (ING-style :86:) into bench/out/.

.venv/bin/python bench/gen_statements.py [--entries N]
"""

from __future__ import annotations

import argparse
import random
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
IBAN = "NL91ABNA0417164300"


def amounts(n: int, seed: int = 7) -> list[tuple[Decimal, bool]]:
    rnd = random.Random(seed)
    return [(Decimal(rnd.randint(100, 250_000)) / 100, rnd.random() < 0.7) for _ in range(n)]


def write_camt(path: Path, n: int) -> None:
    rows = amounts(n)
    total = sum((a if credit else -a for a, credit in rows), Decimal(0))
    with path.open("w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:'
            'tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId>'
            "<CreDtTm>2024-03-01T06:00:00</CreDtTm></GrpHdr><Stmt><Id>BENCH-1</Id>"
            f"<ElctrncSeqNb>1</ElctrncSeqNb><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>'
            "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-02-29</Dt></Dt></Bal>"
            "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="EUR">{abs(1000 + total):.2f}</Amt><CdtDbtInd>'
            f"{'CRDT' if 1000 + total >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>\n"
        )
        for i, (amount, credit) in enumerate(rows):
            cd, side = ("CRDT", "Dbtr") if credit else ("DBIT", "Cdtr")
            f.write(
                f'<Ntry><NtryRef>{i}</NtryRef><Amt Ccy="EUR">{amount:.2f}</Amt><CdtDbtInd>{cd}'
                "</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-03-01</Dt></BookgDt><ValDt><Dt>"
                f"2024-03-01</Dt></ValDt><AcctSvcrRef>REF{i:010d}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT"
                "</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>"
                f'<TxDtls><Refs><EndToEndId>E2E{i}</EndToEndId></Refs><Amt Ccy="EUR">{amount:.2f}'
                f"</Amt><RltdPties><{side}><Nm>Klant {i % 997} BV</Nm></{side}><{side}Acct><Id><IBAN>"
                f"NL02RABO{i:010d}</IBAN></Id></{side}Acct></RltdPties><RltdAgts><{side}Agt>"
                f"<FinInstnId><BIC>RABONL2U</BIC></FinInstnId></{side}Agt></RltdAgts><RmtInf><Ustrd>"
                f"Factuur 2024-{i:06d} klantnummer {i % 997}</Ustrd></RmtInf></TxDtls></NtryDtls>"
                "<AddtlNtryInf>SEPA OVERBOEKING</AddtlNtryInf></Ntry>\n"
            )
        f.write("</Stmt></BkToCstmrStmt></Document>\n")


def write_mt940(path: Path, n: int) -> None:
    rows = amounts(n)
    total = sum((a if credit else -a for a, credit in rows), Decimal(0))
    closing = 1000 + total

    def money(v: Decimal) -> str:
        return f"{abs(v):.2f}".replace(".", ",")

    with path.open("w", encoding="utf-8", newline="\r\n") as f:
        f.write(
            "{1:F01INGBNL2ABXXX0000000000}\n{2:I940INGBNL2AXXXN}\n{4:\n:20:P240301000000001\n"
            f":25:{IBAN}EUR\n:28C:00001\n:60F:C240229EUR1000,00\n"
        )
        for i, (amount, credit) in enumerate(rows):
            cd = "C" if credit else "D"
            info = (
                f"/EREF/E2E{i:012d}//CNTP/NL02RABO{i:010d}/RABONL2U/KLANT {i % 997} BV///REMI/"
                f"USTD//Factuur 2024-{i:06d} klantnummer {i % 997}/"
            )
            f.write(f":61:2403010301{cd}{money(amount)}NTRFEREF//{i:014d}\n/TRCD/00100/\n")
            f.write(":86:" + info[:61] + "\n")
            rest = info[61:]
            while rest:
                f.write(rest[:65] + "\n")
                rest = rest[65:]
        f.write(f":62F:{'C' if closing >= 0 else 'D'}240301EUR{money(closing)}\n-}}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    write_camt(OUT / "camt053_100k.xml", args.entries)
    write_mt940(OUT / "mt940_100k.sta", args.entries)
    for p in sorted(OUT.iterdir()):
        print(f"{p}  {p.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
