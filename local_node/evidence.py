"""A read's stored image as the API and the web app serve it: verified, or a clear refusal."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from local_node.db import repo
from local_node.errors import ImageDamaged, NotFound
from local_node.images.integrity import Damage, read_verified
from local_node.images.store import MEDIA_TYPES, ImageStore


def stored_image(
    engine: Engine,
    images: ImageStore,
    detection_id: str,
    *,
    on_damage: Callable[[Damage], None],
) -> tuple[bytes, str]:
    """The image bytes of a read (size and sha256 verified) and their media type.

    Raise NotFound (no such read, no image, pruned) or ImageDamaged (after ``on_damage``,
    which counts and remembers the damage).
    """
    found = repo.get_detection(engine, detection_id)
    if found is None:
        raise NotFound(f"no detection {detection_id!r}")
    row = found[0]
    if row.image_path is None:
        raise NotFound("this detection came without an image")
    if row.image_pruned_at is not None:
        raise NotFound(f"the image was pruned by retention at {row.image_pruned_at.isoformat()}")
    data = read_verified(
        images,
        detection_id=row.id,
        path=row.image_path,
        size=row.image_bytes,
        sha256=row.image_sha256,
    )
    if isinstance(data, Damage):
        on_damage(data)
        raise ImageDamaged(data.describe())
    return data, MEDIA_TYPES.get(row.image_type or "", "application/octet-stream")
