"""Review queue actions for paper letters (#16): what a person decides about a letter step
that has no postal address, a letter that could not be made, and a letter posted too late
for the deadline it states. Called by daemon.app.review inside its transaction."""

from __future__ import annotations

from daemon.adapters.letter_pdf import LetterError
from daemon.adapters.store import letters as letter_store
from daemon.adapters.store.ladder_state import pass_over_step
from daemon.app.letters import address_of, asset_checks
from daemon.app.review_context import ActionContext as _Ctx
from daemon.app.review_context import Result, ReviewError

LETTER_TYPES = ("no_postal_address", "letter_failed", "letter_deadline")

# The actions for each type, the usual one first, with the line `dunmail queue show ID`
# prints for each (the CLI's `queue resolve --help` says the same).
LETTER_HELP: dict[str, dict[str, str]] = {
    "no_postal_address": {
        "retry": "after importing the address: the letter is made at the next cycle",
        "skip_step": "no letter for this step (not a formal notice or the last step):"
        " the ladder goes on by mail with its next step",
    },
    "letter_failed": {
        "retry": "after fixing the [letters] files: the letter is made at the next cycle",
    },
    "letter_deadline": {
        "remake": "print the letter again, dated today with a fresh deadline",
        "accept": "keep the posted letter; the debtor is given the later date",
    },
}
LETTER_ACTIONS = {kind: tuple(actions) for kind, actions in LETTER_HELP.items()}


def _error(message: str) -> Exception:
    return ReviewError(message)


def retry(ctx: _Ctx) -> Result:
    """Nothing is made here: the next dunning cycle makes the letter, as it would have. The
    item is resolved only when what stopped the letter is gone."""
    if ctx.item["type"] == "no_postal_address":
        debtor_id = ctx.need_debtor()
        address = address_of(letter_store.postal_address(ctx.store, debtor_id))
        missing = address.missing() if address is not None else ("the debtor is erased",)
        if missing:
            raise _error(
                f"{debtor_id} still has no postal address ({', '.join(missing)}): add the"
                " street, postcode and city columns to the invoice file and import it again"
            )
        ctx.event("letter_address_known", address=list(address.block("")) if address else [])
        return "postal address known; the letter is made at the next cycle", True, {}
    failing = [c for c in asset_checks(ctx.config) if not c["ok"]]
    if failing:
        raise _error(
            "the [letters] files still fail: "
            + "; ".join(f"{c['name']}: {c['detail']}" for c in failing)
        )
    ctx.event("letter_retry")
    return "the letter files are readable; the letter is made at the next cycle", True, {}


def skip_step(ctx: _Ctx) -> Result:
    """The debtor gets no letter for this step: its invoices pass it over and the ladder
    goes on by mail. Refused for a formal notice (its statutory term needs it to be
    received) and for the ladder's last step (nothing would follow)."""
    evidence = ctx.item["evidence"]
    ladder = ctx.config.ladders.get(evidence.get("ladder") or "")
    number = evidence.get("step_number")
    if ladder is None or not number or int(number) > len(ladder.steps):
        raise _error(f"item #{ctx.item['id']} does not name a step of a configured ladder")
    step = ladder.steps[int(number) - 1]
    if step.formal_notice:
        raise _error(
            f"step '{step.name}' is a formal notice: it must reach the debtor; import the"
            " postal address and use --action retry"
        )
    if int(number) == len(ladder.steps):
        raise _error(f"step '{step.name}' is the ladder's last: nothing would follow by mail")
    moved = pass_over_step(
        ctx.store, ctx.item["invoice_numbers"], int(number), step.name, ctx.today.isoformat(),
        ctx.at,
    )  # fmt: skip
    if not moved:
        raise _error(f"no invoice of item #{ctx.item['id']} is still before step '{step.name}'")
    following = ladder.steps[int(number)].name
    ctx.event("letter_step_skipped", step=step.name, invoices=moved, text=ctx.req.text)
    return (
        f"step '{step.name}' passed over for {', '.join(moved)}; '{following}' follows by mail",
        True,
        {"invoices": moved},
    )


def _letter_id(ctx: _Ctx) -> int:
    letter_id = ctx.item["evidence"].get("letter")
    if letter_id is None:
        raise _error(f"item #{ctx.item['id']} names no letter")
    return int(letter_id)


def remake(ctx: _Ctx) -> Result:
    """A new letter for the same step, dated for today and stating a deadline counted from
    it, into the print queue; the late one stays posted on record."""
    from daemon.app.print_queue import LetterRefused, letter_on_demand

    old = letter_store.letter(ctx.store, _letter_id(ctx))
    if old is None:
        raise _error(f"letter #{_letter_id(ctx)} is gone")
    try:
        letter_id, made = letter_on_demand(
            ctx.store, ctx.config, str(old["debtor_id"]), step_name=old["step_name"],
            now=ctx.now, actor=ctx.actor,
        )  # fmt: skip
    except (LetterRefused, LetterError) as exc:
        raise _error(str(exc)) from exc
    deadline = made.letter.deadline.isoformat() if made.letter.deadline else None
    ctx.event("letter_remade", letter=letter_id, replaces=old["id"], deadline=deadline)
    return (
        f"letter #{letter_id} made with deadline {deadline or '-'}; print and post it"
        f" (dunmail letters print {letter_id})",
        True,
        {"letter": letter_id, "deadline": deadline},
    )


def accept(ctx: _Ctx) -> Result:
    """Keep the posted letter: the person gives the debtor the later date the item names."""
    letter_id = _letter_id(ctx)
    ctx.event("letter_deadline_accepted", letter=letter_id, text=ctx.req.text)
    return ctx.req.text or f"letter #{letter_id} stands; the later date is granted", True, {}
