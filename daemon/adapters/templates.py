"""Mail templates: sandboxed jinja2 with StrictUndefined, babel for money and dates.

Files are ``templates/{name}.{lang}.txt.j2`` (first line ``Subject: …``, then a blank line,
then the body) and ``templates/{name}.{lang}.html.j2``. Debtor data only ever arrives as
variables, so template syntax inside a debtor name is printed, never executed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2.sandbox import SandboxedEnvironment

LANGUAGES = ("nl", "en", "de", "fr")
_LOCALES = {"nl": "nl_NL", "en": "en_GB", "de": "de_DE", "fr": "fr_FR"}


class TemplateError(RuntimeError):
    """A template is missing or failed to render; the message names the file."""


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None


def templates_dir() -> Path:
    """Where the mail templates are.

    ``$DUNMAIL_TEMPLATES`` when set; else the copy inside the installed package (the wheel
    maps the repository's top-level ``templates/`` to ``daemon/templates``, see
    pyproject.toml); else ``templates/`` of the source tree the package runs from (a
    checkout or an editable install: the folder beside ``daemon/`` and pyproject.toml).
    When none exists the packaged path is returned, and :func:`missing_templates` says so.
    """
    override = os.environ.get("DUNMAIL_TEMPLATES")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parents[1]
    installed = package / "templates"
    if installed.is_dir():
        return installed
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "templates").is_dir():
        return checkout / "templates"
    return installed


def missing_templates(names: Iterable[str], directory: Path | None = None) -> list[str]:
    """Why some of ``names`` cannot be rendered in any language (empty: all can). render()
    falls back to English, so each needs at least ``{name}.en.txt.j2``."""
    base = directory or templates_dir()
    if not base.is_dir():
        return [f"the template folder {base} does not exist"]
    if not any(base.glob("*.j2")):
        return [f"the template folder {base} holds no templates (*.j2)"]
    missing = [
        f"{name}.en.txt.j2" for name in sorted(set(names)) if not template_exists(name, "en", base)
    ]
    return [f"{base} lacks {', '.join(missing)}"] if missing else []


def format_money(amount: Decimal | str | int, currency: str = "EUR", lang: str = "nl") -> str:
    """'€ 1.234,50' (nl), '€1,234.50' (en), '1.234,50 €' (de/fr)."""
    value = Decimal(str(amount))
    return format_currency(value, currency, locale=_LOCALES.get(lang, "nl_NL"))


def format_day(day: date | str, lang: str = "nl") -> str:
    """'15 december 2026' (nl), '15 December 2026' (en), '15. Dezember 2026' (de)."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return format_date(value, format="long", locale=_LOCALES.get(lang, "nl_NL"))


def format_month(day: date | str, lang: str = "nl") -> str:
    """'dec. 2026' (nl), 'Dec 2026' (en), 'Dez. 2026' (de): a month on a chart axis."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return format_date(value, format="MMM yyyy", locale=_LOCALES.get(lang, "nl_NL"))


def format_number(value: Decimal | str, lang: str = "nl") -> str:
    return format_decimal(Decimal(str(value)), locale=_LOCALES.get(lang, "nl_NL"))


@lru_cache(maxsize=4)
def environment(directory: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html")),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_money
    env.filters["day"] = format_day
    env.filters["number"] = format_number
    return env


def template_exists(name: str, lang: str, directory: Path | None = None) -> bool:
    base = directory or templates_dir()
    return (base / f"{name}.{lang}.txt.j2").is_file()


def render(
    name: str, lang: str, context: dict[str, Any], *, directory: Path | None = None
) -> RenderedMail:
    """Render one mail; falls back to English when the language has no such template."""
    base = directory or templates_dir()
    if not template_exists(name, lang, base):
        if not template_exists(name, "en", base):
            raise TemplateError(f"template {name}.{lang}.txt.j2 not found in {base}")
        lang = "en"
    env = environment(str(base))
    values = {**context, "lang": lang}
    try:
        text = env.get_template(f"{name}.{lang}.txt.j2").render(values)
        html_path = f"{name}.{lang}.html.j2"
        html = env.get_template(html_path).render(values) if (base / html_path).is_file() else None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {name}.{lang}: {exc}") from exc
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise TemplateError(f"template {name}.{lang}.txt.j2 must start with 'Subject: '")
    subject = " ".join(first.removeprefix("Subject:").split())
    return RenderedMail(subject=subject, text=body.lstrip("\n"), html=html)
