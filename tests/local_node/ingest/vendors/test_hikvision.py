"""Hikvision ISAPI ANPR alarms map to one read; other alarms are acknowledged and ignored.

Payloads (`payloads/hikvision/`, sources in its SOURCES.md):
- `anpr_ids2cd7a46g0_2023.xml`, `anpr_plate_unknown_2023.xml`, `vmd_2025.xml`: real camera
  posts kept as test fixtures by maciej-or/hikvision_next (Home Assistant integration),
  `tests/fixtures/ISAPI/EventNotificationAlert/ipc1_anpr_plate_detected.xml` @ d1bceffe,
  `ipc1_anpr_plate_unknown.xml` @ 9fdcea7c, `vmd.xml` @ 4392eb1e. Plate, MAC and GPS replaced.
- `anpr_detection_picture_2024.xml`: parkpow/deep-license-plate-recognition (Plate
  Recognizer's own integrations), `parkpow/hikvision_lpr/assets/anpr.xml` @ 5965fb15. Plate
  replaced with the same shape.
- The `isapi.org` and prefixed (`ns1:`) namespaces below are that 2024 sample re-namespaced
  as the ISAPI developer guide (XML_EventNotificationAlert_ANPR) and NVR forwarding write it;
  the heartbeat is the documented `videoloss`/`inactive` shape. Both are written for the test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.hikvision import choose_picture, find_xml_part, parse_hikvision
from local_node.ingest.vendors.multipart_parts import Part, split_multipart

PAYLOADS = Path(__file__).parent / "payloads" / "hikvision"
HEARTBEAT = (
    b'<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">'
    b"<ipAddress>192.168.1.64</ipAddress><channelID>1</channelID>"
    b"<dateTime>2024-05-01T12:35:01+08:00</dateTime><activePostCount>0</activePostCount>"
    b"<eventType>videoloss</eventType><eventState>inactive</eventState>"
    b"<eventDescription>videoloss alarm</eventDescription></EventNotificationAlert>"
)


def xml(name: str) -> bytes:
    return (PAYLOADS / f"{name}.xml").read_bytes()


def edited(name: str, old: str, new: str) -> bytes:
    text = xml(name).decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def test_2024_firmware_alarm_maps_every_field(upload_jpeg):
    parsed = parse_hikvision(xml("anpr_detection_picture_2024"), upload_jpeg)

    assert parsed.ignored is None and parsed.read is not None
    read = parsed.read.detection
    assert read.plate == "ABCD600"
    assert read.captured_at == datetime(2024, 1, 19, 3, 17, 19, tzinfo=UTC)
    assert read.confidence == pytest.approx(0.97)
    assert (
        read.event_id == "hikvision:2024011911172144900FlERIduqg06eKsYuvLX072NugIxaHw22mHG5D5KBmWqX"
    )
    assert read.source_camera == "d4:e8:53:bc:4c:02/1"
    assert read.direction == "reverse"
    assert read.region is None  # countryAbbreviation NON: not recognised
    assert read.bbox is None  # plateRect units differ between firmware
    assert read.vehicle == Vehicle(color="white")  # vehicleType "vehicle" says nothing
    assert parsed.read.image == upload_jpeg


def test_2023_firmware_alarm_maps_plate_time_and_confidence():
    parsed = parse_hikvision(xml("anpr_ids2cd7a46g0_2023"), None)

    assert parsed.read is not None
    read = parsed.read.detection
    assert (read.plate, read.confidence, read.direction) == ("XY12345", 1.0, "forward")
    assert read.captured_at == datetime(2023, 8, 11, 12, 49, tzinfo=UTC)
    assert read.source_camera == "bc:5e:33:00:00:01/1"
    assert parsed.read.image is None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("http://www.hikvision.com/ver20/XMLSchema", "http://www.isapi.org/ver20/XMLSchema"),
        ("http://www.hikvision.com/ver20/XMLSchema", "http://www.std-cgi.com/ver10/XMLSchema"),
    ],
    ids=["isapi-org", "std-cgi-ver10"],
)
def test_namespace_of_other_firmware_maps_to_the_same_read(old, new):
    original = parse_hikvision(xml("anpr_detection_picture_2024"), None).read
    other = parse_hikvision(edited("anpr_detection_picture_2024", old, new), None).read

    assert original is not None and other == original


def test_prefixed_namespace_from_an_nvr_is_read():
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<ns1:EventNotificationAlert xmlns:ns1="http://www.hikvision.com/ver20/XMLSchema">'
        b"<ns1:dateTime>2024-01-19T11:17:19+08:00</ns1:dateTime>"
        b"<ns1:eventType>ANPR</ns1:eventType><ns1:ANPR>"
        b"<ns1:licensePlate>WA99999</ns1:licensePlate><ns1:confidenceLevel>90</ns1:confidenceLevel>"
        b"</ns1:ANPR></ns1:EventNotificationAlert>"
    )

    read = parse_hikvision(document, None).read

    assert read is not None
    assert (read.detection.plate, read.detection.confidence) == ("WA99999", pytest.approx(0.9))


def test_alarm_whose_plate_is_unknown_is_ignored():
    parsed = parse_hikvision(xml("anpr_plate_unknown_2023"), None)

    assert parsed.read is None and parsed.ignored == "ANPR without a plate"


def test_motion_alarm_is_ignored_under_its_event_type():
    parsed = parse_hikvision(xml("vmd_2025"), None)

    assert parsed.read is None and parsed.ignored == "VMD"


def test_heartbeat_is_ignored():
    assert parse_hikvision(HEARTBEAT, None).ignored == "videoloss"


def test_inactive_anpr_alarm_is_ignored():
    document = edited("anpr_detection_picture_2024", ">active<", ">inactive<")

    assert parse_hikvision(document, None).ignored == "ANPR (inactive)"


def test_resent_alarm_maps_to_the_same_event_id():
    first = parse_hikvision(xml("anpr_detection_picture_2024"), None).read
    retransmitted = edited(
        "anpr_detection_picture_2024",
        "<isDataRetransmission>false",
        "<isDataRetransmission>true",
    )
    again = parse_hikvision(retransmitted, None).read

    assert first is not None and again is not None
    assert again.detection.event_id == first.detection.event_id


def test_alarm_without_uuid_gets_a_key_from_device_time_and_plate():
    without = edited(
        "anpr_detection_picture_2024",
        "<UUID>2024011911172144900FlERIduqg06eKsYuvLX072NugIxaHw22mHG5D5KBmWqX</UUID>",
        "",
    )
    other_plate = without.replace(b"ABCD600", b"ABCD601")

    first = parse_hikvision(without, None).read
    again = parse_hikvision(without, None).read
    other = parse_hikvision(other_plate, None).read

    assert first is not None and again is not None and other is not None
    assert first.detection.event_id == again.detection.event_id
    assert first.detection.event_id.startswith("hikvision:")
    assert len(first.detection.event_id) == len("hikvision:") + 32
    assert other.detection.event_id != first.detection.event_id


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (
            edited("anpr_detection_picture_2024", "<licensePlate>ABCD600</licensePlate>", ""),
            "EventNotificationAlert/ANPR/licensePlate",
        ),
        (
            edited("anpr_detection_picture_2024", "ABCD600</licensePlate>", "</licensePlate>"),
            "EventNotificationAlert/ANPR/licensePlate",
        ),
        (
            edited(
                "anpr_detection_picture_2024", "<dateTime>2024-01-19T11:17:19+08:00</dateTime>", ""
            ),
            "EventNotificationAlert/dateTime",
        ),
        (
            edited("anpr_detection_picture_2024", "2024-01-19T11:17:19+08:00", "yesterday"),
            "EventNotificationAlert/dateTime",
        ),
        (
            edited("anpr_detection_picture_2024", ">97<", ">high<"),
            "EventNotificationAlert/ANPR/confidenceLevel",
        ),
        (
            edited("anpr_detection_picture_2024", ">97<", ">250<"),
            "EventNotificationAlert/ANPR/confidenceLevel",
        ),
        (
            edited("anpr_detection_picture_2024", "ABCD600", "X" * 40),
            "EventNotificationAlert/ANPR/licensePlate",
        ),
        (
            b"<EventNotificationAlert><eventState>active</eventState></EventNotificationAlert>",
            "EventNotificationAlert/eventType",
        ),
        (
            b"<EventNotificationAlert><eventType>ANPR</eventType></EventNotificationAlert>",
            "EventNotificationAlert/ANPR",
        ),
        (b"<ResponseStatus><statusCode>1</statusCode></ResponseStatus>", "EventNotificationAlert"),
    ],
    ids=[
        "no-plate",
        "empty-plate",
        "no-time",
        "not-a-time",
        "confidence-text",
        "confidence-over-100",
        "plate-too-long",
        "no-event-type",
        "no-anpr-element",
        "other-root",
    ],
)
def test_invalid_alarm_is_refused_naming_the_element_path(document, field):
    with pytest.raises(VendorPayloadError) as caught:
        parse_hikvision(document, None)

    assert caught.value.field == field


def test_malformed_xml_is_refused_naming_the_part_and_position():
    with pytest.raises(VendorPayloadError) as caught:
        parse_hikvision(b"<EventNotificationAlert><eventType>ANPR</eventTy", None, field="anpr.xml")

    assert caught.value.field == "anpr.xml"
    assert "not well-formed XML (line 1" in caught.value.message


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<EventNotificationAlert><eventType>&lol2;</eventType></EventNotificationAlert>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<EventNotificationAlert><eventType>&xxe;</eventType></EventNotificationAlert>",
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1/evil.dtd">'
        b"<EventNotificationAlert/>",
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_documents_with_a_dtd_are_refused(document):
    with pytest.raises(VendorPayloadError) as caught:
        parse_hikvision(document, None)

    assert caught.value.field == "body" and "XML refused" in caught.value.message


def part(label: str, data: bytes = b"\xff\xd8\xff", media: str = "image/jpeg") -> Part:
    return Part(name=label, filename=label, media_type=media, data=data)


def test_scene_picture_is_chosen_over_the_plate_crop():
    parts = [
        part("anpr.xml", b"<x/>", "text/xml"),
        part("licensePlatePicture.jpg", b"plate"),
        part("detectionPicture.jpg", b"scene"),
    ]

    chosen = choose_picture(parts)

    assert chosen is not None and chosen.data == b"scene"


def test_vehicle_picture_is_chosen_over_the_plate_crop():
    parts = [part("licensePlatePicture.jpg", b"plate"), part("vehiclePicture.jpg", b"car")]

    chosen = choose_picture(parts)

    assert chosen is not None and chosen.data == b"car"


def test_plate_crop_is_chosen_when_it_is_the_only_picture():
    parts = [part("anpr.xml", b"<x/>", "application/xml"), part("licensePlatePicture.jpg")]

    chosen = choose_picture(parts)

    assert chosen is not None and chosen.label == "licensePlatePicture.jpg"


def test_alarm_without_pictures_has_none_chosen():
    assert choose_picture([part("anpr.xml", b"<x/>", "text/xml")]) is None


def test_xml_part_is_found_by_content_when_named_otherwise():
    parts = [part("event", b"  <EventNotificationAlert/>", "application/octet-stream")]

    assert find_xml_part(parts) is parts[0]


def test_multipart_with_filename_only_parts_and_lf_line_ends_is_split():
    body = (
        b'--bb\nContent-Disposition: form-data; filename="MoveDetection.xml"\n'
        b"Content-Type: text/xml\n\n<EventNotificationAlert/>\n"
        b'--bb\nContent-Disposition: form-data; filename="vehiclePicture.jpg"\n'
        b"Content-Type: application/octet-stream\n\n\xff\xd8\xff\x00\n--bb--\n"
    )

    parts = split_multipart(body, "multipart/form-data; boundary=bb")

    assert [(p.name, p.filename) for p in parts] == [
        ("", "MoveDetection.xml"),
        ("", "vehiclePicture.jpg"),
    ]
    assert parts[1].data == b"\xff\xd8\xff\x00"
    xml_part = find_xml_part(parts)
    assert xml_part is not None and xml_part.label == "MoveDetection.xml"


def test_multipart_without_its_boundary_is_refused():
    with pytest.raises(VendorPayloadError) as caught:
        split_multipart(b"no parts here", "multipart/form-data; boundary=bb")

    assert caught.value.field == "body"


def test_offset_without_its_leading_zero_is_read():
    # Old firmware writes "-8:00" (seen in moonfire-nvr's captured heartbeats).
    document = edited(
        "anpr_detection_picture_2024", "2024-01-19T11:17:19+08:00", "2024-01-19T11:17:19-8:00"
    )

    read = parse_hikvision(document, None).read

    assert read is not None
    assert read.detection.captured_at == datetime(2024, 1, 19, 19, 17, 19, tzinfo=UTC)
