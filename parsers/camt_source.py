"""What parsers.camt and parsers.camt_entries share: the statement header being read and the
byte streams lxml reads through (the DOCTYPE guard and the kept source text).

Its own module so that camt.py and camt_entries.py both import it and not each other (#14).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO

from parsers.bank import Balance, BankFormatError


@dataclass(slots=True)
class Header:
    """What a Stmt/Rpt/Ntfctn says about itself; read once its first Ntry (or its end) arrives."""

    format: str
    statement_id: str | None = None
    account: str = ""
    currency: str | None = None
    created_at: str | None = None
    sequence: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    balances: tuple[Balance, ...] = ()
    entries_sum: Decimal = Decimal(0)
    warnings: list[str] = field(default_factory=list)


class RefuseDoctype:
    """A byte stream that stops at any DOCTYPE/ENTITY declaration before lxml sees it.

    lxml only calls ``read``. Every declaration holds a "!", which a bank file almost never
    does; a scan for it is one memchr, where a scan for "<" would stop at every tag.
    """

    _MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype")

    def __init__(self, raw: IO[bytes], source: str) -> None:
        self._raw = raw
        self._source = source
        self._tail = b""  # the last bytes read: a marker may straddle two chunks
        self._first = True

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if not chunk:
            return b""
        if self._first:
            self._first = False
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]:
                raise BankFormatError(f"{self._source}: UTF-16/32 XML is not a bank format")
        if b"!" in chunk or b"!" in self._tail:
            window = self._tail + chunk
            if any(marker in window for marker in self._MARKERS):
                raise BankFormatError(
                    f"{self._source}: XML with a DOCTYPE or entity declaration is refused "
                    "(bank statements never need one)"
                )
        self._tail = chunk[-9:] if len(chunk) >= 9 else (self._tail + chunk)[-9:]
        return chunk


# Reading entries from the source. Serialising an entry took a third of the time spent on it
# outside the parser, and an entry's serialisation differs from the text lxml parsed it from
# only where the document uses a form that XML lets it write in more than one way. SourceText keeps the text
# (as it passes to lxml, behind the DOCTYPE check) while the whole document sticks to forms in
# which a plan's regex reads the same texts from either:
#
# * UTF-8, XML 1.0: the text is decoded as lxml decodes it;
# * no "<!" or "<?" after the XML declaration (comments, CDATA, PIs, DOCTYPE): every "<" opens a
#   tag, so a regex of tags and [^<]*+ texts cannot cut a construct in two;
# * no CR: it is the one character the parser rewrites in a text (line ends become LF); other
#   differences are references (&gt; for ">", &#233; for "é"), which both sides unescape alike;
# * unprefixed Ntry start tags, so that the n-th "<Ntry" in the text is the element of lxml's
#   n-th Ntry start event (lxml reports every element named Ntry, in document order).
#
# The regex of a plan starts after the entry's start tag, which in the text must be a bare
# "<Ntry>"; its tags are literals of a serialisation, which the same element in the text can
# only match by being written exactly so. Anything else (a tag written another way, an
# unknown skeleton) fails the match, and that entry is serialised as before. A document that
# breaks one of the rules has every later entry serialised.
_ENTRY_START = re.compile(r"<(?:([^ \t\n/>:<]*):)?Ntry([ \t\n/>])")
_DECLARATION = re.compile(
    r"<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(['\"])1\.0\1"
    r"(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(['\"])(?i:utf-8)\2)?"
    r"(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(['\"])(?:yes|no)\3)?[ \t\n]*\?>"
)
_MAX_SOURCE = 1 << 22  # characters of text kept at most; an entry is far smaller


class SourceText:
    """The document text that lxml reads, from the entry being read on; see above.

    Like RefuseDoctype, this is read by lxml, and passes the bytes on unchanged.
    """

    def __init__(self, raw: RefuseDoctype) -> None:
        self._raw = raw
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        self.on = True  # False once the document has broken a rule: no more text is kept
        self.text = ""
        self.cursor = 0  # where in ``text`` the search for the next Ntry start tag begins
        self.body = -1  # where the entry being read starts after its "<Ntry>"; -1: serialise
        self._first = True
        self._last = ""  # the last character of the text before: a "<!" may straddle reads

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if self.on and chunk:
            self._keep(chunk)
        return chunk

    def _keep(self, chunk: bytes) -> None:
        try:
            piece = self._decode(chunk)
        except UnicodeDecodeError:
            self._stop()  # lxml will say what is wrong
            return
        checked = piece
        if self._first:
            self._first = False
            checked = piece.removeprefix("\ufeff")
            if checked[:2] == "<?":
                declaration = _DECLARATION.match(checked)
                if declaration is None:
                    self._stop()
                    return
                checked = checked[declaration.end() :]
        window = self._last + checked
        if (
            "\r" in checked
            or ("!" in checked and "<!" in window)
            or ("?" in checked and "<?" in window)
        ):
            self._stop()
            return
        self._last = window[-1:]
        # What is still to be read starts at the open entry's body or at the next search.
        keep = self.body if self.body >= 0 else self.cursor
        text = self.text[keep:] + piece
        if len(text) > _MAX_SOURCE:
            self._stop()
            return
        self.text = text
        self.cursor -= keep
        if self.body >= 0:
            self.body -= keep

    def entry_started(self, read: bool) -> None:
        """lxml has parsed the start tag of an element named Ntry: find it in the text.

        ``read``: the entry is a statement's, to be read at its end; note where its body starts.
        """
        text, cursor = self.text, self.cursor
        at = text.find("<", cursor)
        if at >= 0 and text.startswith("<Ntry>", at):
            # The usual case, and the one worth a shortcut: the next tag is this one, bare.
            self.cursor = at + 6
            if read:
                self.body = at + 6
            return
        found = _ENTRY_START.search(text, cursor)
        if found is None:
            self._stop()  # cannot happen
            return
        prefix, after = found.groups()
        if prefix is not None:
            self._stop()  # a prefixed Ntry
            return
        self.cursor = found.end()
        if read:
            self.body = self.cursor if after == ">" else -1

    def _stop(self) -> None:
        self.on = False
        self.text = ""
        self.body = -1
