"""What every vendor ingest route shares: the answer's shape, storing an event's reads together.

Each vendor's route (`local_node.api.routes.vendors` and the `ingest_*` modules) parses its
format into `VendorRead`s and hands them here, so that idempotency, status codes, metrics and
errors are the same for every camera, whatever it speaks.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, Field

from local_node.api.schemas import INGEST_RESPONSES, IngestOut
from local_node.credentials import CachedCredential
from local_node.ingest.parse import check_image
from local_node.ingest.service import ingest
from local_node.ingest.vendors import VendorRead
from local_node.ingest.writer import IngestResult
from local_node.services import NodeServices


class VendorIngestOut(BaseModel):
    """The reads one vendor event became, in the event's order (may be empty)."""

    detections: list[IngestOut]


class IgnoredOut(BaseModel):
    """A post of a kind the node does not store, acknowledged so the sender moves on.

    Senders retry a refused post (some forever), so one kind the node does not store must
    not block the ones behind it.
    """

    ignored: str = Field(
        description="What was not stored: the post's data_type, webhook_type or event type"
    )


VENDOR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **INGEST_RESPONSES,
    200: {
        "description": "Every read of the event repeated a stored one (same ids), or it had none",
        "model": VendorIngestOut,
    },
    201: {"description": "At least one read of the event was new; all of them are durable"},
    422: {"description": "The event does not validate; the message names the vendor field"},
}

JSON_TYPES = ("application/json", "text/json", "text/plain")


def media_type(request: Request) -> str:
    """The request's media type without parameters, lower-case ('' when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def image_kinds(services: NodeServices, reads: list[VendorRead]) -> list[str | None]:
    """Each read's image checked by its content (415 if not JPEG/PNG); None where it has none."""
    limit = services.settings.ingest.max_body_bytes
    return [
        check_image(r.image, declared=None, limit=limit) if r.image is not None else None
        for r in reads
    ]


async def ingest_all(
    services: NodeServices,
    camera: CachedCredential,
    reads: list[VendorRead],
    *,
    image_kind: str | None = None,
    image_kinds: list[str | None] | None = None,
) -> list[IngestResult]:
    """Store every read of one event; return only when each is durable or has failed.

    All reads are handed to the writer together (one group commit, usually). If any
    fails, the first error is raised after the others finished: the vendor retries the
    whole event, and the reads already stored are then answered as repeats.
    """
    kinds = image_kinds if image_kinds is not None else [image_kind] * len(reads)
    outcomes = await asyncio.gather(
        *(
            ingest(
                services.writer,
                camera=camera,
                detection=read.detection,
                image=read.image,
                image_kind=kind if read.image is not None else None,
                errors=services.camera_errors,
                refinable=read.refinable,
                preview=read.preview,
            )
            for read, kind in zip(reads, kinds, strict=True)
        ),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return list(outcomes)  # type: ignore[arg-type]


def answer(
    services: NodeServices, results: list[IngestResult], response: Response
) -> VendorIngestOut:
    """201 when any read was new, else 200; count new reads and hits as the native route."""
    created = [r for r in results if r.created]
    response.status_code = 201 if created else 200
    if created:
        services.metrics.reads.inc(len(created))
    # New reads' hits, and those a better reading of a stored read raised.
    hits = sum(len(r.hits) if r.created else r.new_hits for r in results)
    if hits:
        services.metrics.hits.inc(hits)
    return VendorIngestOut(
        detections=[
            IngestOut(
                id=r.id, seq=r.seq, plate_norm=r.plate_norm, hits=[h.__dict__ for h in r.hits]
            )
            for r in results
        ]
    )
