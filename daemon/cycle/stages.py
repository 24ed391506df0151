"""The daemon's stages (daemon.cycle): inbound mail (IDLE or polling), drop-folder intake,
the dunning cycle at the configured times (with promise and plan reviews), the outbox,
staff notifications and upkeep, and the outbox recovery at start-up. Each stage is one
call with the runtime; the loop (daemon.cycle.loop) runs each behind its own error
boundary. Use cases are imported where a stage first runs: an idle daemon starts fast.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from daemon.adapters.store.upkeep import any_in_flight
from daemon.app.inbound_workers import InboundWorkers
from daemon.app.mail_routes import default_routes
from daemon.app.routing import RouteTable
from daemon.cycle.runtime import Runtime, Stage

log = logging.getLogger("dunmail")


def recover_at_startup(rt: Runtime) -> None:
    """Resolve mail left 'sending' by a crash (never a blind resend). When IMAP is down
    the rows stay 'sending' and the outbox stage tries again before it sends anything."""
    try:
        recover_interrupted(rt)
    except Exception as exc:  # a broken database or IMAP must not keep the daemon down
        log.error("start-up recovery failed (%s); will retry before sending", exc)


def recover_interrupted(rt: Runtime) -> None:
    """Only the outbox stage claims rows, one at a time: when it starts a run, any row still
    'sending' was interrupted (by a crash, or an error after the claim) and is resolved
    from the Sent folder before the drain."""
    from daemon.app.recovery import recover_outbox

    if not any_in_flight(rt.store):
        return
    report = recover_outbox(rt.store, rt.config, now=rt.now())
    log.info(
        "outbox recovery: %s found in the Sent folder, %s uncertain (to review), %s left",
        len(report.found_sent),
        len(report.uncertain),
        len(report.left),
    )
    if report.left:
        # Those rows stay 'sending' (never resent); the next run asks the Sent folder again.
        log.warning("outbox recovery incomplete: %s", "; ".join(report.errors))


class InboundStage:
    """Keeps one IMAP connection: a pass, then IDLE (or a poll wait) until mail arrives.

    The wait is short (at most ``max_wait`` seconds) so a stop request is honoured quickly;
    a broken connection raises, the stage backs off and the next run reconnects. The stage
    owns what its passes use: the parse/classify worker pool and the routing table."""

    def __init__(self, max_wait: float = 10.0) -> None:
        self.client: Any = None
        self.settings: Any = None
        self.max_wait = max_wait
        self.workers = InboundWorkers()
        self.routes: RouteTable = default_routes()

    def __call__(self, rt: Runtime) -> None:
        if self.client is not None and self.settings != rt.config.imap:
            self.close()  # SIGHUP changed the mailbox settings: reconnect with the new ones
        if not rt.config.imap.configured:
            return
        from daemon.adapters.imap import connect_with_retry
        from daemon.app.ingestion import run_ingestion_pass, wait_for_mail

        if self.client is None:
            self.settings = rt.config.imap
            self.client = connect_with_retry(rt.config.imap, attempts=1)
        try:
            report = run_ingestion_pass(
                rt.store,
                rt.config,
                self.client,
                now=rt.now(),
                stop=rt.halt,
                workers=self.workers,
                routes=self.routes,
            )
            rt.count("mails", report.stored)
            if not rt.halt.is_set():
                wait_for_mail(self.client, min(rt.config.imap.poll_seconds, self.max_wait), rt.halt)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.logout()
            self.client = None


def stage_dunning(rt: Runtime) -> None:
    """Plan and queue reminders once per configured cycle time (office timezone)."""
    local = rt.now().astimezone(rt.config.office.tz)
    due_slot = None
    for slot in sorted(rt.config.dunning.cycle_times):
        hour, minute = (int(p) for p in slot.split(":"))
        moment = local.replace(hour=hour % 24, minute=minute, second=0, microsecond=0)
        if moment <= local:
            due_slot = moment
    if due_slot is None:
        return
    key = due_slot.strftime("%Y-%m-%dT%H:%M")
    if rt.store.get_state("dunning_last_slot") == key:
        return
    from daemon.app.dunning import daily_reviews, queue_day

    daily_reviews(rt.store, rt.config, local.date(), rt.now())
    day, report = queue_day(rt.store, rt.config, rt.now())
    rt.store.set_state("dunning_last_slot", key)
    rt.count("dunning_cycles")
    log.info(
        "dunning cycle %s: %s mail(s) queued, %s task(s), %s held, %s skipped; bank: %s",
        key.replace("T", " "),
        len(report.queued),
        len(report.tasks),
        report.held,
        report.skipped,
        day.bank_reason,
    )


OUTBOX_BATCH = 20


def stage_outbox(rt: Runtime) -> None:
    """Resolve interrupted sends, then drain in small batches so that a stop request waits
    for one batch at most, never for the whole queue."""
    if not rt.config.smtp.configured:
        return
    from daemon.app.outbox import drain_outbox

    recover_interrupted(rt)
    while not rt.halt.is_set():
        report = drain_outbox(rt.store, rt.config, now=rt.now(), limit=OUTBOX_BATCH)
        rt.count("sent", len(report.sent))
        for error in report.errors:
            log.warning("outbox: %s", error)
        handled = report.sent + report.deferred + report.failed + report.cancelled
        if len(handled) < OUTBOX_BATCH or report.rate_limited:
            return


def stage_intake(rt: Runtime) -> None:
    """Take complete files from the drop folders (each tick: a file waits about
    intake.stable_seconds plus a tick before it is read)."""
    intake = rt.config.intake
    if not (intake.invoices_dir or intake.statements_dir):
        return
    from daemon.app.intake import IntakeError, run_intake

    report = run_intake(rt.store, rt.config, rt.now())
    rt.count("intake_files", len(report.files))
    if report.errors:  # the stage shows as failing in `dunmail status`
        raise IntakeError("; ".join(report.errors))


def stage_staff(rt: Runtime) -> None:
    from daemon.app.staffmail import notify_urgent, send_digest

    notify_urgent(rt.store, rt.config, rt.now())
    local = rt.now().astimezone(rt.config.office.tz)
    hour, minute = (int(p) for p in rt.config.staff.digest_time.split(":"))
    if (local.hour, local.minute) >= (hour, minute):
        send_digest(rt.store, rt.config, local.date(), rt.now())


def stage_upkeep(rt: Runtime) -> None:
    from daemon.app.gdpr import purge_expired

    key = rt.today().isoformat()
    if rt.store.get_state("upkeep_last_day") == key:
        return
    purge_expired(rt.store, rt.config, rt.today(), rt.now())
    rt.store.set_state("upkeep_last_day", key)


def default_stages(tick: float = 10.0) -> dict[str, tuple[Stage, float]]:
    """The stages and their pauses between healthy runs, in ``tick`` units
    (``[daemon] tick_seconds``); the inbound stage paces itself with IDLE or polling."""
    return {
        "inbound": (InboundStage(max_wait=tick), 0.0),
        "intake": (stage_intake, tick),
        "dunning": (stage_dunning, tick),
        "outbox": (stage_outbox, tick),
        "staff": (stage_staff, 6 * tick),
        "upkeep": (stage_upkeep, 30 * tick),
    }
