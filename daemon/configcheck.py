"""Identifiers in the configuration that have check digits or a grammar: the office IBAN
and BIC, the bank accounts, every e-mail address, the VAT number and the chamber of
commerce / enterprise number. A typo here would be printed in every reminder (a wrong IBAN
sends the debtor's money nowhere), so it is refused with the key and line.

Checked on the TOML as written (keys left out take vetted defaults); the libraries are the
field's own: schwifty (IBAN, BIC), email-validator (syntax only, no DNS) and python-stdnum
(EU VAT numbers, the Belgian enterprise number).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from daemon.configschema import KeyLocator

Check = Callable[[str], str | None]  # None when valid, else why not


def iban_problem(value: str) -> str | None:
    try:
        IBAN(value)
    except SchwiftyException as exc:
        return f"{value!r} is not a valid IBAN ({exc})"
    return None


def bic_problem(value: str) -> str | None:
    try:
        BIC(value)
    except SchwiftyException as exc:
        return f"{value!r} is not a valid BIC ({exc})"
    return None


def email_problem(value: str) -> str | None:
    # test_environment: syntax only, no DNS, and the reserved .test names tests use.
    try:
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        return f"{value!r} is not a valid e-mail address ({exc})"
    return None


def vat_problem(value: str) -> str | None:
    try:
        eu_vat.validate(value)
    except ValidationError as exc:
        return f"{value!r} is not a valid EU VAT number ({exc})"
    return None


_LABEL = re.compile(r"^\s*([A-Za-zÀ-ÿ'.\- ]*?)[\s:.#]*(?=\d|[A-Z]{2}\d|$)")
_KVK = re.compile(r"kvk|handelsregister\s*nl|chamber of commerce", re.IGNORECASE)
_BE = re.compile(r"kbo|bce|ondernemings|entreprise|^be$", re.IGNORECASE)


def registration_problem(value: str, jurisdiction: str) -> str | None:
    """'KvK 12345678' (8 digits) or a Belgian enterprise number ('KBO 0403.170.701', mod 97);
    other registers (HRB …) have no check digit and pass."""
    label_match = _LABEL.match(value)
    label = label_match.group(1).strip() if label_match else ""
    number = value[label_match.end() if label_match else 0 :]
    digits = re.sub(r"[\s.\-]", "", number)
    if digits.upper().startswith("BE"):
        digits, label = digits[2:], label or "BE"
    kind = "kvk" if _KVK.search(label) else "be" if _BE.search(label) else ""
    if not kind and not label:  # a bare number: its length says which register
        by_length = {8: "kvk", 10: "be"}.get(len(digits))
        kind = by_length or {"NL": "kvk", "BE": "be"}.get(jurisdiction, "")
    if kind == "kvk" and not re.fullmatch(r"\d{8}", digits):
        return f"{value!r}: a KvK number has 8 digits"
    if kind == "be":
        try:
            be_vat.validate(digits)
        except ValidationError as exc:
            return f"{value!r} is not a valid Belgian enterprise number ({exc})"
    return None


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def identifier_problems(data: Mapping[str, Any], loc: KeyLocator) -> list[str]:
    """Every bad identifier in the parsed TOML, one line each with its key and line."""
    problems: list[str] = []

    def check(key: str, check: Check, many: bool = False) -> None:
        value = _get(data, key)
        if many and isinstance(value, Mapping):
            items = [(f"{key}.{k}", v) for k, v in value.items()]
        elif many and isinstance(value, list):
            items = [(f"{key}[{i}]", v) for i, v in enumerate(value)]
        else:
            items = [(key, value)]
        for item_key, item in items:
            if isinstance(item, str) and item.strip():
                why = check(item.strip())
                if why:
                    problems.append(f"{item_key}: {why}{loc.where(item_key)}")

    check("office.iban", iban_problem)
    check("office.bic", bic_problem)
    check("bank.accounts", iban_problem, many=True)
    for key in ("office.email", "office.reply_to", "staff.notify_address"):
        check(key, email_problem)
    for key in ("office.own_addresses", "staff.addresses", "staff.users"):
        check(key, email_problem, many=True)
    check("office.vat_number", vat_problem)
    jurisdiction = _get(data, "office.jurisdiction")
    jurisdiction = jurisdiction if isinstance(jurisdiction, str) else "NL"
    check("office.registration", lambda v: registration_problem(v, jurisdiction))
    return problems
