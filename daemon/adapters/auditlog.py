"""The audit log: one INFO line per committed case_events row, for journald or a log shipper.

The database is the record; the log line is its short form, written only after the unit of
work committed (a line for something rolled back would be a lie). A line carries ids and the
few facts an admin needs (step, intent, amount, reason) — never a mail body, a secret, a
debtor's name or a full e-mail address: journals are copied and kept out of reach of a GDPR
erasure, so personal data stays in the database (`dunmail log` shows names from there).

Two formats: ``text`` (``INFO dunmail.audit: reminder_sent debtor=A01 outbox=7 …``, journald
adds the time) and ``json`` (one object per line with an ISO 8601 timestamp with offset).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

AUDIT = logging.getLogger("dunmail.audit")
LOG_FORMATS = ("text", "json")

# Column → field name, in the order a line shows them.
_ID_COLUMNS = (
    ("debtor_id", "debtor"),
    ("case_id", "case"),
    ("invoice_number", "invoice"),
    ("inbox_id", "inbox"),
    ("outbox_id", "outbox"),
    ("transaction_id", "tx"),
)

# Detail keys worth a place on the line (renamed where the detail's name is vague). Free text
# typed by people (notes, comments) and evidence (excerpts, subjects, bodies) never is.
_DETAIL_KEYS = {
    "review_item": "review_item",
    "item": "review_item",
    "type": "type",
    "priority": "priority",
    "action": "action",
    "kind": "kind",
    "intent": "intent",
    "outcome": "outcome",
    "filed": "filed",
    "link": "link",
    "step": "step",
    "step_name": "step",
    "template": "template",
    "status": "status",
    "invoice_status": "invoice_status",
    "amount": "amount",
    "rule": "rule",
    "unallocated": "unallocated",
    "credit_note": "credit_note",
    "plan_id": "plan",
    "instalment": "instalment",
    "due_date": "due_date",
    "promised_date": "promised_date",
    "grace_until": "grace_until",
    "promise_id": "promise",
    "paid_on": "paid_on",  # bank booking date of the payment that kept a promise
    "on_time": "on_time",
    "booking_date": "booking_date",
    "hold": "hold",
    "hold_id": "hold",
    "until": "until",
    "released": "released",
    "holds_released": "released",
    "file": "file",
    "file_id": "file_id",
    "format": "format",
    "statements": "statements",
    "payments": "payments",
    "new": "new",
    "agency": "agency",
    "attempts": "attempts",
    "not_before": "not_before",
    "previous_status": "previous",
    "previous": "previous",
    "schedule_outbox_id": "outbox",
    "outbox_id": "outbox",
    "original_transaction": "original_tx",
    "return_reason": "return_reason",
    "reason": "reason",
    "error": "error",
}
_LIST_KEYS = {"invoices": "invoices", "open_invoices": "invoices"}
_ADDRESS_KEYS = {"recipients": "to", "from": "from", "address": "address", "addresses": "address"}

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@([\w-]+(?:\.[\w-]+)+)")
_MAX_TEXT = 160


def mask_addresses(text: str) -> str:
    """``ap@klant.example`` → ``…@klant.example``: the domain tells an admin enough."""
    return _EMAIL.sub(lambda m: "…@" + m.group(1), text)


def _text(value: Any) -> str:
    text = mask_addresses(" ".join(str(value).split()))
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _actor(actor: str | None) -> str | None:
    if not actor or actor == "daemon":
        return None
    return mask_addresses(actor)


def event_fields(row: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of one case_events row worth a log line, in display order (no names, no
    full addresses, no bodies). ``detail`` is the row's decoded JSON detail."""
    out: dict[str, Any] = {"event": row["event"]}
    for column, name in _ID_COLUMNS:
        if row.get(column) is not None:
            out[name] = row[column]
    classification = detail.get("classification")
    if isinstance(classification, Mapping) and classification.get("intent"):
        out["intent"] = classification["intent"]
    for key, value in detail.items():
        if value is None or value == "" or value == []:
            continue
        if key in _LIST_KEYS and isinstance(value, list):
            out[_LIST_KEYS[key]] = [str(v) for v in value]
        elif key == "advances" and isinstance(value, list) and "invoices" not in out:
            out["invoices"] = [str(a.get("number")) for a in value if isinstance(a, Mapping)]
        elif key in _ADDRESS_KEYS:
            values = value if isinstance(value, list) else [value]
            out[_ADDRESS_KEYS[key]] = sorted({_domain(str(v)) for v in values})
        elif key == "message_id" and isinstance(value, str):
            out["message_id"] = value  # a Message-ID, not an address: what mail logs show
        elif key == "step" and isinstance(value, int):
            out["step_no"] = value  # the step's number; its name goes under "step"
        elif key in _DETAIL_KEYS and isinstance(value, (str, int, float, bool)):
            name = _DETAIL_KEYS[key]
            if name not in out:
                out[name] = _text(value) if isinstance(value, str) else value
        elif key == "by_status" and isinstance(value, Mapping):
            for status, count in value.items():
                out[f"payments_{status}"] = count
    actor = _actor(row.get("actor"))
    if actor:
        out["actor"] = actor
    return out


def _domain(address: str) -> str:
    local, at, domain = address.rpartition("@")
    return "…@" + domain if at and local else _text(address)


def _value(value: Any) -> str:
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = str(value)
    if text == "" or any(c in text for c in ' "=\\'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def key_values(fields: Mapping[str, Any]) -> str:
    """``event k=v k="v w"``: the event first, then its facts; lists joined with commas."""
    parts = [str(fields.get("event", ""))]
    parts += [f"{k}={_value(v)}" for k, v in fields.items() if k != "event"]
    return " ".join(parts)


def enabled() -> bool:
    return AUDIT.isEnabledFor(logging.INFO)


def emit(rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> None:
    """Log committed events: (case_events row, decoded detail) pairs, in order."""
    if not enabled():
        return
    for row, detail in rows:
        try:
            fields = event_fields(row, detail)
        except Exception:  # a line we cannot build must not undo or stop the unit of work
            fields = {"event": row.get("event"), "id": row.get("id")}
        AUDIT.info(key_values(fields), extra={"audit": fields, "audit_at": row.get("at")})


# -- formats --------------------------------------------------------------------------------


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message`` — journald stamps the time itself."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (ISO 8601 with offset), level, logger, message;
    an audit line adds ``event``, ``at`` (the event's own time) and its ids and facts as
    keys of their own (lists stay lists, numbers numbers)."""

    def __init__(self, tz: tzinfo = UTC) -> None:
        super().__init__()
        self.tz = tz

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, self.tz)
        out: dict[str, Any] = {
            "timestamp": moment.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "audit", None)
        if isinstance(fields, Mapping):
            at = getattr(record, "audit_at", None)
            if isinstance(at, str) and at:
                stamp = datetime.fromisoformat(at.replace("Z", "+00:00"))
                out["at"] = stamp.astimezone(self.tz).isoformat(timespec="seconds")
            out.update(fields)
        out["message"] = record.getMessage()  # the text line too, for viewers that show it
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter_for(log_format: str, tz: tzinfo = UTC) -> logging.Formatter:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return JsonFormatter(tz) if log_format == "json" else TextFormatter()
