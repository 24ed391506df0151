"""Organisational domains from the Public Suffix List (publicsuffixlist, its bundled copy).

The list ships inside the package and is read once, on first use, never fetched: dunmail
makes no network call to decide alignment. Upgrading the package refreshes the list.
"""

from __future__ import annotations

from functools import cache

from publicsuffixlist import PublicSuffixList


@cache
def _suffixes() -> PublicSuffixList:
    # ICANN and private sections both: a private suffix (eu.org, github.io) hands out
    # subdomains to strangers exactly like co.uk does, so it must never align two of them.
    return PublicSuffixList(only_icann=False)


def organisational_domain(domain: str) -> str | None:
    """``mail.bank.co.uk`` → ``bank.co.uk``; None when ``domain`` is itself a public suffix."""
    found = _suffixes().privatesuffix(domain.strip().lower().rstrip("."))
    return str(found) if found else None
