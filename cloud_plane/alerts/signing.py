"""Webhook signatures, shared with the node's offline fallback: see sync_protocol.webhook_signing.

``X-Edgesync-Signature: sha256=HEX`` over ``timestamp + "." + body``; one implementation
for both senders, so a receiver verifies cloud and node webhooks alike.
"""

from __future__ import annotations

from sync_protocol.webhook_signing import (
    DEFAULT_TOLERANCE,
    DELIVERY_HEADER,
    SCHEME,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_webhook,
    verify_webhook_signature,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "DELIVERY_HEADER",
    "SCHEME",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "sign_webhook",
    "verify_webhook_signature",
]
