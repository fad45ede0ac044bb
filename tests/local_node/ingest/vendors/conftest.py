"""Fixtures for the vendor mapping tests: realistic payloads kept as JSON files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture
def payload() -> Callable[[str], dict[str, Any]]:
    """Load `payloads/<name>.json` afresh, so a test may change its copy."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((PAYLOADS / f"{name}.json").read_text())

    return load


@pytest.fixture
def upload_jpeg() -> bytes:
    """The JPEG a Stream multipart post carries in its `upload` part."""
    return (PAYLOADS / "platerecognizer" / "upload.jpg").read_bytes()
