"""The dashboard's secret key: from EDGESYNC_CLOUD_WEB_SECRET, or a random one kept on disk."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from cloud_plane.config import CloudSettings
from sync_protocol.private_files import PRIVATE_FILE_MODE, private_dir

KEY_BYTES = 32


def web_key(settings: CloudSettings) -> bytes:
    """The key the CSRF tokens are signed with.

    Set ``web_secret`` when several processes serve the dashboard (Lambda): each would
    otherwise make its own file and refuse the others' forms.
    """
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value().encode()
    return load_or_create(settings.web_secret_path)


def load_or_create(path: Path) -> bytes:
    """The key in ``path``, made (random, mode 0600, written whole) on first use."""
    with contextlib.suppress(FileNotFoundError):
        key = path.read_bytes().strip()
        if len(key) >= KEY_BYTES:
            return key
    private_dir(path.parent)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(KEY_BYTES).encode())
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # first writer wins; a concurrent starter reads that one
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()
