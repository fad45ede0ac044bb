"""The image store the settings ask for: a directory (default) or an S3 bucket."""

from __future__ import annotations

import logging

from local_node.config import NodeSettings
from local_node.errors import ImageStoreUnavailable
from local_node.images.s3_store import S3ImageStore, S3Location, s3_client
from local_node.images.store import FileImageStore, ImageStore

log = logging.getLogger(__name__)


def open_image_store(settings: NodeSettings, *, sync_mode: str | None = None) -> ImageStore:
    """Open the configured store; an S3 bucket is checked at once (ImageStoreUnavailable).

    ``sync_mode``: the file store's flush mode (default: the ingest setting).
    """
    if not settings.images_in_s3:
        return FileImageStore(
            settings.images_dir, sync_mode=sync_mode or settings.ingest.image_sync
        )
    assert settings.image_store is not None
    try:
        location = S3Location.parse(settings.image_store)
    except ValueError as exc:
        raise ImageStoreUnavailable(f"EDGESYNC_NODE_IMAGE_STORE: {exc}") from None
    client = s3_client(settings.image_store_endpoint_url, settings.image_put_concurrency)
    store = S3ImageStore(location, client, put_concurrency=settings.image_put_concurrency)
    store.check_access()
    if settings.retention.disk_budget_bytes is not None:
        log.warning(
            "EDGESYNC_NODE_DISK_BUDGET_BYTES is ignored with images in S3: the bucket's "
            "lifecycle rule and the retention days bound what it holds"
        )
    return store
