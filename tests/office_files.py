"""A small office on disk, as an admin would write it: a config file that names real
(loopback) mail servers, a credentials folder, and an invoice CSV with one overdue invoice.
Used by the install tests, which drive the `dunmail` command like an admin does."""

from __future__ import annotations

import os
from pathlib import Path

# A Wednesday morning inside the default sending window; the invoice is five weeks overdue.
NOW = "2026-05-20T10:00+02:00"
INVOICE = "F2026-0001"
DEBTOR_EMAIL = "boekhouding@klant.example"
OFFICE_EMAIL = "debiteuren@voorbeeld.example"


def write_office(
    folder: Path,
    *,
    db: Path,
    smtp_port: int | None = None,
    imap_port: int | None = None,
    imap_user: str = "",
) -> Path:
    """config.toml + invoices.csv in ``folder``; the IMAP password is a systemd-style
    credential named imap-password (see write_credential)."""
    folder.mkdir(parents=True, exist_ok=True)
    imap = (
        f'[imap]\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "plain"\n'
        f'username = "{imap_user}"\ncredential = "imap-password"\ntimeout_seconds = 10\n'
        "idle = false\npoll_seconds = 1\n"
        if imap_port
        else ""
    )
    smtp = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "plain"\n'
        "timeout_seconds = 10\n"
        if smtp_port
        else ""
    )
    config = folder / "config.toml"
    config.write_text(
        f"""[office]
name = "Voorbeeld B.V."
email = "{OFFICE_EMAIL}"
iban = "NL91ABNA0417164300"
bic = "ABNANL2A"

[database]
path = "{db}"

{imap}
{smtp}
[dunning]
# No bank statement in this office: do not wait for one before reminding.
bank_freshness_business_days = 0

[bank]
accounts = ["NL91ABNA0417164300"]
""",
        encoding="utf-8",
    )
    os.chmod(config, 0o600)
    (folder / "invoices.csv").write_text(
        "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
        f"{INVOICE},D1,Klant B.V.,{DEBTOR_EMAIL},2026-03-16,2026-04-15,1234.50\n",
        encoding="utf-8",
    )
    return config


def write_credential(folder: Path, name: str, secret: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    path.write_text(secret + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return folder
