"""A mail to a debtor in their language, to their deliverable registered addresses only
(plan schedules, promise confirmations, a debtor's statement)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.cases import open_case
from daemon.adapters.store.db import Store
from daemon.adapters.store.invoices import debtor_row
from daemon.app.mail_composer import compose_mail, mail_context
from daemon.app.mailout import derived_message_id, enqueue, mail_domain
from daemon.config import Config
from daemon.domain.identity import choose_recipients


def debtor_language(config: Config, debtor: dict[str, Any]) -> str:
    lang = debtor.get("language") or config.office.language
    return lang if lang in ("nl", "en", "de", "fr") else "en"


def mail_debtor(
    store: Store,
    config: Config,
    debtor_id: str,
    *,
    kind: str,
    template: str,
    context: dict[str, Any],
    seed: str,
    now: datetime,
    invoice_numbers: Sequence[str] = (),
    decision: dict[str, Any] | None = None,
) -> int | None:
    """Queue a mail to the debtor's deliverable registered addresses; None when it has none
    (or the same mail was queued before)."""
    debtor = debtor_row(store, debtor_id)
    recipients = choose_recipients(debtor["emails"]).to if debtor is not None else ()
    if debtor is None or not recipients:
        return None
    lang = debtor_language(config, debtor)
    office = config.office
    case = open_case(store, debtor_id, now=iso_utc(now))
    mail = compose_mail(
        office,
        kind=kind,
        message_id=derived_message_id(kind, seed, mail_domain(office.email)),
        template=template,
        language=lang,
        context=mail_context(
            office, debtor_id=debtor_id, debtor_name=debtor["name"], values=context
        ),
        to=recipients,
        now=now,
        reply_to=office.reply_to or None,
    )
    return enqueue(
        store,
        mail,
        debtor_id=debtor_id,
        case_id=case["id"],
        invoice_numbers=invoice_numbers,
        decision=decision or {"template": template},
        now=iso_utc(now),
    )
