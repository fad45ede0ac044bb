"""Images in an S3 bucket under a prefix (phase 3, full cloud): `s3://bucket/prefix`.

The same contract as the file store (images/store.py): ``write`` starts an image's upload,
``make_durable`` returns once every upload of the group commit is confirmed, and only then
does the writer commit the rows that point at them, so an acknowledged read always has its
image. S3 holds an object durably once its PUT is answered; there is nothing to flush.

- The PUTs of one group commit run concurrently (``put_concurrency`` threads sharing one
  client and its connection pool): a commit waits for its slowest upload, not for the sum.
- Each PUT carries the bytes' MD5 (``Content-MD5``) and SHA-256 (``x-amz-checksum-sha256``):
  S3 refuses an upload whose bytes do not match either, so a corruption between the node and
  the bucket fails the read (503, retry) instead of storing other bytes under an acknowledged
  read. The row's own SHA-256 is checked again whenever the image is read back.
- Keys are ``prefix/yyyy/mm/dd/hh/camera/<id>.jpg`` (UTC), the file store's relative paths:
  the rows are the same whichever store holds the images.
- Deletes go in batches of up to 1000 keys (DeleteObjects).
- Orphans: a crash between a PUT and the commit leaves an object no row names. Several tasks
  write into one bucket, so an object younger than ``ORPHAN_GRACE`` may belong to a commit
  in flight elsewhere and is never taken for an orphan (see ``recent_files``); the retention
  job sweeps again every run, and the bucket's lifecycle rule expires whatever is left.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local_node.errors import ImageStoreUnavailable
from local_node.images.store import EXTENSIONS, MEDIA_TYPES, StoredImage

log = logging.getLogger(__name__)

DELETE_BATCH = 1000
"""The most keys one DeleteObjects request takes."""
ORPHAN_GRACE = timedelta(minutes=15)
"""An object younger than this may be a commit in flight in another task: never an orphan."""
PUT_CONCURRENCY = 16


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (no leading or trailing slash; may be empty)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket/prefix`` -> its parts; ValueError naming what is wrong."""
        if not url.startswith("s3://"):
            raise ValueError(f"not an s3:// URL: {url!r}")
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket or "/" in bucket or len(bucket) < 3:
            raise ValueError(f"no bucket name in {url!r} (s3://BUCKET/PREFIX)")
        prefix = prefix.strip("/")
        if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
            raise ValueError(f"the prefix of {url!r} has an empty, '.' or '..' part")
        return cls(bucket=bucket, prefix=prefix)

    def key(self, rel_path: str) -> str:
        """The object key of a stored relative path."""
        return f"{self.prefix}/{rel_path}" if self.prefix else rel_path

    def rel(self, key: str) -> str:
        """The stored relative path of an object key under the prefix."""
        return key[len(self.prefix) + 1 :] if self.prefix else key

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


class S3ImageStore:
    """Images as S3 objects; uploads of one group commit run together."""

    fs_type = "s3"
    sync_mode = "s3-put"  # what /api/v1/status shows: an answered PUT is durable
    on_volume = False  # images take no room on the data volume: no free-space floor for them
    shared = True  # several tasks write into it: orphans need the grace (recent_files)

    def __init__(
        self,
        location: S3Location,
        client: Any,
        *,
        put_concurrency: int = PUT_CONCURRENCY,
        orphan_grace: timedelta = ORPHAN_GRACE,
    ) -> None:
        self.location = location
        self.orphan_grace = orphan_grace
        self._client = client
        self._pool = ThreadPoolExecutor(put_concurrency, thread_name_prefix="image-put")
        self._lock = threading.Lock()
        self._pending: list[Future[None]] = []

    def check_access(self) -> None:
        """Fail at start, with the bucket's name, if it is missing or not ours to use."""
        try:
            # A listing inside the prefix, not HeadBucket: IAM checks HeadBucket as a
            # ListBucket without a prefix, which a role scoped to the prefix may not do.
            self._client.list_objects_v2(
                Bucket=self.location.bucket, Prefix=self.location.key(""), MaxKeys=1
            )
        except Exception as exc:
            raise ImageStoreUnavailable(
                f"the image bucket {self.location.bucket!r} cannot be used: {_reason(exc)}"
            ) from exc

    def write(
        self, *, detection_id: str, camera_id: str, received_at: datetime, data: bytes, kind: str
    ) -> tuple[StoredImage, Path]:
        """Start the upload of one image; ``make_durable`` waits for it."""
        rel_dir = received_at.strftime("%Y/%m/%d/%H") + "/" + camera_id
        rel_path = f"{rel_dir}/{detection_id}{EXTENSIONS[kind]}"
        sha256 = hashlib.sha256(data)
        future = self._pool.submit(
            self._client.put_object,
            Bucket=self.location.bucket,
            Key=self.location.key(rel_path),
            Body=data,
            ContentType=MEDIA_TYPES[kind],
            ContentMD5=_b64(hashlib.md5(data, usedforsecurity=False).digest()),
            ChecksumSHA256=_b64(sha256.digest()),
        )
        with self._lock:
            self._pending.append(future)
        return StoredImage(path=rel_path, sha256=sha256.hexdigest(), size=len(data)), Path(rel_dir)

    def make_durable(self, dirs: set[Path]) -> None:
        """Return once every upload started since the last call is confirmed by S3."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        wait(pending)
        failed = [exc for f in pending if (exc := f.exception()) is not None]
        if failed:
            log.error("%d of %d image uploads failed: %s", len(failed), len(pending), failed[0])
            raise ImageStoreUnavailable(
                f"{len(failed)} of {len(pending)} image uploads to {self.location} failed "
                f"({_reason(failed[0])}); retry shortly"
            ) from failed[0]

    def read(self, rel_path: str) -> bytes:
        """The stored bytes; FileNotFoundError if no such object."""
        try:
            answer = self._client.get_object(
                Bucket=self.location.bucket, Key=self.location.key(rel_path)
            )
        except Exception as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(rel_path) from None
            raise ImageStoreUnavailable(
                f"the image {rel_path} could not be read from {self.location}: {_reason(exc)}"
            ) from exc
        data: bytes = answer["Body"].read()
        return data

    def delete(self, rel_path: str) -> int:
        """Delete one image (missing counts as deleted); S3 does not say the size: 0."""
        self.delete_many([rel_path])
        return 0

    def delete_many(self, rel_paths: Iterable[str]) -> None:
        """Delete images in batches of up to 1000 keys; failures are logged, not raised.

        Their rows are already marked or gone: an object left behind is an orphan the
        bucket's lifecycle rule expires.
        """
        keys = [self.location.key(p) for p in rel_paths]
        for start in range(0, len(keys), DELETE_BATCH):
            chunk = keys[start : start + DELETE_BATCH]
            try:
                answer = self._client.delete_objects(
                    Bucket=self.location.bucket,
                    Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
                )
            except Exception as exc:
                log.warning(
                    "could not delete %d images from %s: %s", len(chunk), self.location, exc
                )
                continue
            errors = answer.get("Errors") or []
            if errors:
                log.warning(
                    "could not delete %d of %d images from %s, e.g. %s: %s",
                    len(errors),
                    len(chunk),
                    self.location,
                    errors[0].get("Key"),
                    errors[0].get("Message"),
                )

    def sweep_temporaries(self, now: datetime, days: int = 2) -> int:
        """Nothing to sweep: an S3 PUT never leaves a partial object."""
        return 0

    def recent_files(self, now: datetime, hours: int = 2) -> list[str]:
        """Relative paths of the objects of the last ``hours`` hour folders, minus the young.

        ``now`` picks the folders (the node's clock, as the writer names them); the grace is
        measured on S3's own LastModified against the real time, both being S3-side facts.
        """
        settled_before = datetime.now(UTC) - self.orphan_grace
        out: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for back in range(hours + 1):
            folder = (now - timedelta(hours=back)).strftime("%Y/%m/%d/%H") + "/"
            for page in paginator.paginate(
                Bucket=self.location.bucket, Prefix=self.location.key(folder)
            ):
                out += [
                    self.location.rel(item["Key"])
                    for item in page.get("Contents", [])
                    if item["LastModified"] < settled_before
                ]
        return out

    def disk_usage(self) -> None:
        """No volume: the bucket has no size to fill."""
        return None

    def close(self) -> None:
        """Let uploads in progress finish, then stop the upload threads."""
        self._pool.shutdown(wait=True)


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _reason(exc: BaseException) -> str:
    code = _code(exc)
    return f"{code}: {exc}" if code else f"{type(exc).__name__}: {exc}"


def s3_client(endpoint_url: str | None, put_concurrency: int = PUT_CONCURRENCY) -> Any:
    """A boto3 S3 client sized for concurrent uploads, retrying throttles and 5xx answers."""
    import boto3  # only an S3-backed node needs it loaded
    from botocore.config import Config

    config = Config(
        max_pool_connections=put_concurrency + 4,
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=30,
    )
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)
