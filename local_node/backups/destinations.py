"""Where backups go: a folder (a NAS mount) or an S3 bucket; put, list, fetch, delete.

A folder gets each file under a temporary name, fsynced, then renamed, so a crash or a full
disk never leaves a partial file under a backup's name. S3 gets each file in one
``put_object`` with a SHA-256 checksum S3 checks on arrival.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any, Protocol

from local_node.backups.sqlite_file import BackupError, fsync_path
from sync_protocol.private_files import PRIVATE_DIR_MODE, private_file

S3_SCHEME = "s3://"


class DestinationError(BackupError):
    """A destination refused a write, a listing or a delete; the message says which."""


class Destination(Protocol):
    """A place backups are kept, by file name."""

    label: str

    def put(self, local: Path, name: str) -> None:
        """Store the file ``local`` as ``name``."""
        ...

    def names(self) -> list[str]:
        """Return the names of the files kept."""
        ...

    def fetch(self, name: str, local: Path) -> None:
        """Copy the file ``name`` to ``local``."""
        ...

    def delete(self, name: str) -> None:
        """Remove the file ``name``."""
        ...


class FolderDestination:
    """Backups in a folder (created 0700 if missing)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.label = str(folder)

    def put(self, local: Path, name: str) -> None:
        """Copy ``local`` in under a temporary name, fsync, rename into place."""
        tmp = self.folder / f".{name}.tmp"
        try:
            self.folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            private_file(tmp)
            shutil.copyfile(local, tmp)
            fsync_path(tmp)
            os.replace(tmp, self.folder / name)
            fsync_path(self.folder)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise DestinationError(f"cannot write {name} to {self.folder}: {exc}") from None

    def names(self) -> list[str]:
        """Return the files in the folder (none if it does not exist yet)."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.is_file())

    def fetch(self, name: str, local: Path) -> None:
        """Copy ``name`` out of the folder."""
        shutil.copyfile(self.folder / name, local)

    def delete(self, name: str) -> None:
        """Remove ``name`` (gone already is fine)."""
        try:
            (self.folder / name).unlink(missing_ok=True)
        except OSError as exc:
            raise DestinationError(f"cannot delete {name} from {self.folder}: {exc}") from None


class S3Destination:
    """Backups in an S3 bucket under a prefix (``s3://bucket/prefix``)."""

    def __init__(self, bucket: str, prefix: str, client: Any = None) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.label = f"{S3_SCHEME}{bucket}/{self.prefix}"
        self._s3 = client or boto3.client("s3")

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DestinationError(f"cannot {what} at {self.label}: {exc}") from None

    def put(self, local: Path, name: str) -> None:
        """Upload ``local`` as ``prefix/name`` with an S3-checked SHA-256."""
        with local.open("rb") as body:
            self._call(
                f"upload {name}",
                self._s3.put_object,
                Bucket=self.bucket,
                Key=self.prefix + name,
                Body=body,
                ChecksumAlgorithm="SHA256",
            )

    def names(self) -> list[str]:
        """Return the names under the prefix (one level: no sub-folders)."""
        out: list[str] = []
        token: dict[str, str] = {}
        while True:
            page = self._call(
                "list backups",
                self._s3.list_objects_v2,
                Bucket=self.bucket,
                Prefix=self.prefix,
                **token,
            )
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if name and "/" not in name:
                    out.append(name)
            if not page.get("IsTruncated"):
                return sorted(out)
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def fetch(self, name: str, local: Path) -> None:
        """Download ``prefix/name`` to ``local``."""
        self._call(
            f"download {name}",
            self._s3.download_file,
            Bucket=self.bucket,
            Key=self.prefix + name,
            Filename=str(local),
        )

    def delete(self, name: str) -> None:
        """Delete ``prefix/name``."""
        self._call(
            f"delete {name}", self._s3.delete_object, Bucket=self.bucket, Key=self.prefix + name
        )


def open_destination(spec: str | None, default: Path, *, s3_client: Any = None) -> Destination:
    """Return the destination ``spec`` names (a folder or s3://bucket/prefix; None: default)."""
    if spec and spec.startswith(S3_SCHEME):
        bucket, _, prefix = spec[len(S3_SCHEME) :].partition("/")
        if not bucket:
            raise DestinationError(f"no bucket in {spec!r}: expected s3://bucket/prefix")
        return S3Destination(bucket, prefix, s3_client)
    return FolderDestination(Path(spec).expanduser() if spec else default)
