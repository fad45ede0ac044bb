"""Enrolment: a site gets a one-time code; a node trades it for registering its key."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from cloud_plane.errors import InvalidInput
from cloud_plane.records.sites import Site
from cloud_plane.store.base import CloudStore
from sync_protocol.messages import EnrollReply, EnrollRequest
from sync_protocol.signing import key_thumbprint
from sync_protocol.zones import known_zone

log = logging.getLogger(__name__)


def hash_code(code: str) -> str:
    """Return the stored form of an enrolment code (SHA-256 hex; codes are random, 128 bits)."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def new_code() -> str:
    """Return a fresh one-time enrolment code."""
    return secrets.token_urlsafe(16)


def create_site_with_code(
    store: CloudStore, name: str, *, now: datetime, ttl_s: int, timezone: str | None = None
) -> tuple[Site, str]:
    """Create a site and its first enrolment code; return both (the code is shown once)."""
    site = store.sites.create_site(name, now=now, timezone=timezone)
    code = issue_code(store, site.site_id, now=now, ttl_s=ttl_s)
    return site, code


def issue_code(store: CloudStore, site_id: str, *, now: datetime, ttl_s: int) -> str:
    """Return a new one-time code for an existing site."""
    code = new_code()
    store.sites.create_enrollment(site_id, hash_code(code), now + timedelta(seconds=ttl_s))
    return code


def reissue_code(store: CloudStore, site_id: str, *, now: datetime, ttl_s: int) -> str:
    """Return a new one-time code for the site; its earlier unused codes stop working."""
    code = new_code()
    store.sites.reissue_enrollment(site_id, hash_code(code), now + timedelta(seconds=ttl_s))
    return code


def reported_zone(name: str | None) -> str | None:
    """The zone a node reported if this cloud knows it; an unknown one is logged and ignored
    (a node whose zone database differs still enrols; staff can set the zone)."""
    if name is None or known_zone(name):
        return name
    log.warning("a node reported the unknown time zone %r at enrolment; ignored", name)
    return None


def enroll(store: CloudStore, request: EnrollRequest, *, now: datetime) -> EnrollReply:
    """Register the node's public key with the code's site; raise EnrollmentRefused."""
    try:
        key_id = key_thumbprint(request.public_key_pem)
    except (ValueError, TypeError):
        raise InvalidInput("public_key_pem is not a PEM public key") from None
    if "BEGIN PUBLIC KEY" not in request.public_key_pem:
        raise InvalidInput("public_key_pem must be a SubjectPublicKeyInfo PEM")
    site = store.sites.consume_enrollment(
        hash_code(request.code),
        now,
        request.public_key_pem,
        key_id,
        timezone=reported_zone(request.timezone),
    )
    return EnrollReply(
        site_id=site.site_id, site_name=site.name, key_id=key_id, cloud_epoch=store.meta.epoch()
    )
