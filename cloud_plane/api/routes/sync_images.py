"""HTTP of images on demand on the node side: uploads, "missing" answers, the command poll.

Every request is signed by the node like an exchange (``Authorization: EdgeSync <jwt>``, the
JWT bound to the body's SHA-256). The upload's body is the image itself (``image/jpeg`` or
``image/png``), answered 204. Errors are the cloud's ``{"detail": ...}``:

=====  ================================================================
401    unsigned, tampered, expired, replayed, unknown key
403    the site was revoked, or the body names another site
404    no such request for the signing site (another site's request too)
413    an image over ``images_max_bytes``
422    bytes whose SHA-256 is not the read's (or not the declared ``X-Image-SHA256``),
       or not a JPEG/PNG image
=====  ================================================================

The poll is read-only: its nonce is not remembered (a replayed poll tells its replayer only
how many commands wait, within the JWT's minute), so an idle node costs the cloud a read,
not a write, per poll.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from cloud_plane.api.routes.sync import decode, read_body, signature_token, sync_response
from cloud_plane.deps import Services
from cloud_plane.errors import SIGNATURE_REFUSED, Forbidden, NotAuthenticated
from cloud_plane.services import CloudServices
from cloud_plane.sync.replay import StoreReplayCache
from sync_protocol.image_messages import (
    SHA256_HEADER,
    CommandPoll,
    CommandPollReply,
    ImageMissing,
)
from sync_protocol.signing import SignatureError, verify_request

router = APIRouter(prefix="/sync/v1", tags=["sync"])


class _Forgetful:
    """A replay cache that remembers nothing: the read-only poll's."""

    def seen(self, jti: str, exp: float) -> bool:
        """Never seen."""
        return False


def signed_site(
    services: CloudServices, token: str, body: bytes, *, remember_nonce: bool = True
) -> str:
    """The site that signed ``body`` (verified, not revoked); raise 401 / 403."""
    store = services.store
    cache = StoreReplayCache(store.sites, services.clock) if remember_nonce else _Forgetful()
    try:
        signer = verify_request(
            token,
            body,
            public_key_pem_lookup=store.sites.get_site_key,
            now=services.clock(),
            replay_cache=cache,
        )
    except SignatureError as exc:
        raise NotAuthenticated(SIGNATURE_REFUSED.format(reason=exc)) from None
    if store.sites.get_site(signer.site_id).revoked:
        raise Forbidden(f"site {signer.site_id!r} was revoked; re-enrol the node")
    return signer.site_id


def _same_site(signer: str, named: str) -> None:
    if named != signer:
        raise Forbidden(f"body site_id {named!r} is not the signing site {signer!r}")


@router.put("/images/{request_id}", status_code=204, response_class=Response)
async def put_image(request_id: str, request: Request, services: Services) -> Response:
    """Take a node's upload of the image a request asked for."""
    token = signature_token(request)
    limit = services.settings.images.max_bytes
    body = await read_body(request, limit)

    def accept() -> None:
        site = signed_site(services, token, body)
        declared = request.headers.get(SHA256_HEADER)
        services.images.accept_upload(site, request_id, body, declared)

    await run_in_threadpool(accept)
    return Response(status_code=204)


@router.post("/images/{request_id}/missing", status_code=204, response_class=Response)
async def post_missing(request_id: str, request: Request, services: Services) -> Response:
    """A node has no image for the request (pruned, unknown, damaged)."""
    token = signature_token(request)
    body = await read_body(request, services.settings.max_request_bytes)

    def settle() -> None:
        site = signed_site(services, token, body)
        message = decode(body, ImageMissing)
        _same_site(site, message.site_id)
        if message.request_id != request_id:
            raise Forbidden("the body names another request than the path")
        services.images.missing(site, request_id, message.reason)

    await run_in_threadpool(settle)
    return Response(status_code=204)


@router.post("/commands", response_class=Response)
async def post_poll(request: Request, services: Services) -> Response:
    """Tell an idle node how many commands wait for it (read-only)."""
    token = signature_token(request)
    body = await read_body(request, services.settings.max_request_bytes)

    def count() -> CommandPollReply:
        site = signed_site(services, token, body, remember_nonce=False)
        _same_site(site, decode(body, CommandPoll).site_id)
        images = services.images
        return CommandPollReply(
            waiting=images.waiting_count(site), poll_interval_s=images.poll_interval_s
        )

    return sync_response(await run_in_threadpool(count))
