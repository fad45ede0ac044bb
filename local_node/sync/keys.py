"""The node's Ed25519 private key: made on the node, kept in the data dir with mode 0600."""

from __future__ import annotations

import os
from pathlib import Path

KEY_FILE = "sync-key.pem"


def key_path(data_dir: Path) -> Path:
    """Where the node's private key lives."""
    return data_dir / KEY_FILE


def write_private_key(path: Path, private_pem: str) -> None:
    """Write the key atomically, readable by the owner only (never world-readable, even
    for a moment: the file is created 0600 before the first byte is written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, private_pem.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_private_key(path: Path) -> str:
    """The private key PEM; FileNotFoundError names the file if it is missing."""
    return path.read_text()
