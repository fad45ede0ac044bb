"""The sealed refresh-token cookie: only this deployment's key opens it, and only unaltered."""

from __future__ import annotations

from cloud_plane.web.refresh_cookie import seal, unseal

KEY = b"k" * 32
TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.refresh"


def test_a_sealed_token_opens_with_the_same_key_and_is_not_readable() -> None:
    sealed = seal(KEY, TOKEN)
    assert unseal(KEY, sealed) == TOKEN
    assert TOKEN not in sealed and "refresh" not in sealed


def test_another_deployments_key_does_not_open_it() -> None:
    assert unseal(b"o" * 32, seal(KEY, TOKEN)) is None


def test_an_altered_or_absent_cookie_opens_to_nothing() -> None:
    sealed = seal(KEY, TOKEN)
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    assert unseal(KEY, flipped) is None
    assert unseal(KEY, "not a fernet token") is None
    assert unseal(KEY, None) is None and unseal(KEY, "") is None
