"""Authentication-Results parsing and the pure authentication decision (issue #11).

Every hostile header here was written to make a naive parser see ``dkim=pass
header.d=bank.example`` where the server wrote something else."""

from __future__ import annotations

import pytest

from daemon.adapters.publicsuffix import organisational_domain
from daemon.domain.authentication import (
    aligned,
    dkim_candidate,
    our_authentication_results,
    results_verdict,
    shared_provider_domain_entries,
    shared_provider_warnings,
    single_sender,
    verdict_from_results,
)
from parsers.authentication_results import AuthResultsSyntaxError, parse

OURS = "mx.office.example"
BANK = "bank.example"


def verdict(*values: str, from_domain: str = BANK) -> str | None:
    headers = [("Authentication-Results", v) for v in values]
    return verdict_from_results(headers, OURS, from_domain, organisational_domain).method


# --- the parser: what a real server writes ------------------------------------------------------

VALID = [
    (
        "rfc8601-example",
        "example.com; spf=pass smtp.mailfrom=example.net",
        "example.com",
        [("spf", "pass", {("smtp", "mailfrom"): "example.net"})],
    ),
    (
        "version-comments-folding",
        "mx1.office.example 1 (ours);\r\n\tdkim=pass (2048-bit key; unprotected)"
        ' header.d=bank.example header.i="@bank.example" header.b=Ab/+9x=;\r\n'
        " spf=pass (sender ok) smtp.mailfrom=bounce@bank.example",
        "mx1.office.example",
        [
            (
                "dkim",
                "pass",
                {
                    ("header", "d"): "bank.example",
                    ("header", "i"): "@bank.example",
                    ("header", "b"): "Ab/+9x=",
                },
            ),
            ("spf", "pass", {("smtp", "mailfrom"): "bounce@bank.example"}),
        ],
    ),
    ("none", "mx.office.example; none", "mx.office.example", []),
    (
        "reason-and-method-version",
        'mx.office.example; dkim/1=fail reason="key not found" header.d=bank.example',
        "mx.office.example",
        [("dkim", "fail", {("header", "d"): "bank.example"})],
    ),
    (
        "exim-ipv6-and-auth",
        "mx.office.example; iprev=pass (mail.bank.example) smtp.remote-ip=2001:db8::1;"
        " auth=pass smtp.auth=ann@office.example",
        "mx.office.example",
        [
            ("iprev", "pass", {("smtp", "remote-ip"): "2001:db8::1"}),
            ("auth", "pass", {("smtp", "auth"): "ann@office.example"}),
        ],
    ),
    (
        "upper-case-and-quoted-authserv-id",
        '"MX.Office.Example"; DKIM=PASS Header.D=Bank.Example',
        "mx.office.example",
        [("dkim", "pass", {("header", "d"): "Bank.Example"})],
    ),
]


@pytest.mark.parametrize(
    ("text", "server", "expected"), [v[1:] for v in VALID], ids=[v[0] for v in VALID]
)
def test_parser_reads_real_headers(
    text: str, server: str, expected: list[tuple[str, str, dict[tuple[str, str], str]]]
) -> None:
    parsed = parse(text)
    assert parsed.authserv_id == server
    got = [
        (r.method, r.result, {(p.ptype, p.name): p.value for p in r.properties})
        for r in parsed.results
    ]
    assert got == expected


# --- the parser: hostile headers ----------------------------------------------------------------
# (id, header, what it must parse to: "error" or the (method, result, header.d/mailfrom) seen)

HOSTILE = [
    (
        "quoted-local-part-hides-a-result",
        f'{OURS}; spf=pass smtp.mailfrom="x; dkim=pass header.d=bank.example x"@evil.example',
        [("spf", "pass", '"x; dkim=pass header.d=bank.example x"@evil.example')],
    ),
    (
        "nested-comment-hides-a-result",
        f"{OURS}; (a ((b) ; dkim=pass header.d=bank.example ; c) d)",
        "error",  # a comment and then no method at all
    ),
    (
        "nested-comment-between-results",
        f"{OURS}; dkim=none (a ((b) ; dkim=pass header.d=bank.example ; c) d)",
        [("dkim", "none", None)],
    ),
    (
        "escaped-parens-in-comment",
        f"{OURS}; dkim=none (\\) ; dkim=pass header.d=bank.example ; \\()",
        [("dkim", "none", None)],
    ),
    (
        "quoted-reason-hides-a-result",
        f'{OURS}; dkim=fail reason="x; dkim=pass header.d=bank.example"',
        [("dkim", "fail", None)],
    ),
    (
        "escaped-quote-in-local-part",
        f'{OURS}; spf=pass smtp.mailfrom="a\\"; dkim=pass header.d=bank.example"@evil.example',
        [("spf", "pass", '"a\\"; dkim=pass header.d=bank.example"@evil.example')],
    ),
    ("unclosed-comment", f"{OURS}; dkim=pass header.d=bank.example (x", "error"),
    ("unclosed-quote", f'{OURS}; spf=pass smtp.mailfrom="x@bank.example', "error"),
    ("empty-value", f"{OURS}; dkim=pass header.d=", "error"),
    ("trailing-garbage", f"{OURS}; dkim=pass header.d=bank.example junk", "error"),
    ("no-result", f"{OURS}", "error"),
    ("none-mixed-with-results", f"{OURS}; none; dkim=pass header.d=bank.example", "error"),
    ("unknown-version", f"{OURS} 2; dkim=pass header.d=bank.example", "error"),
    ("two-at-signs", f"{OURS}; spf=pass smtp.mailfrom=a@evil.example@bank.example", "error"),
    ("control-character", f"{OURS}; dkim=pass (\x00) header.d=bank.example", "error"),
    ("deep-comments", f"{OURS}; dkim=pass {'(' * 100}x{')' * 100} header.d=bank.example", "error"),
    ("encoded-word", f"{OURS}; dkim=none =?utf-8?q?=3B_dkim=3Dpass?=", "error"),
    ("empty", "", "error"),
    ("only-a-semicolon", ";", "error"),
    ("huge", f"{OURS}; dkim=pass header.d=bank.example ({'x' * 20000})", "error"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_parser_on_hostile_headers(text: str, expected: object) -> None:
    if expected == "error":
        with pytest.raises(AuthResultsSyntaxError):
            parse(text)
        assert verdict(text) is None
        return
    parsed = parse(text)
    seen = [
        (r.method, r.result, (r.values("header", "d") + r.values("smtp", "mailfrom") or (None,))[0])
        for r in parsed.results
    ]
    assert seen == expected
    assert verdict(text) is None  # and none of them proves bank.example


# --- which header counts -----------------------------------------------------------------------

GOOD = f"{OURS}; dkim=pass header.d=bank.example"


@pytest.mark.parametrize(
    ("headers", "method"),
    [
        ([GOOD], "authentication-results:dkim:bank.example"),
        (
            [f"{OURS}; spf=pass smtp.mailfrom=bounce@mail.bank.example"],
            "authentication-results:spf:mail.bank.example",
        ),
        (
            [f"{OURS}; dmarc=pass (p=reject) header.from=bank.example"],
            "authentication-results:dmarc:bank.example",
        ),
        ([f"{OURS}; dkim=pass header.i=@bank.example"], "authentication-results:dkim:bank.example"),
        ([GOOD, "mx.evil.example; dkim=fail"], "authentication-results:dkim:bank.example"),
        # below ours: everything ignored, even another header with our id
        ([f"{OURS}; dkim=fail header.d=bank.example", GOOD], None),
        # ours below another server's: not ours (top-most only)
        (["mx.bank.example; dkim=pass header.d=bank.example", GOOD], None),
        # the top-most is unreadable: we cannot tell whose it is
        ([f"{OURS}; dkim=pass (x", GOOD], None),
        ([], None),
    ],
    ids=[
        "dkim-pass",
        "spf-pass-subdomain",
        "dmarc-pass",
        "dkim-header-i",
        "other-server-below",
        "second-of-ours-below-ours",
        "ours-below-another-server",
        "unreadable-top",
        "no-header",
    ],
)
def test_only_the_top_most_header_counts(headers: list[str], method: str | None) -> None:
    assert verdict(*headers) == method


def test_the_reason_names_a_forged_header_below_another() -> None:
    headers = [
        ("Authentication-Results", "mx.bank.example; none"),
        ("Authentication-Results", GOOD),
    ]
    results, why = our_authentication_results(headers, OURS)
    assert results is None and "may be forged" in why


UNALIGNED = [
    ("dkim-other-domain", "dkim=pass header.d=evil.example"),
    ("dkim-lookalike", "dkim=pass header.d=notbank.example"),
    ("dkim-suffix-trick", "dkim=pass header.d=bank.example.evil.example"),
    ("dkim-repeated-d", "dkim=pass header.d=evil.example header.d=bank.example"),
    ("dkim-fail", "dkim=fail header.d=bank.example"),
    ("dkim-method-lookalike", "dkim-atps=pass header.d=bank.example"),
    ("spf-other-domain", "spf=pass smtp.mailfrom=x@evil.example"),
    ("spf-repeated", "spf=pass smtp.mailfrom=x@evil.example smtp.mailfrom=bank.example"),
    ("spf-softfail", "spf=softfail smtp.mailfrom=x@bank.example"),
    ("spf-helo-only", "spf=pass smtp.helo=bank.example"),
    ("dmarc-other-from", "dmarc=pass header.from=evil.example"),
    ("dmarc-parent-domain", "dmarc=pass header.from=example"),
]


@pytest.mark.parametrize("result", [u[1] for u in UNALIGNED], ids=[u[0] for u in UNALIGNED])
def test_a_pass_for_another_domain_proves_nothing(result: str) -> None:
    assert verdict(f"{OURS}; {result}") is None


@pytest.mark.parametrize(
    ("identity", "from_domain", "expected"),
    [
        ("bank.example", "bank.example", True),
        ("mail.bank.example", "bank.example", True),
        ("bank.example", "afschriften.bank.example", True),
        ("BANK.EXAMPLE.", "bank.example", True),
        ("bank.co.uk", "bank.co.uk", True),
        ("mail.bank.co.uk", "bank.co.uk", True),
        ("co.uk", "bank.co.uk", False),  # a public suffix aligns with nothing else
        ("evil.co.uk", "bank.co.uk", False),
        ("evil.eu.org", "bank.eu.org", False),  # private-section suffix: strangers' domains
        ("eu.org", "bank.eu.org", False),
        ("example", "bank.example", False),
        ("evil.example", "bank.example", False),
        ("", "bank.example", False),
        ("bank.example)", "bank.example", False),
    ],
)
def test_alignment(identity: str, from_domain: str, expected: bool) -> None:
    assert aligned(identity, from_domain, organisational_domain) is expected


def test_public_suffix_parent_never_vouches_for_the_bank() -> None:
    assert verdict(f"{OURS}; dkim=pass header.d=co.uk", from_domain="bank.co.uk") is None
    assert verdict(f"{OURS}; spf=pass smtp.mailfrom=x@co.uk", from_domain="bank.co.uk") is None
    assert verdict(f"{OURS}; dkim=pass header.d=evil.eu.org", from_domain="bank.eu.org") is None


def test_results_verdict_reason() -> None:
    method, why = results_verdict(parse(f"{OURS}; spf=fail"), BANK, organisational_domain)
    assert method is None and "no dkim/spf/dmarc pass aligned with bank.example" in why


# --- From ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["afschriften@bank.example"], "afschriften@bank.example"),
        (["Bank N.V. <Afschriften@Bank.Example>"], "afschriften@bank.example"),
        (['"evil@evil.example" <afschriften@bank.example>'], "afschriften@bank.example"),
        (["afschriften@bank.example", "evil@evil.example"], None),  # two From fields
        (["afschriften@bank.example, evil@evil.example"], None),  # two addresses
        (["afschriften@bank.example <evil@evil.example>"], None),  # parsers disagree
        (["alice@bank.example)<evil@evil.example>"], None),  # CVE-2023-27043 shape
        (["<afschriften@bank.example>@evil.example"], None),
        (["g: afschriften@bank.example, evil@evil.example;"], None),
        (["afschriften@bank.example."], None),
        (["afschriften"], None),
        ([], None),
    ],
    ids=[
        "plain",
        "display-name-with-period",
        "quoted-display-name",
        "two-from-fields",
        "two-addresses",
        "display-name-looks-like-address",
        "parser-differential",
        "angle-then-domain",
        "group",
        "trailing-dot",
        "no-domain",
        "none",
    ],
)
def test_single_sender(values: list[str], expected: str | None) -> None:
    assert single_sender(values) == expected


# --- DKIM signatures worth a DNS query -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "why"),
    [
        ({"d": "bank.example", "h": "from:to:subject"}, None),
        ({"d": "mail.bank.example", "h": "To:From"}, None),
        ({"d": "evil.example", "h": "from"}, "not by bank.example"),
        ({"d": "co.uk", "h": "from"}, "not by bank.example"),
        ({"d": "bank.example", "h": "to:subject"}, "does not sign the From header"),
        ({"d": "bank.example", "h": "from", "l": "120"}, "only part of the body"),
        ({"h": "from"}, "without d="),
    ],
    ids=["aligned", "subdomain", "other-domain", "public-suffix", "from-unsigned", "l-tag", "no-d"],
)
def test_dkim_candidate(tags: dict[str, str], why: str | None) -> None:
    _, reason = dkim_candidate(tags, BANK, organisational_domain)
    assert (reason is None) if why is None else (reason is not None and why in reason)


# --- configuration -------------------------------------------------------------------------------


def test_shared_provider_entries() -> None:
    assert shared_provider_domain_entries(["@gmail.com", "@bank.example", "x@gmail.com"]) == [
        "@gmail.com"
    ]
    warnings = shared_provider_warnings(["bank@Hotmail.com", "@bank.example"], ["boss@gmail.com"])
    assert len(warnings) == 2
    assert warnings[0].startswith("bank.trusted_senders: bank@Hotmail.com")
    assert warnings[1].startswith("staff.addresses: boss@gmail.com")
    assert all("proves the sending domain, not the person" in w for w in warnings)
