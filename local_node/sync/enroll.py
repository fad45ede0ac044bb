"""Enrolment: make the node's key pair here, register the public half with a one-time code.

A failed enrolment says which of three things went wrong, because each has a different fix::

    EnrollmentFailed
     ├── CodeRefused     the cloud's enrolment route refused the code (403): ask for a new
     │                   code for the same site
     ├── NotACloud       something that is not an edgesync cloud answered (404 on the route,
     │                   a redirect, a web page): fix the URL; the code was not used
     └── CloudNotReached nothing answered (refused, timeout, DNS): fix the URL or the network
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from local_node import __version__
from local_node.db.tables import SyncStream
from local_node.sync import store
from local_node.sync.client import (
    ENROLL_PATH,
    CloudRefused,
    CloudUnreachable,
    SyncClient,
    UnreadableReply,
)
from local_node.sync.keys import key_path, write_private_key
from sync_protocol.messages import EnrollReply, EnrollRequest
from sync_protocol.signing import generate_keypair


class EnrollmentFailed(Exception):
    """Enrolment did not complete; the message says why and what to do."""


class CodeRefused(EnrollmentFailed):
    """The cloud's enrolment route refused the code (unknown, used, expired, revoked site)."""


class NotACloud(EnrollmentFailed):
    """The URL does not lead to an edgesync cloud's enrolment route."""


class CloudNotReached(EnrollmentFailed):
    """Nothing answered at the URL."""


URL_ADVICE = (
    "check --cloud: the cloud's base URL as `edgesync cloud serve` prints it "
    "(e.g. https://sync.example.com), not this node's address nor a path under the cloud"
)


def explain_refusal(exc: CloudRefused, cloud_url: str) -> EnrollmentFailed:
    """Tell a refused code (403 in the cloud's error shape) from a wrong URL."""
    route = f"{cloud_url.rstrip('/')}{ENROLL_PATH}"
    if exc.status == 403 and exc.error_shape:
        return CodeRefused(
            f"the cloud at {cloud_url} refused the enrolment code: {exc.detail}. "
            "Ask the cloud's admin for a new code for the same site "
            "(`edgesync cloud sites new-code SITE_ID`); `create-site` would make a second site"
        )
    if 300 <= exc.status < 400:
        moved = f" to {exc.location}" if exc.location else ""
        return NotACloud(
            f"{route} redirected{moved} ({exc.status}); the code was not used: {URL_ADVICE}"
        )
    if exc.status in (404, 405) or not exc.error_shape:
        return NotACloud(
            f"no edgesync cloud at {cloud_url}: {route} answered {exc.status} "
            f"({exc.detail[:80]}); the code was not used: {URL_ADVICE}"
        )
    # 413, 422, 426...: the real route answered about the request itself.
    return EnrollmentFailed(f"the cloud at {cloud_url} refused enrolment: {exc}")


def enroll(
    engine: Engine,
    *,
    data_dir: Path,
    cloud_url: str,
    code: str,
    node_name: str,
    client: SyncClient,
    now: datetime,
    timezone: str | None = None,
) -> EnrollReply:
    """Join the cloud site that issued ``code``; store the key and the site in the node.

    ``timezone`` (an IANA name) is reported as the site's zone: the cloud keeps it only when
    the site has none yet, so a zone staff set is never overridden. The private key is
    written (0600) only after the cloud accepted the public key, so a failed attempt never
    replaces the key of a working enrolment.
    """
    private_pem, public_pem = generate_keypair()
    request = EnrollRequest(
        code=code,
        public_key_pem=public_pem,
        node_name=node_name[:64],
        node_version=__version__,
        timezone=timezone,
    )
    try:
        reply = client.enroll(request)
    except CloudRefused as exc:
        raise explain_refusal(exc, cloud_url) from None
    except UnreadableReply:
        raise NotACloud(
            f"no edgesync cloud at {cloud_url}: {ENROLL_PATH} answered with something that is "
            f"not a sync reply; the code was not used: {URL_ADVICE}"
        ) from None
    except CloudUnreachable as exc:
        raise CloudNotReached(
            f"cannot reach the cloud at {cloud_url} ({exc}); the code was not used: check "
            "--cloud, that the cloud runs, and that this machine can reach it"
        ) from None
    write_private_key(key_path(data_dir), private_pem)
    with engine.begin() as conn:
        store.update_state(
            conn,
            site_id=reply.site_id,
            key_id=reply.key_id,
            cloud_url=cloud_url.rstrip("/"),
            cloud_epoch=reply.cloud_epoch,
            enrolled_at=now,
            hotlist_version=0,
            hits_acked=0,
            last_error=None,
            last_success_at=None,
            last_attempt_at=None,
        )
        # A new enrolment starts from nothing in the cloud: every held row is sent.
        conn.execute(update(SyncStream).values(acked=0))
        store.ensure_streams(conn, now)
    return reply
