"""Password hashing with scrypt (stdlib): a memory-hard KDF with a per-user salt.

scrypt rather than argon2-cffi: it is in the standard library (no native
dependency to build for Lambda) and, at n=2**14, r=8, p=1 (the parameters
OWASP lists as a minimum for scrypt), costs ~16 MiB and tens of ms per guess.
The parameters travel inside the hash, so they can be raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
_DUMMY = None


def hash_password(password: str, *, n: int = N) -> str:
    """Return ``scrypt$n$r$p$salt$key`` for ``password``."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, n, R, P)
    return "$".join(("scrypt", str(n), str(R), str(P), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str | None) -> bool:
    """Return True if ``password`` matches ``stored``; spend the same time when it is None."""
    global _DUMMY
    if stored is None:
        # An unknown user costs as much as a wrong password: no user enumeration by timing.
        _DUMMY = _DUMMY or hash_password(secrets.token_hex(8))
        stored, password = _DUMMY, password + "\x00"
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def generate_password() -> str:
    """Return a random password for a new user (~128 bits)."""
    return secrets.token_urlsafe(16)


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=64 * 1024 * 1024
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
