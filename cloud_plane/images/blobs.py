"""Where the cloud keeps the images sites upload: private files, or an S3 bucket.

Self-hosted (``LocalBlobs``): the node PUTs the bytes to the cloud itself, which checks them
and writes one owner-only file per request under ``DATA_DIR/images``. AWS mode (``S3Blobs``):
the node PUTs straight to a presigned URL whose signature covers the SHA-256 checksum header,
so S3 itself refuses other bytes; the cloud learns the upload happened from the object,
which it checks again (size, SHA-256, image type) before it serves it.
"""

from __future__ import annotations

import base64
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sync_protocol.private_files import PRIVATE_FILE_MODE, private_dir


@dataclass(frozen=True)
class UploadTarget:
    """A presigned PUT: the URL and the headers it must carry."""

    url: str
    headers: dict[str, str]


class ImageBlobs(Protocol):
    """Blob storage of uploaded images, by key."""

    direct: bool  # nodes upload to the store itself (presigned), not through the cloud

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep ``data`` under ``key``."""
        ...

    def get(self, key: str) -> bytes | None:
        """Return the bytes under ``key``, or None."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing there: nothing to do)."""
        ...

    def upload_target(self, key: str, sha256: str | None, ttl_s: int) -> UploadTarget | None:
        """A presigned PUT for the node (None: the node uploads through the cloud)."""
        ...


class LocalBlobs:
    """Owner-only files in one directory (self-hosted)."""

    direct = False

    def __init__(self, root: Path) -> None:
        self.root = private_dir(root)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or key.startswith("."):
            raise ValueError(f"bad blob key {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file under a temporary name, then rename it into place (0600)."""
        path = self._path(key)
        temp = path.with_name(f".tmp-{key}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        temp.replace(path)

    def get(self, key: str) -> bytes | None:
        """Return the file's bytes, or None."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def upload_target(self, key: str, sha256: str | None, ttl_s: int) -> UploadTarget | None:
        """None: nodes upload through the cloud's signed endpoint."""
        return None


class S3Blobs:
    """One S3 bucket (AWS mode); the client is passed in (moto in tests)."""

    direct = True

    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Put the object (server-side encrypted)."""
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )

    def get(self, key: str) -> bytes | None:
        """Return the object's bytes, or None."""
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        """Delete the object (S3: nothing there is no error)."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def upload_target(self, key: str, sha256: str | None, ttl_s: int) -> UploadTarget | None:
        """A presigned PUT whose signature covers the checksum: S3 refuses other bytes."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        headers: dict[str, str] = {}
        if sha256 is not None:
            checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
            params["ChecksumSHA256"] = checksum
            headers["x-amz-checksum-sha256"] = checksum
        url = self._s3.generate_presigned_url("put_object", Params=params, ExpiresIn=ttl_s)
        return UploadTarget(url, headers)
