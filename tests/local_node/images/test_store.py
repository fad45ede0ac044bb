"""The file image store: atomic durable writes, crash leftovers, path safety."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_node.images.store import TEMP_PREFIX, FileImageStore, sniff_image_kind

WHEN = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def test_write_places_the_image_in_a_utc_date_hour_camera_tree(tmp_path: Path):
    store = FileImageStore(tmp_path)
    stored, directory = store.write(
        detection_id="d1", camera_id="cam", received_at=WHEN, data=b"\xff\xd8\xffdata", kind="jpeg"
    )
    assert stored.path == "2026/11/26/08/cam/d1.jpg"
    assert (tmp_path / stored.path).read_bytes() == b"\xff\xd8\xffdata"
    assert stored.sha256 == hashlib.sha256(b"\xff\xd8\xffdata").hexdigest()
    assert directory == tmp_path / "2026/11/26/08/cam"
    assert not list(directory.glob(TEMP_PREFIX + "*"))


def test_sweep_removes_temporaries_left_by_a_crash(tmp_path: Path):
    store = FileImageStore(tmp_path)
    leftover = tmp_path / "2026/11/26/08/cam" / (TEMP_PREFIX + "d2.jpg")
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"partial")
    assert store.sweep_temporaries(WHEN) == 1 and not leftover.exists()


def test_path_outside_the_store_is_refused(tmp_path: Path):
    with pytest.raises(ValueError):
        FileImageStore(tmp_path / "root").path_of("../../etc/passwd")


def test_delete_of_a_missing_image_frees_nothing(tmp_path: Path):
    assert FileImageStore(tmp_path).delete("2026/01/01/00/cam/none.jpg") == 0


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"GIF89a", None),
        (b"", None),
        (b"<html>", None),
    ],
)
def test_image_kind_is_sniffed_from_content(data: bytes, kind: str | None):
    assert sniff_image_kind(data) == kind


def test_recent_files_lists_complete_images_only(tmp_path: Path):
    store = FileImageStore(tmp_path)
    stored, directory = store.write(
        detection_id="d1", camera_id="cam", received_at=WHEN, data=b"\xff\xd8\xff", kind="jpeg"
    )
    (directory / (TEMP_PREFIX + "x.jpg")).write_bytes(b"partial")
    assert store.recent_files(WHEN) == [stored.path]
