"""The client address: the socket peer unless the peer is a trusted proxy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cloud_plane.auth.client_address import client_address, parse_networks
from cloud_plane.config import CloudSettings

PROXIES = parse_networks("10.0.0.0/16, 127.0.0.1")


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    assert client_address("203.0.113.9", ["1.2.3.4"], []) == "203.0.113.9"


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("203.0.113.9", ["1.2.3.4"], PROXIES) == "203.0.113.9"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    # The client wrote "1.2.3.4"; the ALB appended the real peer; an inner proxy appended the ALB.
    header = ["1.2.3.4, 198.51.100.7", "10.0.3.4"]
    assert client_address("10.0.1.2", header, PROXIES) == "198.51.100.7"


def test_a_trusted_peer_without_the_header_is_the_client() -> None:
    assert client_address("127.0.0.1", [], PROXIES) == "127.0.0.1"
    assert client_address(None, [], PROXIES) == "unknown"


def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start() -> None:
    with pytest.raises(ValidationError):
        CloudSettings(trusted_proxies="10.0.0.0/16,alb.internal")
