"""Moving or flagging a processed message on the server: which action its outcome calls for,
performing the recorded actions after the commit (one command per target), and refiling a
retried message whose copy was filed already."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.mailerrors import PermanentMailError
from daemon.adapters.store import inbox as db
from daemon.adapters.store.db import Store
from daemon.app.mailbox import MailboxClient, PassReport
from daemon.config import Config

PROCESSED_FLAGS = ("\\Seen", "$DunmailProcessed")
REVIEW_FLAGS = ("\\Flagged", "$DunmailReview")


def pending_refile_note(row: dict[str, Any]) -> str | None:
    """For a person: where the next fetch will move a retried message's server copy."""
    action = str(row.get("server_action") or "")
    if not action.startswith("refile:") or row.get("server_done"):
        return None
    source, _, target = action.removeprefix("refile:").partition(">")
    return f"the next fetch moves it from {source} to {target}"


def next_server_action(current: str | None, done: bool, desired: str) -> tuple[str | None, bool]:
    """(server action, already done) for a message whose outcome calls for ``desired``.

    First processing: ``desired``. Processed again (a retry) after its copy was filed: from
    where it is now to where ``desired`` puts it — ``refile:FROM>TO`` (found by Message-ID,
    as the move gave it a new UID) or ``reflag:OLD>NEW``; nothing when it is there already,
    or when the mark mode changed in between (it stays where it is)."""
    if current is None:
        return desired, False
    verb, _, arg = current.partition(":")
    if verb in ("refile", "reflag"):
        source, _, target = arg.partition(">")
        place = ("move" if verb == "refile" else "flag", target if done else source)
    elif done:
        place = (verb, arg)
    else:
        return desired, False  # never performed: the message is still in the mailbox
    want, _, want_arg = desired.partition(":")
    if place[0] != want:
        return current, done
    if place[1] == want_arg:
        return desired, True
    return f"{'refile' if want == 'move' else 'reflag'}:{place[1]}>{want_arg}", False


def server_action_for(config: Config, status: str) -> str:
    review = status in ("review", "shunted")
    if config.imap.mark_mode == "flag":
        return "flag:" + " ".join(REVIEW_FLAGS if review else PROCESSED_FLAGS)
    return "move:" + (config.imap.review_folder if review else config.imap.processed_folder)


def perform_server_actions(
    client: MailboxClient,
    store: Store,
    inbox_ids: Sequence[int],
    uidvalidity: int,
    report: PassReport,
) -> None:
    """Move or flag after the commit, one command per target; recorded as done (in one
    transaction) only for the rows whose command the server acknowledged."""
    rows = db.server_action_rows(store, inbox_ids)
    groups: dict[str, list[dict[str, Any]]] = {}
    finished: list[int] = []
    for row in rows:
        if not row["server_action"] or row["server_done"]:
            continue
        if row["server_action"].startswith("refile:"):
            if _refile(client, row, report):
                finished.append(row["id"])
            continue
        if row["uidvalidity"] != uidvalidity:
            # Under another UIDVALIDITY the UID names nothing: the re-scan finds it again.
            finished.append(row["id"])
            continue
        groups.setdefault(row["server_action"], []).append(row)
    for action, members in groups.items():
        try:
            _perform(client, action, [r["uid"] for r in members])
            finished.extend(r["id"] for r in members)
            report.server_actions += len(members)
        except PermanentMailError:
            # One refused UID must not hold back the rest: fall back to one command each.
            for row in members:
                try:
                    _perform(client, action, [row["uid"]])
                except PermanentMailError as exc:
                    report.errors.append(f"inbox {row['id']}: {action}: {exc}")
                    continue
                finished.append(row["id"])
                report.server_actions += 1
    if finished:
        with store.transaction():
            db.mark_server_done(store, finished)


def _perform(client: MailboxClient, action: str, uids: list[int]) -> None:
    verb, _, arg = action.partition(":")
    if verb == "move":
        client.move(uids, arg)
    elif verb == "flag":
        client.add_flags(uids, arg.split())
    elif verb == "reflag":
        old, _, new = arg.partition(">")
        client.remove_flags(uids, old.split())
        client.add_flags(uids, new.split())


def _refile(client: MailboxClient, row: dict[str, Any], report: PassReport) -> bool:
    """Move a message filed earlier to the folder its new outcome belongs in. True when done
    (or impossible: then the reason is in the report and the row is not tried again)."""
    source, _, target = row["server_action"].removeprefix("refile:").partition(">")
    if not row["message_id"]:
        report.errors.append(
            f"inbox {row['id']}: no Message-ID to find it by in {source}; move it to {target}"
            " by hand"
        )
        return True
    try:
        moved = client.refile(row["message_id"], source, target)
    except PermanentMailError as exc:
        report.errors.append(f"inbox {row['id']}: refile {source} → {target}: {exc}")
        return False
    report.server_actions += moved
    return True
