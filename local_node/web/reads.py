"""One read: its detail page, its full image and its thumbnail (both for signed-in users)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from local_node.db import repo
from local_node.deps import Services
from local_node.errors import NodeError
from local_node.evidence import stored_image
from local_node.web.context import Web
from local_node.web.reads_view import with_hits
from local_node.web.render import PageProblem, page
from local_node.web.session import FragmentUser, PageUser
from local_node.web.thumbs import ThumbnailError, make_thumbnail

router = APIRouter(include_in_schema=False)

# Evidence: never in a shared cache, and never sniffed as anything but an image.
IMAGE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# Thumbnails: kept in this browser only (private) for a few minutes, or the live list, redrawn
# every two seconds, would fetch every thumbnail again each time.
THUMB_HEADERS = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}


@router.get("/reads/{read_id}")
def read_detail(
    read_id: str, request: Request, services: Services, web: Web, _: PageUser
) -> HTMLResponse:
    """Every field of a read, its hits and its full image."""
    found = repo.get_detection(services.engine, read_id) if len(read_id) <= 64 else None
    if found is None:
        raise PageProblem(
            404, "There is no such read (retention may have deleted it).", "Not found"
        )
    [row] = with_hits(services.engine, [found[0]])
    earlier = repo.earlier_readings(services.engine, read_id)
    return page(request, web, "read.html", title=f"Read {row.read.plate}", row=row, earlier=earlier)


@router.get("/reads/{read_id}/image")
def read_image(read_id: str, services: Services, _: FragmentUser) -> Response:
    """The read's image as stored (size and sha256 verified)."""
    try:
        data, media = stored_image(
            services.engine, services.images, read_id, on_damage=services.note_served_damage
        )
    except NodeError as e:
        return Response(e.detail, status_code=e.status_code, media_type="text/plain")
    return Response(data, media_type=media, headers=IMAGE_HEADERS)


@router.get("/reads/{read_id}/thumb")
def read_thumb(read_id: str, services: Services, web: Web, _: FragmentUser) -> Response:
    """A small JPEG of the read's image, made once and then served from memory."""
    found = repo.get_detection(services.engine, read_id) if len(read_id) <= 64 else None
    row = found[0] if found else None
    if row is None or row.image_path is None or row.image_pruned_at is not None:
        return Response("no image", status_code=404, media_type="text/plain")

    def make() -> bytes:
        data, _ = stored_image(
            services.engine, services.images, read_id, on_damage=services.note_served_damage
        )
        return make_thumbnail(data)

    try:
        thumb = web.thumbs.get(read_id, make)
    except (NodeError, ThumbnailError) as e:
        detail = e.detail if isinstance(e, NodeError) else str(e)
        status = e.status_code if isinstance(e, NodeError) else 422
        return Response(detail, status_code=status, media_type="text/plain")
    return Response(thumb, media_type="image/jpeg", headers=THUMB_HEADERS)
