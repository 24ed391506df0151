"""Raw RFC 5322 bytes → a frozen ParsedMail value.

Robust by design: a malformed message yields a result with ``defects`` instead of an
exception; only a message over the size limit is refused (MailFormatError).
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr, parsedate_to_datetime

from parsers.addresses import read_addresses, read_sender

DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024

_EMBEDDED_TYPES = frozenset({"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"})
_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_MSGID = re.compile(r"<[^<>\s]+>")


class MailFormatError(ValueError):
    """The message cannot be accepted at all (e.g. larger than the limit)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    data: bytes


@dataclass(frozen=True, slots=True)
class SkippedAttachment:
    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """What the classifier and the inbound use case need from one message."""

    headers: tuple[tuple[str, str], ...] = ()
    # The From address as a mail client shows it: for display and for telling machine mail
    # apart. It names the sender only when sender_problems is empty — use ``sender``.
    from_addr: str = ""
    from_name: str = ""
    sender_problems: tuple[str, ...] = ()  # why the From header does not name one sender
    to: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    content_type: str = "text/plain"
    text: str = ""
    text_from_html: bool = False
    other_text: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    skipped_attachments: tuple[SkippedAttachment, ...] = ()
    delivery_status: tuple[str, ...] = ()
    embedded: tuple[str, ...] = ()
    defects: tuple[str, ...] = field(default=())
    body_only: bool = False

    @property
    def sender(self) -> str:
        """The sender's address read strictly (parsers.addresses), or "" when the From
        header is hostile or unclear: such a mail comes from an unknown sender."""
        return "" if self.sender_problems else self.from_addr

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        key = name.lower()
        for k, v in self.headers:
            if k == key:
                return v
        return None

    def header_all(self, name: str) -> tuple[str, ...]:
        key = name.lower()
        return tuple(v for k, v in self.headers if k == key)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, falling back to cp1252 then latin-1."""
    for cs in (charset, "utf-8" if charset is None else None, "cp1252"):
        if not cs:
            continue
        try:
            codecs.lookup(cs)
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1", errors="replace")


def _clean(text: str) -> str:
    """Undo surrogate-escaped raw 8-bit bytes in a header value."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return decode_bytes(text.encode("utf-8", "surrogateescape"), "utf-8")
    return text


def _header_text(name: str, raw: str) -> tuple[str, str | None]:
    try:
        value = email.policy.default.header_fetch_parse(name, raw)
        return _clean(str(value)), None
    except Exception as exc:
        try:
            return _clean(str(make_header(decode_header(raw)))), f"header {name}: {exc}"
        except Exception:
            return _clean(raw), f"header {name}: {exc}"


# A header value longer than this is cut before decoding: the email package's parsers are
# quadratic in the number of encoded words / addresses, so one hostile multi-megabyte
# Subject or To stalled intake for hours. Real headers stay far below it.
MAX_HEADER_CHARS = 16_384

# headers worth the email policy's full (slow) parsing; others are decoded cheaply
_STRUCTURED = frozenset(
    ("from", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references")
)


def _decode_words(raw: str) -> str:
    try:
        return _clean(str(make_header(decode_header(raw))))
    except Exception:
        return _clean(raw)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(a.lower() for _, a in getaddresses(list(values)) if a)
    except Exception:
        return ()


@dataclass(frozen=True, slots=True)
class _PartInfo:
    """Content-Type and -Disposition of one part, parsed once (the policy's header
    parsing is the slowest step of reading a message)."""

    ctype: str
    params: dict[str, str]
    disposition: str | None
    filename: str


def _part_info(part: Message) -> _PartInfo:
    # The message is parsed with compat32, whose header access is plain string splitting:
    # the default policy re-parsed Content-Type a dozen times per message, the slowest step
    # of reading mail. RFC 2231 values are collapsed and encoded words decoded, as the
    # default policy would.
    params: dict[str, str] = {}
    ctype = "text/plain"
    try:
        if part.get("content-type") is not None:
            ctype = part.get_content_type()
            for key, value in part.get_params(failobj=[])[1:]:
                params.setdefault(key.lower(), _param_text(value))
    except Exception:
        pass
    if part.get_default_type() == "message/rfc822" and part.get("content-type") is None:
        ctype = "message/rfc822"
    disposition = None
    filename = ""
    try:
        disp = part.get("content-disposition")
        if disp is not None:
            disposition = part.get_content_disposition() or None
            for key, value in part.get_params(failobj=[], header="content-disposition")[1:]:
                if key.lower() == "filename":
                    filename = _param_text(value)
                    break
    except Exception:
        pass
    return _PartInfo(ctype, params, disposition, _clean(filename or params.get("name", "")))


def _param_text(value: str | tuple[str | None, str | None, str]) -> str:
    text = str(collapse_rfc2231_value(value, errors="replace", fallback_charset="latin-1"))
    return _decode_words(text) if "=?" in text else text


def _part_text(part: Message, info: _PartInfo | None = None) -> str:
    info = info or _part_info(part)
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    text = decode_bytes(payload, info.params.get("charset"))
    if info.params.get("format", "").lower() == "flowed":
        text = _unflow(text, info.params.get("delsp", "no").lower() == "yes")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unflow(text: str, delsp: bool) -> str:
    out: list[str] = []
    buf = ""
    depth = -1
    for line in text.replace("\r\n", "\n").split("\n"):
        line_depth = len(line) - len(line.lstrip(">"))
        if buf and line_depth != depth:  # RFC 3676: never join across quote depths
            out.append(buf)
            buf = ""
        depth = line_depth
        if line.endswith(" ") and line.rstrip() != "--":
            buf += line[:-1] if delsp else line
        else:
            out.append(buf + line)
            buf = ""
    if buf:
        out.append(buf)
    return "\n".join(out)


def _as_text(obj: object) -> str:
    if isinstance(obj, Message):
        try:
            return obj.as_string(policy=email.policy.compat32.clone(linesep="\n"))
        except Exception:
            try:
                return _clean(obj.as_bytes().decode("latin-1"))
            except Exception:
                return ""
    return str(obj)


def _walk(part: Message) -> Iterator[tuple[Message, _PartInfo]]:
    """Walk parts; embedded messages and DSN blocks are yielded but not descended."""
    info = _part_info(part)
    yield part, info
    if info.ctype in _EMBEDDED_TYPES | _STATUS_TYPES:
        return
    payload = part.get_payload()
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                yield from _walk(sub)


def _is_attachment(info: _PartInfo) -> bool:
    return info.disposition == "attachment" or (
        info.disposition == "inline" and bool(info.filename)
    )


def parse(
    raw: bytes,
    *,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> ParsedMail:
    """Parse one raw message. Raises MailFormatError only when it is too large."""
    if len(raw) > max_message_bytes:
        raise MailFormatError(
            f"message of {len(raw)} bytes exceeds the limit of {max_message_bytes}"
        )
    defects: list[str] = []
    raw = _without_leading_blank_line(raw, defects)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:
        return ParsedMail(text=decode_bytes(raw, None), defects=(f"unparseable: {exc}",))
    head = _head(msg, defects)

    text_plain: str | None = None
    text_html: str | None = None
    other_text: list[str] = []
    attachments: list[Attachment] = []
    skipped: list[SkippedAttachment] = []
    status: list[str] = []
    embedded: list[str] = []
    for part, info in _walk(msg):
        try:
            ctype = info.ctype
            if ctype in _STATUS_TYPES:
                status.append(_status_text(part))
                continue
            if isinstance(part.get_payload(), list) and ctype not in _EMBEDDED_TYPES:
                continue
            if ctype.startswith("multipart/"):
                # boundary never found: the email package leaves the body as one string
                raw_body = part.get_payload()
                if isinstance(raw_body, str) and text_plain is None:
                    text_plain = decode_bytes(
                        raw_body.encode("utf-8", "surrogateescape"), "utf-8"
                    ).replace("\r\n", "\n")
                    defects.append(f"{ctype} without parts")
                continue
            if ctype in _EMBEDDED_TYPES:
                embedded.append(_embedded_text(part))
                continue
            if _is_attachment(info) or not ctype.startswith("text/"):
                data = part.get_payload(decode=True)
                data = data if isinstance(data, bytes) else b""
                fname = info.filename
                if len(data) > max_attachment_bytes:
                    skipped.append(
                        SkippedAttachment(
                            fname, ctype, len(data), f"larger than {max_attachment_bytes} bytes"
                        )
                    )
                else:
                    attachments.append(Attachment(fname, ctype, len(data), data))
                continue
            body = _part_text(part, info)
            if ctype == "text/plain" and text_plain is None:
                text_plain = body
            elif ctype == "text/html" and text_html is None:
                text_html = body
            else:
                other_text.append(html_to_text(body) if ctype == "text/html" else body)
        except Exception as exc:
            defects.append(f"part {info.ctype}: {exc}")

    from_html = False
    if text_plain is not None and text_plain.strip():
        text = text_plain
    elif text_html is not None:
        text, from_html = html_to_text(text_html), True
    else:
        text = text_plain or ""
    ctype_main = _part_info(msg).ctype
    return replace(
        head,
        content_type=ctype_main,
        text=text,
        text_from_html=from_html,
        other_text=tuple(other_text),
        attachments=tuple(attachments),
        skipped_attachments=tuple(skipped),
        delivery_status=tuple(status),
        embedded=tuple(embedded),
        defects=tuple(defects),
    )


def parse_headers(raw: bytes) -> ParsedMail:
    """The header section only, read exactly as ``parse`` reads it, at a fraction of the cost
    (no body, no parts): for storing and listing a message before it is processed."""
    defects: list[str] = []
    raw = _without_leading_blank_line(raw, defects)
    try:
        msg = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    except Exception as exc:
        return ParsedMail(defects=(f"unparseable: {exc}",))
    head = _head(msg, defects)
    return replace(head, defects=tuple(defects))


def _without_leading_blank_line(raw: bytes, defects: list[str]) -> bytes:
    if raw[:1] in (b"\n", b"\r") and re.match(rb"[\r\n]+[A-Za-z-]+:", raw):
        defects.append("leading blank line before the headers")
        return raw.lstrip(b"\r\n")
    return raw


def _head(msg: Message, defects: list[str]) -> ParsedMail:
    """Headers decoded (each cut at MAX_HEADER_CHARS) and the fields taken from them; their
    problems are added to ``defects``."""
    headers: list[tuple[str, str]] = []
    raw_from: list[str] = []
    raw_reply_to: list[str] = []
    for name, value in msg.raw_items():
        key = name.lower()
        if len(value) > MAX_HEADER_CHARS:
            defects.append(f"header {key} of {len(value)} characters cut to {MAX_HEADER_CHARS}")
            value = value[:MAX_HEADER_CHARS]
        if key == "from":
            raw_from.append(_clean(value))
        elif key == "reply-to":
            raw_reply_to.append(_clean(value))
        if key in _STRUCTURED:
            text, problem = _header_text(name, value)
            if problem:
                defects.append(problem)
        elif "=?" in value:
            text = _decode_words(value)
        else:
            text = _clean(value)  # Received, DKIM, ...: the policy's parsers are costly
        headers.append((key, _unfold(text)))
    defects.extend(type(d).__name__ for d in msg.defects)

    def first(name: str) -> str | None:
        return next((v for k, v in headers if k == name), None)

    def all_of(name: str) -> tuple[str, ...]:
        return tuple(v for k, v in headers if k == name)

    from_name, from_addr = parseaddr(first("from") or "")
    sender = read_sender(raw_from)
    if not sender.problems:
        from_name, from_addr = sender.name, sender.address
    date: datetime | None = None
    if first("date"):
        try:
            date = parsedate_to_datetime(first("date") or "")
            if date.tzinfo is None:
                date = None
        except Exception:
            defects.append("unparseable Date header")
    msgid = _MSGID.search(first("message-id") or "")
    irt = _MSGID.search(first("in-reply-to") or "")
    return ParsedMail(
        headers=tuple(headers),
        from_addr=from_addr.lower(),
        from_name=from_name,
        sender_problems=sender.problems,
        to=_addresses(all_of("to")),
        reply_to=read_addresses(raw_reply_to),
        subject=first("subject") or "",
        date=date,
        message_id=msgid.group(0) if msgid else None,
        in_reply_to=irt.group(0) if irt else None,
        references=tuple(_MSGID.findall(" ".join(all_of("references")))),
    )


def _status_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses DSN blocks into sub-messages
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append(
                    "\n".join(f"{k}: {_clean(_unfold(str(v)))}" for k, v in block.raw_items())
                )
        return "\n\n".join(blocks)
    return _part_text(part)


def _embedded_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(_as_text(p) for p in payload)
    return _part_text(part)


def parse_body_text(text: str) -> ParsedMail:
    """Wrap a body-only fixture (no headers) as a ParsedMail."""
    return ParsedMail(text=text.replace("\r\n", "\n"), body_only=True)


_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "tr",
        "li",
        "table",
        "ul",
        "ol",
        "hr",
        "pre",
        "dl",
        "dt",
        "dd",
        "address",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    ]
)
_DROP_TAGS = frozenset({"style", "script", "head", "title", "meta"})


def html_to_text(html: str) -> str:
    """HTML body → plain text, keeping line breaks; <blockquote> becomes "> " lines."""
    import lxml.html  # imported here: only HTML-only mail needs it

    try:
        root = lxml.html.fromstring(html)
    except Exception:
        return re.sub(r"<[^>]+>", " ", html)
    out: list[str] = []
    _render(root, out)
    text = "".join(out).replace("\xa0", " ")
    lines = [ln.rstrip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _render(el: object, out: list[str]) -> None:
    tag = getattr(el, "tag", None)
    if not isinstance(tag, str):  # comments, processing instructions
        tail = getattr(el, "tail", None)
        if tail:
            out.append(_ws(tail))
        return
    name = tag.lower().rsplit("}", 1)[-1]
    if name in _DROP_TAGS:
        if getattr(el, "tail", None):
            out.append(_ws(el.tail))  # type: ignore[attr-defined]
        return
    if name == "blockquote":
        inner: list[str] = []
        if el.text:  # type: ignore[attr-defined]
            inner.append(_ws(el.text))  # type: ignore[attr-defined]
        for child in el:  # type: ignore[attr-defined]
            _render(child, inner)
        body = "".join(inner).strip("\n")
        out.append("\n" + "\n".join("> " + ln.strip() for ln in body.split("\n")) + "\n")
    else:
        if name in _BLOCK_TAGS and name != "br":
            out.append("\n")
        if el.text:  # type: ignore[attr-defined]
            out.append(_ws(el.text))  # type: ignore[attr-defined]
        for child in el:  # type: ignore[attr-defined]
            _render(child, out)
        if name in _BLOCK_TAGS:
            out.append("\n")
        elif name in ("td", "th"):
            out.append("\t")
    if el.tail:  # type: ignore[attr-defined]
        out.append(_ws(el.tail))  # type: ignore[attr-defined]


def _ws(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text)
