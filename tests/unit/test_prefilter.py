"""parsers.prefilter: the first-character lookahead never changes what a pattern matches."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import parsers.autoreply as autoreply
import parsers.bounces as bounces
import parsers.replies.lexicon as lexicon
from parsers.prefilter import first_chars, with_prefilter

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
_WRAPPED = re.compile(r"^\(\?=\[(?:\\.|[^\]\\])*\]\)\(\?:(.*)\)$", re.DOTALL)


def prefiltered() -> dict[str, re.Pattern[str]]:
    found = {}
    for module in (lexicon, autoreply, bounces):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and _WRAPPED.match(value.pattern):
                found[f"{module.__name__}.{name}"] = value
    return found


def unfiltered(pattern: re.Pattern[str]) -> re.Pattern[str]:
    inner = _WRAPPED.match(pattern.pattern)
    assert inner is not None
    return re.compile(inner.group(1), pattern.flags)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def test_the_cue_lists_get_a_prefilter() -> None:
    names = set(prefiltered())
    for expected in (
        "parsers.replies.lexicon.DISPUTE",
        "parsers.replies.lexicon.PAID",
        "parsers.replies.lexicon.NEGATION",
        "parsers.autoreply.OOO_CUES",
        "parsers.bounces._BODY",
    ):
        assert expected in names


def test_same_matches_on_every_corpus_text() -> None:
    texts = [
        path.read_bytes().decode("utf-8", "replace")
        for path in sorted(CORPUS.rglob("*"))
        if path.suffix in (".eml", ".txt") and path.is_file()
    ]
    assert len(texts) > 200
    patterns = prefiltered()
    for name, pattern in patterns.items():
        plain = unfiltered(pattern)
        for text in texts:
            assert spans(pattern, text) == spans(plain, text), name


_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n\t.,:;'!?-@<>")
    + list("äöüßéèêçëïÄÖÜÉſKİıﬀ€")  # case-folding oddities on purpose
)
_WORDS = st.sampled_from(
    [
        "betaald",
        "niet",
        "wij betwisten",
        "not paid",
        "will pay",
        "Überweisung",
        "réglé",
        "out of office",
        "undeliverable",
        "PAID",
        "Sicherheit",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ALPHABET, _WORDS), max_size=60).map("".join))
def test_same_matches_on_any_text(text: str) -> None:
    for name, pattern in prefiltered().items():
        assert spans(pattern, text) == spans(unfiltered(pattern), text), name


def test_ignorecase_folds_are_kept() -> None:
    pattern = with_prefilter(re.compile(r"kosten|\bsumme", re.IGNORECASE))
    assert pattern.pattern.startswith("(?=[")
    for text in ("KOSTEN", "\u212aosten", "ſumme", "Summe"):  # Kelvin sign, long s
        assert spans(pattern, text) == spans(unfiltered(pattern), text)


def test_patterns_without_a_bounded_first_character_are_left_alone() -> None:
    for source in (r"\w+ing", r"(a)?", r".{0,3}x", r"(?i:a)|b", r"[^x]y", r"x*"):
        pattern = re.compile(source)
        assert first_chars(pattern) is None
        assert with_prefilter(pattern) is pattern


def test_first_characters_of_branches_options_and_assertions() -> None:
    pattern = re.compile(r"\b(?:ab|c(d)?)|(?<!x)e?f|[g-i]")
    assert first_chars(pattern) == frozenset("acefghi")
