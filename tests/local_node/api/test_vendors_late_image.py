"""A Plate Recognizer event posted first without its image, then with it (issue 15, item 3).

Over real HTTP: the second post is a repeat (200, same ids) that attaches the image, durably and
once; a third post with another image of the same event changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.local_node.conftest import RunningNode, make_jpeg, stored_image_paths

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"
PR = "/api/v1/ingest/platerecognizer"


def event() -> dict:
    return json.loads((PAYLOADS / "platerecognizer" / "stream_recognition_2021.json").read_text())


def with_image(image: bytes) -> dict:
    return {"json": (None, json.dumps(event())), "upload": ("frame.jpg", image, "image/jpeg")}


def details(node: RunningNode, ids: list[str]) -> list[dict]:
    with node.viewer() as v:
        return [v.get(f"/api/v1/detections/{i}").json() for i in ids]


def test_a_resent_event_bringing_its_image_attaches_it_to_every_read(node: RunningNode):
    image = (PAYLOADS / "platerecognizer" / "upload.jpg").read_bytes()
    with node.camera() as cam:
        first = cam.post(PR, json=event())
        again = cam.post(PR, files=with_image(image))
    assert (first.status_code, again.status_code) == (201, 200)
    ids = [d["id"] for d in first.json()["detections"]]
    assert [d["id"] for d in again.json()["detections"]] == ids
    for read in details(node, ids):
        assert read["image_sha256"] == hashlib.sha256(image).hexdigest()
        assert read["revision"] == 2
        with node.viewer() as v:
            assert v.get(read["image_url"]).content == image


def test_another_image_of_the_same_event_never_replaces_the_first(node: RunningNode):
    image = (PAYLOADS / "platerecognizer" / "upload.jpg").read_bytes()
    with node.camera() as cam:
        first = cam.post(PR, files=with_image(image))
        other = cam.post(PR, files=with_image(make_jpeg(40, 30, "red")))
    assert (first.status_code, other.status_code) == (201, 200)
    ids = [d["id"] for d in first.json()["detections"]]
    for read in details(node, ids):
        assert read["image_sha256"] == hashlib.sha256(image).hexdigest()
        assert read["revision"] == 1
    files = stored_image_paths(node)
    assert len(files) == 1
