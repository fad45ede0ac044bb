"""HTTP of node sync: ``POST /sync/v1/enroll`` and the signed ``POST /sync/v1/exchange``.

Bodies both ways are ``sync_protocol.codec`` bytes (zlib-compressed JSON) with
``Content-Type: application/vnd.edgesync.sync+json``; the request may also say
``Content-Encoding: deflate`` (ignored: the body is always that format). Errors
are ``application/json`` ``{"detail": ...}``:

=====  ================================================================
401    exchange: missing/unsigned, expired, tampered, replayed, unknown key
403    enroll: code unknown/used/expired; exchange: site revoked, or the
       body's ``site_id`` is not the signing site
413    body over ``max_request_bytes`` or a codec limit
422    body is not a valid message
426    the node's protocol version is no longer (or not yet) supported
=====  ================================================================
"""

from __future__ import annotations

import logging
from typing import TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from cloud_plane.api.openapi import ENROLL_BODY, EXCHANGE_BODY
from cloud_plane.deps import Services
from cloud_plane.errors import (
    SIGNATURE_REFUSED,
    UNSIGNED_REQUEST,
    ClientGone,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    PayloadTooLarge,
    UpgradeRequired,
)
from cloud_plane.records.sites import EnrollmentRefused
from cloud_plane.services import CloudServices
from cloud_plane.sync.enroll import enroll
from cloud_plane.sync.exchange import ExchangeStats
from cloud_plane.sync.replay import StoreReplayCache
from sync_protocol import codec
from sync_protocol.messages import EnrollRequest, ExchangeReply, ExchangeRequest
from sync_protocol.signing import SignatureError, verify_request
from sync_protocol.version import UnsupportedProtocolVersion

M = TypeVar("M", bound=BaseModel)

router = APIRouter(prefix="/sync/v1", tags=["sync"])

AUTH_SCHEMES = ("edgesync", "bearer")  # EdgeSync is canonical; Bearer is accepted too

logger = logging.getLogger(__name__)


async def read_body(request: Request, limit: int) -> bytes:
    """Return the request body, refusing (413) more than ``limit`` bytes without reading on."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"body exceeds the limit of {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # A node on a flaky uplink drops mid-push routinely: one line, no traceback.
        client = f"{request.client.host}:{request.client.port}" if request.client else "unknown"
        logger.warning("client %s went away after %d bytes of %s", client, size, request.url.path)
        raise ClientGone("the client closed the connection before the body ended") from None
    return b"".join(chunks)


def decode(body: bytes, model: type[M]) -> M:
    """Decode a sync body, mapping codec errors to 413 / 426 / 422."""
    try:
        return codec.decode(body, model)
    except codec.PayloadTooLarge as exc:
        raise PayloadTooLarge(str(exc)) from None
    except UnsupportedProtocolVersion as exc:
        raise UpgradeRequired(str(exc)) from None
    except codec.CodecError as exc:
        raise InvalidInput(str(exc)) from None


def sync_response(model: BaseModel) -> Response:
    """Return ``model`` encoded as a sync body."""
    return Response(codec.encode(model), media_type=codec.CONTENT_TYPE)


def signature_token(request: Request) -> str:
    """Return the request JWT from ``Authorization: EdgeSync <jwt>``; raise NotAuthenticated."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in AUTH_SCHEMES or not token.strip():
        raise NotAuthenticated(UNSIGNED_REQUEST)
    return token.strip()


@router.post("/enroll", response_class=Response, openapi_extra=ENROLL_BODY)
async def post_enroll(request: Request, services: Services) -> Response:
    """Join a site with a one-time code and register the node's public key."""
    body = await read_body(request, services.settings.max_request_bytes)
    message = decode(body, EnrollRequest)
    try:
        reply = await run_in_threadpool(enroll, services.store, message, now=services.clock())
    except EnrollmentRefused:
        services.metrics.enrollments.labels(outcome="refused").inc()
        raise
    services.metrics.enrollments.labels(outcome="enrolled").inc()
    return sync_response(reply)


@router.post("/exchange", response_class=Response, openapi_extra=EXCHANGE_BODY)
async def post_exchange(request: Request, services: Services) -> Response:
    """Apply a signed push from a node and answer with acks, hotlist changes and commands."""
    metrics = services.metrics.exchanges
    try:
        token = signature_token(request)
        body = await read_body(request, services.settings.max_request_bytes)
        reply, stats = await run_in_threadpool(_exchange, services, token, body)
    except Exception as exc:
        metrics.labels(outcome=type(exc).__name__).inc()
        raise
    metrics.labels(outcome="ok").inc()
    services.metrics.detections.inc(stats.stored)
    services.metrics.hits.labels(source="node").inc(stats.node_hits)
    services.metrics.hits.labels(source="cloud").inc(stats.cloud_hits)
    return sync_response(reply)


def _exchange(
    services: CloudServices, token: str, body: bytes
) -> tuple[ExchangeReply, ExchangeStats]:
    store = services.store
    try:
        signer = verify_request(
            token,
            body,
            public_key_pem_lookup=store.sites.get_site_key,
            now=services.clock(),
            replay_cache=StoreReplayCache(store.sites, services.clock),
        )
    except SignatureError as exc:
        raise NotAuthenticated(SIGNATURE_REFUSED.format(reason=exc)) from None
    site = store.sites.get_site(signer.site_id)
    if site.revoked:
        raise Forbidden(f"site {site.site_id!r} was revoked; re-enrol the node")
    message = decode(body, ExchangeRequest)
    if message.site_id != signer.site_id:
        raise Forbidden(
            f"body site_id {message.site_id!r} is not the signing site {signer.site_id!r}"
        )
    return services.exchange.exchange(signer.site_id, message)
