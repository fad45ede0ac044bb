"""Enrolment: make the node's key pair here, register the public half with a one-time code."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from local_node import __version__
from local_node.db.tables import SyncStream
from local_node.sync import store
from local_node.sync.client import CloudRefused, CloudUnreachable, SyncClient
from local_node.sync.keys import key_path, write_private_key
from sync_protocol.messages import EnrollReply, EnrollRequest
from sync_protocol.signing import generate_keypair


class EnrollmentFailed(Exception):
    """Enrolment did not complete; the message says why and what to do."""


def enroll(
    engine: Engine,
    *,
    data_dir: Path,
    cloud_url: str,
    code: str,
    node_name: str,
    client: SyncClient,
    now: datetime,
) -> EnrollReply:
    """Join the cloud site that issued ``code``; store the key and the site in the node.

    The private key is written (0600) only after the cloud accepted the public key, so a
    failed attempt never replaces the key of a working enrolment.
    """
    private_pem, public_pem = generate_keypair()
    request = EnrollRequest(
        code=code, public_key_pem=public_pem, node_name=node_name[:64], node_version=__version__
    )
    try:
        reply = client.enroll(request)
    except CloudRefused as exc:
        if exc.status in (403, 404, 410):
            raise EnrollmentFailed(
                f"the cloud refused enrolment code ({exc.status}: {exc.detail}); codes are "
                "single-use and expire: ask for a new one with `edgesync cloud create-site`"
            ) from None
        raise EnrollmentFailed(str(exc)) from None
    except CloudUnreachable as exc:
        raise EnrollmentFailed(f"cannot reach the cloud at {cloud_url}: {exc}") from None
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
