"""The ``UserStore`` contract: staff users."""

from __future__ import annotations

import pytest

from cloud_plane.errors import Conflict, NotFound
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW

ROLE = "users"


def test_users_are_case_insensitive_and_unique(store: CloudStore) -> None:
    user = store.users.create_user("Ann@Example.com", "h", "manager", ["a", "b"], now=NOW)
    assert user.username == "ann@example.com" and user.sites == {"a", "b"}
    assert store.users.get_user("ANN@example.com") == user
    assert store.users.get_user("bob@example.com") is None
    with pytest.raises(Conflict):
        store.users.create_user("ann@example.com", None, "viewer", [], now=NOW)


def test_a_new_user_is_enabled_at_token_version_zero(store: CloudStore) -> None:
    user = store.users.create_user("ann@example.com", "h", "viewer", [], now=NOW)
    assert not user.disabled and user.token_version == 0
    assert store.users.get_user("ann@example.com") == user


def test_users_are_listed_by_username(store: CloudStore) -> None:
    for name in ("carol@example.com", "ann@example.com", "bob@example.com"):
        store.users.create_user(name, None, "viewer", [], now=NOW)
    assert [u.username for u in store.users.list_users()] == [
        "ann@example.com",
        "bob@example.com",
        "carol@example.com",
    ]


def test_disabling_revokes_tokens_once_and_enabling_keeps_them_revoked(store: CloudStore) -> None:
    store.users.create_user("ann@example.com", "h", "viewer", [], now=NOW)
    disabled = store.users.disable_user("ANN@example.com")
    assert disabled.disabled and disabled.token_version == 1
    assert store.users.disable_user("ann@example.com") == disabled  # idempotent
    enabled = store.users.enable_user("ann@example.com")
    assert not enabled.disabled and enabled.token_version == 1
    assert store.users.get_user("ann@example.com") == enabled


def test_set_role_replaces_role_and_sites_without_revoking(store: CloudStore) -> None:
    store.users.create_user("ann@example.com", "h", "admin", [], now=NOW)
    user = store.users.set_role("ann@example.com", "manager", ["b", "a", "a"])
    assert (user.role, user.sites, user.token_version) == ("manager", {"a", "b"}, 0)
    assert store.users.get_user("ann@example.com") == user


def test_set_password_replaces_the_hash_and_revokes_tokens(store: CloudStore) -> None:
    store.users.create_user("ann@example.com", "old", "viewer", ["a"], now=NOW)
    user = store.users.set_password("ann@example.com", "new")
    assert (user.password_hash, user.token_version, user.sites) == ("new", 1, {"a"})
    assert store.users.set_password("ann@example.com", "newer").token_version == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda users: users.disable_user("nobody@example.com"),
        lambda users: users.enable_user("nobody@example.com"),
        lambda users: users.set_role("nobody@example.com", "viewer", []),
        lambda users: users.set_password("nobody@example.com", "h"),
    ],
    ids=["disable", "enable", "set-role", "set-password"],
)
def test_changing_an_unknown_user_is_not_found(store: CloudStore, change) -> None:
    with pytest.raises(NotFound):
        change(store.users)
