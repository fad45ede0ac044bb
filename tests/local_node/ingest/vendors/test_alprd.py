"""The open-source OpenALPR daemon's (`alprd`) frames map to one read per plate, leniently.

Payloads (payloads/alprd/, see SOURCES.md there):
- `doc_sample.json`: the JSON results sample of OpenALPR's documentation page "OpenALPR
  Agent (alprd)" (openalpr/doc, `alprd.rst`), as published: no `data_type`, a random UUID,
  `epoch_time` in seconds. Only the documentation's sample of this shape was found.
- `daemon_2_3_frame.json`: what `src/daemon.cpp` of openalpr/openalpr 2.3.0
  (736ab0e608cf9b20d92f36a873bb1152240daa98) posts, built from that source: `toJson`'s keys
  (`src/openalpr/alpr_impl.cpp`), then `uuid` (`<site_id>-cam<n>-<epoch ms>`), `camera_id`,
  `site_id`, `img_width`/`img_height` a second time (cJSON appends duplicates) and
  `company_id`, unformatted on one line. Plate values are made up in the same shape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from local_node.ingest.vendors.alprd import parse_alprd
from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.openalpr import parse_openalpr
from tests.local_node.ingest.vendors.conftest import PAYLOADS


def daemon_frame() -> dict:
    return json.loads((PAYLOADS / "alprd" / "daemon_2_3_frame.json").read_text())


def test_daemon_frame_maps_every_field_of_the_read():
    (read,) = parse_alprd(daemon_frame()).reads

    d = read.detection
    assert d.plate == "KX19GHT"
    assert d.captured_at == datetime(2025, 11, 26, 8, 18, 46, 748000, tzinfo=UTC)
    assert d.confidence == pytest.approx(0.91472351)
    assert d.event_id == "gatehouse-cam1-1764145126748:0"
    assert d.source_camera == "1"
    assert d.region == "gb"
    assert d.bbox == (611, 411, 152, 41)
    assert read.image is None and not read.refinable


def test_the_same_frame_gives_the_agent_frames_path_event_ids():
    frame = daemon_frame()

    daemon = parse_alprd(frame).reads
    agent = parse_openalpr(frame, store_frames=True).reads

    assert [r.detection for r in daemon] == [r.detection for r in agent]


def test_documented_sample_maps_one_read_per_plate_with_epoch_in_seconds(payload):
    frame = payload("alprd/doc_sample")
    frame["epoch_time"] = 1764145126  # the sample's 2014 is too old to store; seconds kept

    reads = parse_alprd(frame).reads

    assert [r.detection.plate for r in reads] == ["S11FRE", "EJLESSIE"]
    assert [r.detection.event_id for r in reads] == [
        "f11e0acc-6aaf-4817-9299-9e6773043b8e:0",
        "f11e0acc-6aaf-4817-9299-9e6773043b8e:1",
    ]
    assert reads[0].detection.captured_at == datetime.fromtimestamp(1764145126, tz=UTC)


def test_a_bad_plate_is_skipped_and_the_others_are_kept(payload):
    frame = payload("alprd/doc_sample")
    frame["epoch_time"] = 1764145126
    frame["results"][0]["plate"] = ""

    parsed = parse_alprd(frame)

    assert [r.detection.plate for r in parsed.reads] == ["EJLESSIE"]
    assert [e.field for e in parsed.skipped] == ["results[0].plate"]


def test_a_broken_crop_loses_the_image_not_the_plate():
    frame = daemon_frame()
    frame["results"][0]["plate_crop_jpeg"] = "not base64!"

    parsed = parse_alprd(frame)

    assert [(r.detection.plate, r.image) for r in parsed.reads] == [("KX19GHT", None)]
    assert [e.field for e in parsed.skipped] == ["results[0].plate_crop_jpeg"]


def test_frame_without_plates_maps_to_nothing():
    frame = daemon_frame()
    frame["results"] = []

    parsed = parse_alprd(frame)

    assert (parsed.reads, parsed.skipped) == ([], [])


def test_frame_without_uuid_gets_a_stable_derived_event_id():
    frame = daemon_frame()
    del frame["uuid"]

    first = parse_alprd(frame).reads[0].detection.event_id
    again = parse_alprd(json.loads(json.dumps(frame))).reads[0].detection.event_id

    assert first == again and first.startswith("alprd:") and first.endswith(":0")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f.pop("epoch_time"), "epoch_time"),
        (lambda f: f.update(epoch_time="yesterday"), "epoch_time"),
        (lambda f: f.update(data_type="alpr_group"), "data_type"),
        (lambda f: f.update(results={"plate": "X"}), "results"),
        (lambda f: f["results"][0].update(plate=None), "results[0].plate"),
        (lambda f: f["results"][0].update(confidence="high"), "results[0].confidence"),
    ],
    ids=["no-time", "text-time", "agent-group", "results-not-list", "only-plate-bad", "bad-conf"],
)
def test_frame_with_nothing_storable_is_refused_naming_the_field(change, field):
    frame = daemon_frame()
    change(frame)

    with pytest.raises(VendorPayloadError) as raised:
        parse_alprd(frame)

    assert raised.value.field == field
