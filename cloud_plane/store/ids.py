"""Fresh random ids the stores give new things (pure: no database library)."""

from __future__ import annotations

import secrets


def new_epoch_id() -> str:
    """Return a fresh random epoch id."""
    return "ep_" + secrets.token_hex(8)


def new_site_id() -> str:
    """Return a fresh random site id."""
    return "site_" + secrets.token_hex(6)
