"""Text features of a reply for the learned intent model. Pure and deterministic.

The same function feeds training and inference, so what the model saw is what it meets.
Writing varies: accents and umlauts are folded ("überwiesen", "ueberwiesen", "uberwiesen"
are one word), digits collapse to shapes, and words inside a negation's reach get their own
"!word" feature ("we do not dispute" is not "we dispute"); pairs one word apart
("will__paid") survive a word inserted between them. Character 4-grams inside words
carry typos and German/Dutch compounds ("zahlungserinnerung", "betalingsregeling").
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
_SPLIT = re.compile(r"[.!?;:\n()\[\]\"]+")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|réf|ref|fw|fwd|wg|tr)\s*:\s*)+", re.IGNORECASE)
# The reminder subjects we send: the words say nothing about the answer.
_OUR_SUBJECT = re.compile(
    r"(tweede |second |2\. )?(herinnering|reminder|zahlungserinnerung|rappel|betalingsherinnering)"
    r"\s*:?\s*(factuur|invoice|rechnung|facture)?\s*\S*\s*(\([^)]*\))?",
    re.IGNORECASE,
)
_UMLAUT_PAIRS = re.compile(r"(ae|oe|ue)")
_UMLAUT_BASE = {"ae": "a", "oe": "o", "ue": "u"}
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "niet",
        "geen",
        "nooit",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "nie",
        "ne",
        "pas",
        "jamais",
        "aucun",
        "aucune",
        "ned",
        "nit",
        "noch_nicht",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "wont",
        "arent",
        "havent",
        "hasnt",
        "couldnt",
        "wouldnt",
        "unable",
    ]
)
_APOSTROPHE_NT = re.compile(r"(\w)n['’]t\b")
_NEGATION_REACH = 3
# "falls nicht, überweise ich morgen", "if not, we pay Friday": the alternative, not negated
IF_NOT = frozenset(["if", "falls", "wenn", "zo", "indien"])
_GRAM = 4


def fold(text: str) -> str:
    """Lower case without accents; ß → ss; ae/oe/ue → a/o/u (so "Gruesse" = "Grüße")."""
    text = text.lower().replace("ß", "ss").replace("’", "'")
    text = _APOSTROPHE_NT.sub(r"\1nt", text)
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UMLAUT_PAIRS.sub(lambda m: _UMLAUT_BASE[m.group(1)], plain)


def _shape(token: str) -> str:
    if token.isdigit():
        return "#d" + str(min(len(token), 4))
    if any(c.isdigit() for c in token):
        return "#x"
    return token


def text_features(own_text: str, subject: str = "", *, folded: str | None = None) -> list[str]:
    """Sorted, de-duplicated feature names of one reply (own text, then its subject);
    ``folded`` is ``fold(own_text[:6000])`` when the caller has it already."""
    feats: set[str] = set()
    for piece in _SPLIT.split(folded if folded is not None else fold(own_text[:6000])):
        words = [_shape(w) for w in _WORD.findall(piece)]
        # Pairs one word apart: word order moves ("maken we vrijdag over", "will be paid" /
        # "will now be paid", "überweise ich morgen"), a bigram breaks on one inserted word.
        # On 5-fold CV they raised the share handled automatically (shared corpora 0.787 ->
        # 0.796, ours 0.765 -> 0.779, held-out part 0.674 -> 0.697) at the same accuracy.
        feats.update(f"{a}__{b}" for a, b in zip(words, words[2:], strict=False))
        reach = 0
        prev = "^"
        for word in words:
            feats.add(word)
            feats.add(prev + "_" + word)
            if reach > 0:
                feats.add("!" + word)
                reach -= 1
            if word in NEGATORS and prev not in IF_NOT:
                reach = _NEGATION_REACH
            if len(word) >= _GRAM + 2 and not word.startswith("#"):
                padded = f"<{word}>"
                feats.update("~" + padded[i : i + _GRAM] for i in range(len(padded) - _GRAM + 1))
            prev = word
    topic = _OUR_SUBJECT.sub(" ", _REPLY_PREFIX.sub("", subject))
    feats.update("s:" + _shape(w) for w in _WORD.findall(fold(topic)))
    return sorted(feats)
