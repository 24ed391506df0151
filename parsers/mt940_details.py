"""The :86: information field of MT940/MT942 in the dialects Dutch and German banks write.

* Slash codes (ING /EREF/ /CNTP/ /REMI/USTD// and /REMI/STRD/CUR/, ABN AMRO /TRTP/ /IBAN/
  /BIC/ /NAME/, Rabobank /ORDP/ /BENM/ /ISDT/, Knab, bunq, Triodos SEPA, Van Lanschot).
* German ``?NN`` subfields (GVC first, ?20-?29 remittance, ?30 BIC, ?31 account, ?32/?33 name).
* Triodos ``>NN`` subfields.
* Anything else is free text; a leading IBAN (+BIC) and the old BETALINGSKENM./ACCEPTGIRO
  reference are still picked out.

Banks wrap :86: at 65 columns, often in the middle of a word or a reference. A full-width line
is therefore joined to the next one without a space; a shorter line ended for a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WRAP_WIDTH = 65

_CODES = (
    "EREF|PREF|MARF|CSID|CNTP|REMI|RTRN|RTYP|TRTP|IBAN|BIC|NAME|ADDR|ISDT|ORDP|BENM|PURP|ULTC|"
    "ULTD|ULTB|BUSP|SVCL|NRTX|PIND|FX|CHGS|EXCH|ORIG|SUM|ID|CDTRREF|CDTRREFTP"
)


def _by_first_letter(codes: list[str]) -> str:
    """An alternation grouped by first letter: the regex tries one group per "/", not 32 codes.

    Codes hold no "/" and one follows the group, so at most one code fits at a position and
    grouping cannot change what matches.
    """
    groups: dict[str, list[str]] = {}
    for code in codes:
        groups.setdefault(code[0], []).append(code[1:])
    return "|".join(f"{head}(?:{'|'.join(tails)})" for head, tails in groups.items())


_SLASH_CODE = re.compile(rf"/({_by_first_letter(_CODES.split('|'))})/")
_GERMAN = re.compile(r"\?\s*(\d\d)")
_TRIODOS = re.compile(r">(\d\d)")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z]{4}[A-Z0-9]{7,26}|[A-Z]{2}\d{2}\d{11,30}")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_KENMERK = re.compile(r"BETALINGSKENM\.?:?\s*([0-9][0-9 ]{6,30}[0-9])")
_CUR_REF = re.compile(r"(?:CUR\s+REF:|SCOR/CUR/|ISSUER:\s*CUR\s+REF:)\s*([0-9A-Z]{6,35})")
_ABN_LABEL = re.compile(
    r"\b(IBAN|BIC|NAAM):\s*(.+?)(?=\s{2,}|\s+(?:IBAN|BIC|NAAM|OMSCHRIJVING|KENMERK|"
    r"BETALINGSKENM\.?):|$)"
)
_GERMAN_START = re.compile(r"\d{3}\s*\?")
_TRIODOS_START = re.compile(r"\d{3}\s*>\d\d")
_FULL_DIGITS = re.compile(r"\d{9,10}")
_TRIODOS_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z]{4}\d{7,}")
_KNAB = re.compile(r"REK:\s*([A-Z0-9]+)\s*/\s*NAAM:\s*(.+)")
_SEPA_KEY = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")


@dataclass(frozen=True, slots=True)
class Details:
    remittance_lines: tuple[str, ...] = ()
    structured_references: tuple[str, ...] = ()
    end_to_end_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    return_reason: str | None = None
    transaction_type: str | None = None
    reversal_hint: bool = False
    text: str = ""  # the whole field, wraps rejoined


def looks_like_iban(value: str) -> bool:
    """IBAN shape only: anonymised bank files carry IBANs whose check digits do not add up."""
    return bool(_IBAN_SHAPE.fullmatch(value))


def unwrap(lines: list[str], first_width: int) -> list[str]:
    """Rejoin free-text words that a 65-column wrap cut; keep lines that ended on purpose apart.

    Only a letter-letter cut is joined: old column layouts (ABN AMRO) fill the line exactly and
    start a new number on the next one, which must stay a separate token.
    """
    out: list[str] = []
    carry = ""
    for n, line in enumerate(lines):
        width = len(line) + (first_width if n == 0 else 0)
        carry += line
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if width >= WRAP_WIDTH and line[-1:].isalpha() and following[:1].isalpha():
            continue
        out.append(carry)
        carry = ""
    if carry:
        out.append(carry)
    return [line.rstrip() for line in out]


# Details as a plain tuple, in field order: the parser builds one per entry.
DetailFields = tuple[
    tuple[str, ...],
    tuple[str, ...],
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    bool,
    str,
]


def parse_details(lines: list[str], first_width: int = 4) -> Details:
    """Read one :86: field given as its raw lines (the first without the ':86:' tag)."""
    return Details(*read_details(lines, first_width))


def read_details(lines: list[str], first_width: int = 4) -> DetailFields:
    """:func:`parse_details` as a tuple in :class:`Details` field order."""
    flat = "".join(lines)
    if "\r" in flat:
        lines = [line.rstrip("\r") for line in lines]
        flat = "".join(lines)
    probe = flat.lstrip()
    first = probe[:1]
    if first == "/":
        parts = _SLASH_CODE.split(probe)
        if len(parts) > 1:
            return _slash(probe, parts)
    elif first.isdigit():
        if _GERMAN_START.match(probe):
            return _german(probe)
        if _TRIODOS_START.match(probe):
            return _triodos(probe)
    return _free(unwrap(lines, first_width))


def _none_if_empty(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().strip("/").strip()
    return value or None


def _e2e(value: str | None) -> str | None:
    value = _none_if_empty(value)
    if value is None or value.upper() == "NOTPROVIDED":
        return None
    return value


def _refs_in(text: str) -> list[str]:
    refs: list[str] = []
    # Both patterns need their keyword: skip the scans when it is absent, as it mostly is.
    if "BETALINGSKENM" in text:
        refs += [m.group(1).replace(" ", "") for m in _KENMERK.finditer(text)]
    if "CUR" in text:
        refs += [m.group(1) for m in _CUR_REF.finditer(text)]
    return refs


def _slash(text: str, parts: list[str]) -> DetailFields:
    # ``parts`` is [lead, code, value, code, value, ...]; the first of a repeated code counts:
    # the pairs go into the dict from last to first, so that the first is the one it keeps.
    # (A plain loop: for the few codes a field has, cheaper than zipping slices.)
    fields: dict[str, str] = {}
    for i in range(len(parts) - 2, 0, -2):
        fields[parts[i]] = parts[i + 1]
    get = fields.get
    name = get("NAME")
    if name is not None:
        name = _none_if_empty(name)
    iban = get("IBAN")
    if iban is not None:
        iban = _none_if_empty(iban)
    bic = get("BIC")
    if bic is not None:
        bic = _none_if_empty(bic)
    cntp = get("CNTP")
    if cntp is not None:
        # ING: /CNTP/account/BIC/name/id/
        cparts = cntp.split("/", 3)
        cparts += ("", "", "")
        # The first three parts hold no "/": stripping blanks is all the cleaning they need.
        iban = iban or cparts[0].strip() or None
        bic = bic or cparts[1].strip() or None
        name = name or cparts[2].strip() or None
    remi = get("REMI", "")
    structured: list[str] = []
    remittance = remi
    upper = remi.upper()
    if upper.startswith("USTD//"):
        remittance = remi[6:]
    elif upper.startswith("STRD/"):
        ref = remi.split("/")[2].strip() if remi.count("/") >= 2 else ""
        if ref:
            structured.append(ref)
        remittance = ""
    if "BETALINGSKENM" in upper or "CUR" in upper:
        structured += _refs_in(upper)
    remittance = remittance.strip().rstrip("/").strip()
    rtrn = get("RTRN")
    reason = _none_if_empty(rtrn) if rtrn is not None else None
    kind = None
    if "TRTP" in fields or "RTYP" in fields:
        kind = _none_if_empty(get("TRTP")) or _none_if_empty(get("RTYP"))
    e2e = get("EREF")
    if e2e is not None:
        e2e = e2e.strip().strip("/").strip() or None
        if e2e is not None and e2e.upper() == "NOTPROVIDED":
            e2e = None
    return (
        (remittance,) if remittance else (),
        tuple(dict.fromkeys(r for r in structured if r)) if structured else (),
        e2e,
        name,
        iban,
        bic,
        reason.split("/")[0] if reason else None,
        kind,
        reason is not None,
        text.strip(),
    )


def _subfields(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    matches = list(pattern.finditer(text))
    out: list[tuple[str, str]] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        out.append((m.group(1), text[m.end() : end]))
    return out


def _german(text: str) -> DetailFields:
    gvc = text[:3]
    parts = _subfields(text, _GERMAN)
    purpose = "".join(v for k, v in parts if "20" <= k <= "29" or "60" <= k <= "63")
    name = "".join(v for k, v in parts if k in ("32", "33")).strip() or None
    posting = next((v.strip() for k, v in parts if k == "00"), "")
    bic = next((v.strip() for k, v in parts if k == "30"), "") or None
    account = next((v.strip() for k, v in parts if k == "31"), "") or None
    keyed = _subfields(purpose, _SEPA_KEY)
    e2e = next((v for k, v in keyed if k == "EREF"), None)
    svwz = next((v.strip() for k, v in keyed if k == "SVWZ"), None)
    remittance = svwz if svwz is not None else purpose.strip()
    return (
        (remittance,) if remittance else (),
        tuple(_refs_in(purpose.upper())),
        _e2e(e2e),
        name,
        account,
        bic,
        None,
        posting or gvc,
        "STORNO" in posting.upper(),
        text.strip(),
    )


def _triodos(text: str) -> DetailFields:
    parts = _subfields(text, _TRIODOS)
    text_parts = {k: v for k, v in parts if "20" <= k <= "29"}
    account = next((v.strip() for k, v in parts if k == "10"), "").lstrip("0") or None
    bic = None
    # SEPA-era Triodos: >20 holds the counterparty BIC and >21 the IBAN, text starts at >22.
    first, second = text_parts.get("20", "").strip(), text_parts.get("21", "").strip()
    if _BIC.match(first) and _TRIODOS_IBAN.fullmatch(second):
        bic, account = first, account or second
        text_parts.pop("20")
        text_parts.pop("21")
    description = "".join(text_parts.values()).strip()
    return (
        (description,) if description else (),
        tuple(_refs_in(description.upper())),
        None,
        None,
        account,
        bic,
        None,
        None,
        False,
        text.strip(),
    )


def _free(lines: list[str]) -> DetailFields:
    kept = [line.strip() for line in lines if line.strip()]
    text = "\n".join(kept)
    iban = bic = name = None
    if kept:
        words = kept[0].split()
        if words and (looks_like_iban(words[0]) or _FULL_DIGITS.fullmatch(words[0])):
            iban = words[0]
            rest = words[1:]
            if rest and _BIC.match(rest[0]):
                bic, rest = rest[0], rest[1:]
            # ING 2013: "IBAN BIC NAME NOTPROVIDED text" - the marker ends the name.
            if iban and "NOTPROVIDED" in rest:
                name = " ".join(rest[: rest.index("NOTPROVIDED")]) or None
    # ABN AMRO before /TRTP/: "SEPA IDEAL  IBAN: ..  BIC: ..  NAAM: ..  OMSCHRIJVING: .."
    labelled = dict(_ABN_LABEL.findall(" ".join(kept)))
    if labelled:
        iban = labelled.get("IBAN", iban)
        bic = labelled.get("BIC", bic)
        name = labelled.get("NAAM", name)
    knab = _KNAB.search(text)
    if knab:
        iban = iban or knab.group(1)
        name = knab.group(2).strip()
    return (
        tuple(kept),
        tuple(dict.fromkeys(_refs_in(text.upper()))),
        None,
        name,
        iban,
        bic,
        None,
        None,
        False,
        text,
    )
