"""Frigate `frigate/events` messages whose tracked object carries a recognised plate map to reads.

Payloads (payloads/frigate/, see SOURCES.md there):
- `events_docs_update.json`: the `frigate/events` sample of Frigate's documentation,
  blakeblackshear/frigate `docs/docs/integrations/mqtt.md` at
  e3fa70189324e5eb3b1dba756c153f6696f457de
  (plate as a string with `recognized_license_plate_score`), comments removed.
- `events_0_16_car_update.json`: a car as Frigate 0.16's `TrackedObject.to_dict()` serialises
  it (`frigate/track/tracked_object.py`, `frigate/track/object_processing.py` at v0.16.0,
  c2f8de94e815be75a0ff7ba9bec2b9cda0292383): `recognized_license_plate` is the pair
  `[plate, score]` that `set_recognized_license_plate` stores. Built from that source, with
  the ids and plate of `lpr_known_vehicle.json` (no published capture found).
- `events_no_plate_docs_0_9.json`: the documentation's sample before LPR existed
  (mqtt.md at 006569391f372010bb8c2db02a66ca31e2939a4c, Frigate 0.10/0.11): no plate fields.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.frigate import parse_frigate_lpr
from local_node.ingest.vendors.frigate_events import parse_frigate_event

ARRIVED = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)


def arrived() -> datetime:
    return ARRIVED


def test_documented_event_maps_every_field_of_the_read(payload):
    message = payload("frigate/events_docs_update")
    message["after"]["frame_time"] = 1764145126.748393  # the sample's 2020 is too old to store

    read = parse_frigate_event(message)

    assert read is not None
    d = read.detection
    assert d.plate == "ABC12345"
    assert d.captured_at == datetime.fromtimestamp(1764145126.748393, tz=UTC)
    assert d.confidence == pytest.approx(0.933451)
    assert d.event_id == "frigate:1607123955.475377-mxklsc"
    assert d.source_camera == "front_door"
    assert read.image is None


def test_plate_sent_as_a_plate_and_score_pair_maps(payload):
    read = parse_frigate_event(payload("frigate/events_0_16_car_update"))

    assert read is not None
    assert (read.detection.plate, read.detection.confidence) == ("123ABC", pytest.approx(0.9512))


def test_event_reads_are_refinable(payload):
    read = parse_frigate_event(payload("frigate/events_0_16_car_update"))

    assert read is not None and read.refinable and not read.preview


def test_event_and_lpr_update_of_one_tracked_object_share_the_event_id(payload):
    event = parse_frigate_event(payload("frigate/events_0_16_car_update"))
    lpr = parse_frigate_lpr(payload("frigate/lpr_known_vehicle"))

    assert event is not None and lpr is not None
    assert event.detection.event_id == lpr.detection.event_id


@pytest.mark.parametrize("kind", ["new", "update", "end"])
def test_every_event_type_with_a_plate_is_a_read(payload, kind):
    message = payload("frigate/events_0_16_car_update")
    message["type"] = kind

    read = parse_frigate_event(message)

    assert read is not None and read.detection.plate == "123ABC"


def test_the_after_state_is_read_not_the_before(payload):
    message = payload("frigate/events_0_16_car_update")
    message["before"]["recognized_license_plate"] = ["OLD999", 0.5]

    read = parse_frigate_event(message)

    assert read is not None and read.detection.plate == "123ABC"


def test_event_without_plate_fields_is_not_a_read(payload):
    assert parse_frigate_event(payload("frigate/events_no_plate_docs_0_9")) is None


@pytest.mark.parametrize("plate", [None, "", "  ", [None, None], []])
def test_object_whose_plate_is_not_read_yet_is_not_a_read(payload, plate):
    message = payload("frigate/events_0_16_car_update")
    message["after"]["recognized_license_plate"] = plate

    assert parse_frigate_event(message) is None


@pytest.mark.parametrize(
    "message",
    [{"type": "lpr", "plate": "AB12CDE"}, {"type": "update"}, {"type": "update", "after": []}, []],
    ids=["other-type", "no-after", "after-not-object", "not-object"],
)
def test_messages_of_another_shape_are_not_reads(message):
    assert parse_frigate_event(message) is None


def test_missing_frame_time_falls_back_to_start_time(payload):
    message = payload("frigate/events_0_16_car_update")
    del message["after"]["frame_time"]

    read = parse_frigate_event(message)

    assert read is not None
    assert read.detection.captured_at == datetime.fromtimestamp(1764145123.475377, tz=UTC)


def test_no_usable_time_is_stamped_with_the_arrival(payload):
    message = payload("frigate/events_0_16_car_update")
    message["after"].update(frame_time=None, start_time=None)

    read = parse_frigate_event(message, clock=arrived)

    assert read is not None and read.detection.captured_at == ARRIVED


def test_percent_score_becomes_a_fraction(payload):
    message = payload("frigate/events_docs_update")
    message["after"].update(frame_time=1764145126.7, recognized_license_plate_score=93.5)

    read = parse_frigate_event(message)

    assert read is not None and read.detection.confidence == pytest.approx(0.935)


PLATE = "after.recognized_license_plate"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: a.pop("id"), "after.id"),
        (lambda a: a.update(camera=""), "after.camera"),
        (lambda a: a.update(recognized_license_plate=[12345, 0.9]), PLATE),
        (lambda a: a.update(recognized_license_plate=["AB12CDE", "high"]), f"{PLATE}_score"),
        (lambda a: a.update(recognized_license_plate=["A\x00B", 0.9]), PLATE),
        (lambda a: a.update(frame_time="soon"), "after.frame_time"),
    ],
    ids=["no-id", "empty-camera", "plate-not-text", "score-not-number", "control-char", "bad-time"],
)
def test_malformed_event_with_a_plate_is_refused_naming_the_field(payload, change, field):
    message = payload("frigate/events_0_16_car_update")
    change(message["after"])

    with pytest.raises(VendorPayloadError) as raised:
        parse_frigate_event(message)

    assert raised.value.field == field
