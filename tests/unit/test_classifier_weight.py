"""Issue #12: the shared corpora's replies (written by others than us, like an office's
mail) weigh more in training than our own."""

from __future__ import annotations

from daemon.app import classifier_training as ct
from daemon.domain.classify import read
from parsers.mail import parse


def _example(corpus: str, name: str, body: str, intent: str) -> ct.Example:
    mail = (
        "From: a@b.example\nTo: d@v.nl\nSubject: Re: x\n"
        "Date: Wed, 11 Nov 2026 10:00:00 +0100\n\n" + body
    ).encode()
    reading = read(parse(mail), tz=ct.TZ, is_business_day=lambda d: d.weekday() < 5)
    return ct.Example(corpus, name, {"intent": intent, "language": "en"}, reading)


def test_an_independent_reply_counts_more_than_one_of_ours() -> None:
    # Two sightings of a word in the shared corpora reach the minimum document frequency
    # (4) at weight 3; two in our own replies do not.
    assert ct.INDEPENDENT_WEIGHT * 2 >= ct.DEFAULT_SETTINGS.min_df > 2
    shared = [
        _example(
            "replies-train", f"t{i}", "We will pay the zorblat invoice on Friday.", "promise_to_pay"
        )
        for i in range(2)
    ]
    ours = [
        _example(ct.EXTRA_CORPUS, f"o{i}", "The quuxle invoice is wrong, we dispute it.", "dispute")
        for i in range(2)
    ]
    model = ct.fit([*shared, *ours])
    assert "zorblat" in model.index
    assert "quuxle" not in model.index
