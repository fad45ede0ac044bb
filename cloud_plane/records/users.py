"""Staff users and their roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["admin", "manager", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "manager", "viewer")


@dataclass(frozen=True)
class User:
    """A staff member; ``sites`` is the scope of managers and viewers (admins see all).

    ``token_version`` is carried by the tokens the self-hosted issuer mints; a password
    reset or disabling bumps it, so every token issued before is refused.
    """

    username: str
    role: Role
    sites: frozenset[str]
    created_at: datetime
    password_hash: str | None = None
    disabled: bool = False
    token_version: int = 0
