"""Where a message's server copy goes when it is processed again with another outcome."""

from __future__ import annotations

import pytest

from daemon.app.server_actions import next_server_action as _next_server_action

REVIEW, DONE = "move:dunmail/review", "move:dunmail/processed"
FLAG_REVIEW, FLAG_DONE = "flag:\\Flagged $DunmailReview", "flag:\\Seen $DunmailProcessed"


@pytest.mark.parametrize(
    ("current", "done", "desired", "expected"),
    [
        (None, False, DONE, (DONE, False)),  # first processing
        (REVIEW, False, DONE, (DONE, False)),  # never performed: perform the new one
        (REVIEW, True, REVIEW, (REVIEW, True)),  # same outcome: nothing to do
        (REVIEW, True, DONE, ("refile:dunmail/review>dunmail/processed", False)),
        (DONE, True, REVIEW, ("refile:dunmail/processed>dunmail/review", False)),
        # refiled, then retried again: from where it is now
        ("refile:dunmail/review>dunmail/processed", True, REVIEW,
         ("refile:dunmail/processed>dunmail/review", False)),
        # refile still pending, then the outcome goes back: it never left the review folder
        ("refile:dunmail/review>dunmail/processed", False, REVIEW, (REVIEW, True)),
        (FLAG_REVIEW, True, FLAG_DONE,
         ("reflag:\\Flagged $DunmailReview>\\Seen $DunmailProcessed", False)),
        (REVIEW, True, FLAG_DONE, (REVIEW, True)),  # mark mode changed: leave it be
    ],
)  # fmt: skip
def test_next_server_action(
    current: str | None, done: bool, desired: str, expected: tuple[str, bool]
) -> None:
    assert _next_server_action(current, done, desired) == expected
