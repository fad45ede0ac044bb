"""Which address a request comes from: the socket peer, or X-Forwarded-For behind trusted proxies.

``X-Forwarded-For`` is read only when the socket peer is one of the configured trusted
proxies (``EDGESYNC_CLOUD_TRUSTED_PROXIES``; default none, so the peer is the client and the
header is ignored: anyone can write it). Then the hops are walked from the right (the ones the
proxies appended) and the first address that is not itself a trusted proxy is the client; what
a client wrote further left is never believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_ADDRESS = 64  # a key, never echoed; bounded like any input


def parse_networks(spec: str) -> list[Network]:
    """Return the networks of a comma-separated list of addresses or CIDRs; raise ValueError."""
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str:
    """Return the client's address for rate limiting."""
    if peer is None:
        return "unknown"
    if not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop[:MAX_ADDRESS]
    return hops[0][:MAX_ADDRESS] if hops else peer


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
