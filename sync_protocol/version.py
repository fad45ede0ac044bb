"""Protocol version negotiation: which sync wire versions this side speaks.

A peer outside ``MIN_SUPPORTED_VERSION..PROTOCOL_VERSION`` is refused with
``UnsupportedProtocolVersion`` *before* its message is validated, so that an old
node gets one clear error ("upgrade") instead of a pile of field errors. The
cloud is upgraded first; it keeps accepting older node versions down to
``MIN_SUPPORTED_VERSION`` and maps this error to HTTP 426 (Upgrade Required).
"""

from __future__ import annotations

PROTOCOL_VERSION = 1
"""The version this code writes in every request and reply."""

MIN_SUPPORTED_VERSION = 1
"""The oldest peer version this code still reads."""


class UnsupportedProtocolVersion(ValueError):
    """The peer speaks a protocol version outside the supported range."""

    def __init__(self, peer_version: object) -> None:
        self.peer_version = peer_version
        self.min_supported = MIN_SUPPORTED_VERSION
        self.current = PROTOCOL_VERSION
        super().__init__(
            f"unsupported sync protocol version {peer_version!r}: this side speaks "
            f"version {PROTOCOL_VERSION} and accepts {MIN_SUPPORTED_VERSION}..{PROTOCOL_VERSION}; "
            "upgrade the older side"
        )


def check_version(peer_version: object) -> int:
    """Return ``peer_version`` if supported, else raise ``UnsupportedProtocolVersion``."""
    # bool is an int subclass; True must not pass as version 1.
    if (
        not isinstance(peer_version, int)
        or isinstance(peer_version, bool)
        or not MIN_SUPPORTED_VERSION <= peer_version <= PROTOCOL_VERSION
    ):
        raise UnsupportedProtocolVersion(peer_version)
    return peer_version
