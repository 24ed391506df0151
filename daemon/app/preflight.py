"""What must be in place before dunmail may send mail: checked by `check-config`, by the
daemon at start-up and by `run --once`, so that a broken install fails at once with a
message instead of failing every cycle later: the templates, and the mail servers'
secrets (read here only by commands that are about to log in anyway)."""

from __future__ import annotations

from daemon.adapters.templates import missing_templates
from daemon.config import Config, ConfigError

# Templates the use cases render besides the ladder steps (replies, plans, calls, staff).
APP_TEMPLATES = (
    "thank_you",
    "promise_confirmation",
    "promise_date_request",
    "paid_proof_request",
    "invoice_copy",
    "plan_schedule",
    "plan_instalment_reminder",
    "call_summary",
    "staff_alert",
    "staff_digest",
    "staff_confirmation",
)


def required_templates(config: Config) -> set[str]:
    """Every template the configuration can make dunmail render."""
    ladder_mails = {
        step.template
        for ladder in config.ladders.values()
        for step in ladder.steps
        if step.channel == "email"
    }
    return ladder_mails | set(APP_TEMPLATES)


def template_problems(config: Config) -> list[str]:
    """One line per missing template (empty when dunmail can render every mail)."""
    return missing_templates(required_templates(config))


def secret_problems(config: Config) -> list[str]:
    """One line per configured mail server whose password cannot be read, naming the key."""
    problems = []
    for settings in (config.imap, config.smtp):
        if not settings.configured or not settings.username or settings.auth != "login":
            continue
        try:
            settings.secret()
        except ConfigError as exc:
            problems.append(str(exc))
    return problems
