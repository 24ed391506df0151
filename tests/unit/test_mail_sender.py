"""The strict reading of From (parsers.addresses via parsers.mail.parse): hostile headers
make the sender unknown with a reason; ordinary ones keep working."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.addresses import (
    check_domain,
    is_international,
    lookalike,
    read_addresses,
    read_sender,
    skeleton,
)
from parsers.mail import parse


def raw_mail(*from_headers: str, extra: str = "") -> bytes:
    head = "".join(f"From: {h}\r\n" for h in from_headers)
    return (
        f"{head}To: debiteuren@voorbeeld-bv.nl\r\nSubject: Invoice\r\n{extra}"
        "Message-ID: <m1@x.example>\r\n\r\nPlease send a copy of F2026-0002.\r\n"
    ).encode()


def b64(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


HOSTILE = [
    ("finance@beta.example <mallory@gmail.com>", "From header:", "address-as-display-name"),
    (b64("finance@beta.example, mallory@evil.example"), "From header:", "encoded-two-addresses"),
    (f"{b64('finance@beta.example')} <mallory@gmail.com>", "encoded word", "encoded-name-address"),
    (f"{b64('Jan <finance@beta.example>')} <m@gmail.com>", "encoded word", "encoded-angle"),
    ('"finance@beta.example" <mallory@gmail.com>', "contains an address", "quoted-name-address"),
    ("finance@beta.example, mallory@evil.example", "2 addresses", "two-addresses"),
    ("grp: finance@beta.example, m@evil.example;", "2 addresses", "group-two-addresses"),
    ("Undisclosed: ;", "no address", "empty-group"),
    ("Jan <fin\x01ance@beta.example>", "control character", "control-char-in-address"),
    ("Jan\x0b <finance@beta.example>", "control character", "control-char-in-name"),
    ("Jan <finance@beta.example\u200b>", "invisible", "zero-width-space"),
    ("finance@xn--bta-rdd.example", "mixes scripts", "punycode-mixed-script"),
    ("finance@b\u0435ta.example", "mixes scripts", "cyrillic-e-in-domain"),
    ("fin\u0430nce@beta.example", "mixes scripts in its local part", "cyrillic-a-in-local"),
    ("finance@[127.0.0.1]", "invalid address", "domain-literal"),
    ("MAILER-DAEMON", "no domain", "no-domain"),
    ("Jan <finance@beta..example>", "invalid address", "double-dot"),
    ("", "no address", "empty"),
    ("=?utf-8?b?0?= <finance@beta.example>", "undecodable encoded word", "bad-base64-word"),
]


@pytest.mark.parametrize(("header", "reason"), [pytest.param(h, r, id=i) for h, r, i in HOSTILE])
def test_a_hostile_from_header_leaves_no_sender_and_says_why(header: str, reason: str) -> None:
    mail = parse(raw_mail(header))
    assert mail.sender == ""
    assert mail.sender_problems
    assert any(reason in p for p in mail.sender_problems), mail.sender_problems


def test_two_from_headers_leave_no_sender() -> None:
    mail = parse(raw_mail("finance@beta.example", "mallory@evil.example"))
    assert mail.sender == "" and "2 From headers" in mail.sender_problems
    assert mail.from_addr == "finance@beta.example"  # shown, never trusted


def test_no_from_header_leaves_no_sender() -> None:
    mail = parse(b"To: a@b.example\r\nSubject: x\r\n\r\nbody\r\n")
    assert mail.sender == "" and mail.sender_problems == ("no From header",)


ORDINARY = [
    ("finance@beta.example", "finance@beta.example", "", "bare"),
    ("Jan Jansen <Finance@Beta.Example>", "finance@beta.example", "Jan Jansen", "name-angle"),
    ("Dr. J. Jansen <finance@beta.example>", "finance@beta.example", "Dr. J. Jansen", "periods"),
    ('"Jansen, Jan" <finance@beta.example>', "finance@beta.example", "Jansen, Jan", "comma"),
    (
        "=?iso-8859-1?q?M=FCller=2C_Hans?= <h.mueller@beta.example>",
        "h.mueller@beta.example",
        "Müller, Hans",
        "encoded-name-with-comma",
    ),
    (
        '"finance@beta.example" <finance@beta.example>',
        "finance@beta.example",
        "finance@beta.example",
        "name-is-the-same-address",
    ),
    ("finance@beta.example (Jan)", "finance@beta.example", "", "comment"),
    ("jan@münchen-bau.example", "jan@münchen-bau.example", "", "idn-single-script"),
    ("ap@voorbeeld.test", "ap@voorbeeld.test", "", "test-tld"),
]


@pytest.mark.parametrize(
    ("header", "address", "name"), [pytest.param(h, a, n, id=i) for h, a, n, i in ORDINARY]
)
def test_an_ordinary_from_header_names_its_sender(header: str, address: str, name: str) -> None:
    mail = parse(raw_mail(header))
    assert mail.sender_problems == ()
    assert (mail.sender, mail.from_addr, mail.from_name) == (address, address, name)


def test_a_folded_from_header_is_read_whole() -> None:
    mail = parse(raw_mail("Jan Jansen\r\n <finance@beta.example>"))
    assert mail.sender == "finance@beta.example"


def test_an_8bit_utf8_from_header_is_decoded_before_it_is_judged() -> None:
    raw = "From: Jörg <jörg@beta.example>\r\nTo: a@b.example\r\n\r\nx\r\n".encode()
    mail = parse(raw)
    assert (mail.sender, mail.from_name) == ("jörg@beta.example", "Jörg")


def test_headers_only_parse_reads_the_sender_the_same_way() -> None:
    from parsers.mail import parse_headers

    hostile = parse_headers(raw_mail("finance@beta.example <mallory@gmail.com>"))
    assert hostile.sender == "" and hostile.sender_problems


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(["a@b.example"], ("a@b.example",), id="one"),
        pytest.param(["A <a@b.example>, c@d.example"], ("a@b.example", "c@d.example"), id="two"),
        pytest.param([b64("a@b.example, c@d.example")], (), id="encoded-addresses-are-a-name"),
        pytest.param(["a@[127.0.0.1], c@d.example"], ("c@d.example",), id="invalid-left-out"),
        pytest.param(["x\x01@b.example"], (), id="control-char"),
    ],
)
def test_reply_to_keeps_only_valid_addresses(values: list[str], expected: tuple[str, ...]) -> None:
    assert read_addresses(values) == expected


@pytest.mark.parametrize(
    ("domain", "known", "imitated"),
    [
        pytest.param("xn--bta-rdd.example", ["beta.example"], "beta.example", id="punycode"),
        pytest.param("b\u0435ta.example", ["beta.example"], "beta.example", id="cyrillic-e"),
        pytest.param("ｂｅｔａ.example", ["beta.example"], "beta.example", id="fullwidth"),
        pytest.param(
            "\u0435\u0441\u043e\u0440\u0430\u0441.example",
            ["ecopac.example"],
            "ecopac.example",
            id="whole-script-cyrillic",
        ),
        pytest.param("beta.example", ["beta.example"], None, id="the-domain-itself"),
        pytest.param("betta.example", ["beta.example"], None, id="ascii-typo-is-another-domain"),
        pytest.param("münchen.example", ["munchen.example"], None, id="real-umlaut-not-confusable"),
    ],
)
def test_lookalike_domains(domain: str, known: list[str], imitated: str | None) -> None:
    assert lookalike(domain, known) == imitated


def test_skeleton_and_international() -> None:
    assert skeleton("p\u0430yp\u0430l") == "paypal"
    assert is_international("xn--bta-rdd.example") and is_international("bеta.example")
    assert not is_international("beta.example")


@pytest.mark.parametrize(
    ("text", "domain", "problem"),
    [
        pytest.param("beta.example", "beta.example", None, id="plain"),
        pytest.param("@Beta.Example", "beta.example", None, id="at-prefix"),
        pytest.param("gmail.com", None, "public mail provider", id="public"),
        pytest.param("beta", "beta", None, id="single-label-private"),
        pytest.param("beta..example", None, "invalid domain", id="double-dot"),
        pytest.param("b\u0435ta.example", None, "mixes scripts", id="mixed-script"),
    ],
)
def test_check_domain(text: str, domain: str | None, problem: str | None) -> None:
    got, why = check_domain(text)
    assert got == domain
    assert (why is None) if problem is None else (problem in (why or ""))


def test_read_sender_without_headers() -> None:
    assert read_sender([]).problems == ("no From header",)


_PIECES = st.sampled_from(
    [
        *("=?utf-8?q?", "=?utf-8?b?", "?=", "<", ">", "@", ",", ";", ":", '"', "\\", "(", ")"),
        *("xn--", ".", " ", "\x00", "\u0430", "\uff42", "finance", "beta.example", "=40", "=2C"),
    ]
)
_HEADER = st.lists(
    st.one_of(_PIECES, st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)),
    max_size=16,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_HEADER, max_size=3))
def test_read_sender_never_raises_and_a_problem_means_no_sender(values: list[str]) -> None:
    got = read_sender(values)
    assert isinstance(got.problems, tuple)
    read_addresses(values)
    head = "".join("From: " + " ".join(v.splitlines()) + "\r\n" for v in values)
    mail = parse((head + "To: a@b.example\r\n\r\nx\r\n").encode("utf-8", "replace"))
    # either a sender without a problem, or problems and no sender: never both, never neither
    assert bool(mail.sender) != bool(mail.sender_problems)
