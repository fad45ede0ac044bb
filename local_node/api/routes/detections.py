"""Camera ingest (native format) and reading the detection log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile

from local_node import search
from local_node.api.body import read_limited
from local_node.api.openapi import DETECTION_BODY
from local_node.api.schemas import (
    INGEST_RESPONSES,
    DetectionOut,
    DetectionPage,
    IngestOut,
    detection_out,
)
from local_node.clock import as_utc
from local_node.db import repo
from local_node.deps import CameraAuth, Services, ViewerAudit, ViewerAuth
from local_node.errors import InvalidInput, NotFound, UnsupportedMedia
from local_node.evidence import stored_image
from local_node.ingest.models import DetectionIn
from local_node.ingest.parse import (
    check_image,
    decode_image_b64,
    load_json_object,
    parse_metadata,
)
from local_node.ingest.service import ingest
from local_node.ingest.writer import IngestResult

router = APIRouter(prefix="/api/v1/detections", tags=["detections"])


def ingest_response(result: IngestResult, response: Response) -> IngestOut:
    """201 for a new read, 200 for a repeat; the body is the same shape."""
    response.status_code = 201 if result.created else 200
    return IngestOut(
        id=result.id,
        seq=result.seq,
        plate_norm=result.plate_norm,
        hits=[h.__dict__ for h in result.hits],
    )


@router.post(
    "",
    status_code=201,
    response_model=IngestOut,
    responses=INGEST_RESPONSES,
    openapi_extra=DETECTION_BODY,
)
async def post_detection(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> IngestOut:
    """A camera reports one plate read (multipart `metadata` + `image`, or JSON + `image_b64`)."""
    limit = services.settings.ingest.max_body_bytes
    body = await read_limited(request, limit)
    content_type = request.headers.get("content-type", "").lower()
    image: bytes | None = None
    kind: str | None = None
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=2, max_fields=20, max_part_size=limit)
        try:
            meta = form.get("metadata")
            if meta is None:
                raise InvalidInput("multipart body needs a part named 'metadata' (JSON)")
            raw = await meta.read() if hasattr(meta, "read") else meta
            detection = parse_metadata(raw, where="metadata")
            upload = form.get("image")
            if upload is not None:
                if not isinstance(upload, UploadFile):
                    raise InvalidInput("part 'image' must be a file part")
                image = await upload.read()
                kind = check_image(image, declared=upload.content_type, limit=limit)
        finally:
            await form.close()
    elif content_type.startswith("application/json") or content_type == "":
        detection, image = _json_body(body, limit)
        if image is not None:
            kind = check_image(image, declared=None, limit=limit)
    else:
        raise UnsupportedMedia("send multipart/form-data or application/json")
    result = await ingest(
        services.writer,
        camera=camera,
        detection=detection,
        image=image,
        image_kind=kind,
        errors=services.camera_errors,
    )
    if result.created:
        services.metrics.reads.inc()
        if result.hits:
            services.metrics.hits.inc(len(result.hits))
    return ingest_response(result, response)


def _json_body(body: bytes, limit: int) -> tuple[DetectionIn, bytes | None]:
    raw = load_json_object(body)
    image_b64 = raw.pop("image_b64", None)
    image = decode_image_b64(image_b64, limit=limit) if image_b64 is not None else None
    return parse_metadata(raw), image


@router.get("", response_model=DetectionPage)
def list_detections(
    services: Services,
    audit: ViewerAudit,
    plate: Annotated[
        str | None,
        Query(max_length=64, description="Exact (normalised), AB* prefix/wildcard, or fuzzy"),
    ] = None,
    fuzzy: Annotated[
        bool, Query(description="Also match OCR confusions and up to `edits` edits")
    ] = False,
    edits: Annotated[
        int, Query(ge=0, le=2, description="Edits a fuzzy plate may differ by (0..2)")
    ] = 1,
    camera_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        datetime | None, Query(description="Received at or after (node clock)")
    ] = None,
    until: Annotated[datetime | None, Query(description="Received before (node clock)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[
        str | None, Query(max_length=500, description="Why you search (kept in the audit log)")
    ] = None,
) -> DetectionPage:
    """Search detections, newest first, with cursor paging; each search is audited."""
    query = search.DetectionQuery(
        plate=plate,
        fuzzy=fuzzy,
        max_edits=edits,
        camera=camera_id,
        since=as_utc(since),
        until=as_utc(until),
        limit=limit,
        cursor=cursor,
    )
    rows, next_cursor = search.audited_search(services.engine, query, audit, reason)
    hits = repo.hits_for(services.engine, [r.id for r in rows])
    return DetectionPage(
        items=[detection_out(r, hits[r.id]) for r in rows], next_cursor=next_cursor
    )


@router.get("/{detection_id}", response_model=DetectionOut)
def get_detection(detection_id: str, services: Services, _: ViewerAuth) -> DetectionOut:
    """One detection with its hits."""
    found = repo.get_detection(services.engine, detection_id)
    if found is None:
        raise NotFound(f"no detection {detection_id!r}")
    return detection_out(*found)


IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
"""nosniff: a polyglot (a valid JPEG that is also HTML) is never rendered as a page;
no-store: evidence images stay out of browser and proxy caches."""


@router.get(
    "/{detection_id}/image",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}},
        404: {"description": "No such read, no image, or pruned by retention"},
        410: {"description": "The acknowledged image is missing, truncated or altered on disk"},
    },
)
def get_detection_image(detection_id: str, services: Services, _: ViewerAuth) -> Response:
    """The image of a detection, as stored (size and sha256 verified)."""
    data, media = stored_image(
        services.engine, services.images, detection_id, on_damage=services.note_served_damage
    )
    return Response(data, media_type=media, headers=IMAGE_HEADERS)
