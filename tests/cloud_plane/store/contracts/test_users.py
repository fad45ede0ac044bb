"""The ``UserStore`` contract: staff users."""

from __future__ import annotations

import pytest

from cloud_plane.errors import Conflict
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
