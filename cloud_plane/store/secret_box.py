"""Secrets the cloud must use again (webhook signing secrets) are stored encrypted.

They cannot be hashed like passwords: the dispatcher needs them to sign. So they are sealed
with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`, already a dependency) under a key
kept apart from the database: a file with mode 0600 in the cloud's data dir. A stolen
database (or backup) alone does not reveal them.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "fernet:"


class SecretBox:
    """Seals and opens short secrets for storage."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, secret: str | None) -> str | None:
        """The stored form of a secret (None stays None)."""
        if secret is None:
            return None
        return PREFIX + self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, stored: str | None) -> str | None:
        """The secret from its stored form; ValueError if it was sealed under another key."""
        if stored is None:
            return None
        if not stored.startswith(PREFIX):
            raise ValueError("a stored secret is not sealed (written without a secret box?)")
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except InvalidToken:
            raise ValueError("a stored secret does not open with this key") from None


def load_or_create_box(path: Path) -> SecretBox:
    """The box whose key lives at `path` (created with mode 0600 on first start)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    return SecretBox(path.read_bytes().strip())
