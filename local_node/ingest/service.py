"""The ingest use case, shared by the native API, the vendor endpoints and MQTT."""

from __future__ import annotations

import asyncio

from local_node.credentials import CachedCredential
from local_node.errors import InvalidInput
from local_node.ingest.camera_errors import CameraErrors
from local_node.ingest.models import DetectionIn
from local_node.ingest.writer import IngestResult, IngestWriter


def _check_camera(camera: CachedCredential, detection: DetectionIn) -> None:
    claimed = detection.camera_id
    if claimed is not None and claimed not in (camera.subject, camera.name):
        raise InvalidInput(
            "camera_id does not match the camera this key belongs to "
            f"(key is for camera {camera.name!r})"
        )


async def ingest(
    writer: IngestWriter,
    *,
    camera: CachedCredential,
    detection: DetectionIn,
    image: bytes | None,
    image_kind: str | None,
    errors: CameraErrors | None = None,
    refinable: bool = False,
    preview: bool = False,
) -> IngestResult:
    """Store one read durably and return its id, seq and hits (or the first one's, if repeated).

    A new read from a camera clock beyond the skew limit is counted in ``errors``.
    """
    _check_camera(camera, detection)
    future = writer.submit(
        camera_id=camera.subject,
        detection=detection,
        image=image,
        image_kind=image_kind,
        refinable=refinable,
        preview=preview,
    )
    return _counted(await asyncio.wrap_future(future), camera, detection, errors)


def ingest_blocking(
    writer: IngestWriter,
    *,
    camera: CachedCredential,
    detection: DetectionIn,
    image: bytes | None,
    image_kind: str | None,
    timeout: float = 30.0,
    errors: CameraErrors | None = None,
    refinable: bool = False,
    preview: bool = False,
) -> IngestResult:
    """The same, for threads that are not on the event loop (the MQTT listener)."""
    _check_camera(camera, detection)
    future = writer.submit(
        camera_id=camera.subject,
        detection=detection,
        image=image,
        image_kind=image_kind,
        refinable=refinable,
        preview=preview,
    )
    return _counted(future.result(timeout), camera, detection, errors)


def _counted(
    result: IngestResult,
    camera: CachedCredential,
    detection: DetectionIn,
    errors: CameraErrors | None,
) -> IngestResult:
    if result.created and errors is not None:  # a repeat was counted when it was new
        errors.note_read(camera.subject, detection.captured_at)
    return result
