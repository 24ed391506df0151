"""A strict parser for the ``Authentication-Results`` header field (RFC 8601 §2.2).

Everything a receiving server writes about a mail's sender lives in this one field, so a
parser that cuts corners is a forgery vector: a ``;`` or a ``dkim=pass`` inside a quoted
local-part, a reason string or a nested comment must never become a result of its own.
This is a recursive-descent parser over the grammar, character by character:

    authres-payload = [CFWS] authserv-id [CFWS authres-version]
                      ( no-result / 1*resinfo ) [CFWS]
    resinfo         = [CFWS] ";" methodspec [CFWS reasonspec] [CFWS 1*propspec]
    methodspec      = [CFWS] method [CFWS] "=" [CFWS] result
    reasonspec      = "reason" [CFWS] "=" [CFWS] value
    propspec        = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
    pvalue          = [CFWS] ( value / [ [local-part] "@" ] domain-name ) [CFWS]

Comments nest (RFC 5322 §3.2.2) and hold quoted-pairs; quoted strings hold quoted-pairs and
folding white space. Anything outside the grammar (an unclosed comment or quote, a control
character, a property without a value, trailing text) raises
:class:`AuthResultsSyntaxError`: a header we cannot read is a header that proves nothing.

We did not use the ``authres`` package: in its default mode it drops a property it cannot
parse and carries on (``header.d=bank.example (unterminated`` → a result without
``header.d``), accepts empty values, and is untyped. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

# A header longer than this is refused outright: no real server writes one, and a bound keeps
# hostile input cheap.
MAX_LENGTH = 16_384
# Comments nested deeper than this are refused (no server nests at all).
MAX_COMMENT_DEPTH = 32

_WSP = frozenset(" \t\r\n")
_ALPHA_DIGIT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# RFC 5322 atext, plus "." (dot-atom) — the characters a bare pvalue may consist of.
_ATEXT = _ALPHA_DIGIT | frozenset("!#$%&'*+-/=?^_`{|}~")
# RFC 2045 token: printable ASCII except SPACE and tspecials.
_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')
_TOKEN = frozenset(chr(c) for c in range(33, 127)) - _TSPECIALS
_LDH = _ALPHA_DIGIT | {"-"}
_IP = frozenset("0123456789abcdefABCDEF:.")


class AuthResultsSyntaxError(ValueError):
    """The field is not an RFC 8601 Authentication-Results payload; says where it broke."""


@dataclass(frozen=True, slots=True)
class Property:
    """One ``ptype.property=value``; ptype and property lower-cased, value as written
    (quoted-pairs resolved; a quoted local-part is kept in its quotes)."""

    ptype: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One ``method=result`` with its reason and properties; method and result lower-cased."""

    method: str
    result: str
    reason: str | None
    properties: tuple[Property, ...]

    def values(self, ptype: str, name: str) -> tuple[str, ...]:
        """Every value of ``ptype.name`` (a forger may repeat a property; callers decide)."""
        return tuple(p.value for p in self.properties if (p.ptype, p.name) == (ptype, name))


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str  # lower-cased
    results: tuple[MethodResult, ...]  # empty for "none"


def parse(value: str) -> AuthResults:
    """Parse the value of one Authentication-Results field (folded or not)."""
    if len(value) > MAX_LENGTH:
        raise AuthResultsSyntaxError(f"longer than {MAX_LENGTH} characters")
    return _Parser(value).payload()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers -------------------------------------------------------------------------------

    def fail(self, what: str) -> AuthResultsSyntaxError:
        near = self.text[self.pos : self.pos + 20]
        return AuthResultsSyntaxError(f"{what} at offset {self.pos} (near {near!r})")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}")
        self.pos += 1

    def run(self, allowed: frozenset[str]) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in allowed:
            self.pos += 1
        return self.text[start : self.pos]

    def cfws(self) -> None:
        """Skip folding white space and (nested) comments; an unclosed comment is an error."""
        while True:
            self.run(_WSP)
            if self.peek() != "(":
                return
            self.comment()

    def comment(self) -> None:
        depth = 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "(":
                depth += 1
                if depth > MAX_COMMENT_DEPTH:
                    raise self.fail("comments nested too deep")
            elif char == ")":
                depth -= 1
                if depth == 0:
                    return
            elif char == "\\":
                self.quoted_pair()
            else:
                self.printable(char)
        raise self.fail("unclosed comment")

    def quoted_pair(self) -> str:
        if self.pos >= len(self.text):
            raise self.fail("backslash at the end")
        char = self.text[self.pos]
        self.printable(char)
        self.pos += 1
        return char

    def printable(self, char: str) -> None:
        # RFC 5322 ctext/qtext: printable US-ASCII (RFC 6532 adds UTF-8) and folding white
        # space; no other control character.
        if (ord(char) < 32 and char not in _WSP) or ord(char) == 127:
            raise self.fail("control character")

    def quoted_string(self) -> str:
        self.expect('"')
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\":
                out.append(self.quoted_pair())
            elif char in "\r\n":
                continue  # folding inside a quoted string: the CRLF is not part of the value
            else:
                self.printable(char)
                out.append(char)
        raise self.fail("unclosed quoted string")

    def value(self) -> str:
        """RFC 2045 value = token / quoted-string."""
        if self.peek() == '"':
            return self.quoted_string()
        token = self.run(_TOKEN)
        if not token:
            raise self.fail("expected a token or a quoted string")
        return token

    def keyword(self, what: str) -> str:
        """RFC 5321 Ldh-str: letters, digits, hyphens; not ending in a hyphen."""
        word = self.run(_LDH)
        if not word or word.endswith("-") or word.startswith("-"):
            raise self.fail(f"expected {what}")
        return word.lower()

    def digits(self) -> str:
        return self.run(frozenset("0123456789"))

    def domain_name(self) -> str:
        labels: list[str] = []
        while True:
            labels.append(self.keyword("a domain name"))
            if self.peek() != ".":
                return ".".join(labels)
            self.pos += 1

    # -- the grammar ---------------------------------------------------------------------------

    def payload(self) -> AuthResults:
        self.cfws()
        authserv_id = self.value().lower()
        self.cfws()
        version = self.digits()
        if version and version != "1":  # authres-version: only "1" exists
            raise self.fail(f"unknown Authentication-Results version {version}")
        self.cfws()
        results: list[MethodResult] = []
        while self.peek() == ";":
            self.pos += 1
            self.cfws()
            results.append(self.resinfo())
        self.cfws()
        if self.pos != len(self.text):
            raise self.fail("unexpected text")
        if not results:
            raise self.fail("no result (not even 'none')")
        if any(r.method == "none" for r in results):
            if len(results) > 1 or results[0].result:
                raise self.fail("'none' mixed with results")
            return AuthResults(authserv_id, ())
        return AuthResults(authserv_id, tuple(results))

    def resinfo(self) -> MethodResult:
        method = self.keyword("a method")
        self.cfws()
        if method == "none" and self.peek() in ("", ";"):
            return MethodResult("none", "", None, ())
        if self.peek() == "/":  # method-version
            self.pos += 1
            self.cfws()
            if not self.digits():
                raise self.fail("expected a method version")
            self.cfws()
        self.expect("=")
        self.cfws()
        result = self.keyword("a result")
        self.cfws()
        reason: str | None = None
        properties: list[Property] = []
        while self.peek() not in ("", ";"):
            start = self.pos
            word = self.keyword("a property type")
            self.cfws()
            if word == "reason" and self.peek() == "=" and reason is None and not properties:
                self.pos += 1
                self.cfws()
                reason = self.value()
                self.cfws()
                continue
            self.pos = start
            properties.append(self.propspec())
        return MethodResult(method, result, reason, tuple(properties))

    def propspec(self) -> Property:
        ptype = self.keyword("a property type")
        self.cfws()
        self.expect(".")
        self.cfws()
        name = self.keyword("a property name")
        self.cfws()
        self.expect("=")
        self.cfws()
        value = self.pvalue()
        self.cfws()
        return Property(ptype, name, value)

    def pvalue(self) -> str:
        if self.peek() == '"':
            quoted = self.quoted_string()
            if self.peek() != "@":
                return quoted
            self.pos += 1
            escaped = quoted.replace("\\", "\\\\").replace('"', '\\"')
            return f'"{escaped}"@{self.domain_name()}'
        word = self.bare_value()
        if not word:
            raise self.fail("expected a property value")
        local, at, domain = word.rpartition("@")
        if at:
            # [local-part] "@" domain-name: one "@", a dot-atom before it, a domain after it.
            if "@" in local or (local and not _is_dot_atom(local)) or not _is_domain(domain):
                raise self.fail("malformed address in a property value")
        elif not (_is_token(word) or _is_dot_atom(word) or set(word) <= _IP):
            raise self.fail("malformed property value")
        return word

    def bare_value(self) -> str:
        """The unquoted characters of a pvalue. Besides RFC 5322 atext and "." we take ":" so
        an unquoted IPv6 address (``smtp.remote-ip=2001:db8::1``, as Exim writes it) does not
        make a genuine header unreadable; none of these characters ends a result."""
        return self.run(_ATEXT | {".", "@", ":"})


def _is_dot_atom(text: str) -> bool:
    return all(part and set(part) <= _ATEXT for part in text.split("."))


def _is_token(text: str) -> bool:
    return bool(text) and set(text) <= _TOKEN


def _is_domain(text: str) -> bool:
    labels = text.split(".")
    return all(
        label and set(label) <= _LDH and not label.startswith("-") and not label.endswith("-")
        for label in labels
    )
