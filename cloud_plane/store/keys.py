"""Pure key builders of the single-table DynamoDB layout (no I/O; unit-tested).

One table, partition key ``pk`` and sort key ``sk``; every ``CloudStore`` call
maps to one GetItem/Query/conditional write on a key built here:

=====================  ==============================  ===================================
item                   pk                              sk
=====================  ==============================  ===================================
meta (epoch, counters) ``META``                        ``META#<name>``
site                   ``SITE#<site_id>``              ``SITE``
site key               ``SITE#<site_id>``              ``KEY#<key_id>``
stream (high-water)    ``SITE#<site_id>``              ``STREAM#<stream_id>``
enrolment code         ``ENROLL#<code_hash>``          ``ENROLL``
nonce (TTL)            ``NONCE#<key>``                 ``NONCE``
detection              ``DET#<site_id>#<stream_id>``   ``SEQ#<seq, 19 digits>``
detection by plate     ``PLATE#<confusion key>``       ``time_sort_key`` (whole record)
detection chunk        ``DETS#<site_id>#<yyyy-mm-dd>``  ``<newest time>#<stream>#<first seq>``
sites with detections  ``DETSITES``                    ``SITE#<site_id>``
reads per hour         ``READS#<site_id>``             ``<hour time_text>``
hit                    ``HIT#<detection_id>``          ``ENTRY#<list>#<plate_norm>``
hotlist entry          ``HOTLIST``                     ``ENTRY#<list>#<plate_norm>``
hotlist op result      ``HOTLISTOP#<op_id>``           ``OP``
user                   ``USER#<username>``             ``USER``
=====================  ==============================  ===================================

Secondary indexes (``gsi1pk``/``gsi1sk``): detections by time
(``DETDAY#<yyyy-mm-dd>``, ``time_sort_key``) and by plate
(``PLATE#<plate_norm>``, ``time_sort_key``); hits by time (``HITDAY#...``);
hotlist changes by version (``HOTLISTVER``, ``VER#<19 digits>``). Numbers are
zero-padded so string order is numeric order; ids may not contain ``#``.
"""

from __future__ import annotations

from datetime import UTC, datetime

SEP = "#"
NUMBER_WIDTH = 19  # 2**62 has 19 digits


def _id(value: str, what: str) -> str:
    if not value or SEP in value:
        raise ValueError(f"{what} {value!r} must be non-empty and must not contain {SEP!r}")
    return value


def pad(number: int) -> str:
    """Return ``number`` zero-padded so that string order equals numeric order."""
    if not 0 <= number < 10**NUMBER_WIDTH:
        raise ValueError(f"{number} outside 0..10**{NUMBER_WIDTH}-1")
    return f"{number:0{NUMBER_WIDTH}d}"


def unpad(text: str) -> int:
    """Return the number ``pad`` encoded."""
    if len(text) != NUMBER_WIDTH or not text.isdigit():
        raise ValueError(f"{text!r} is not a padded number")
    return int(text)


def time_text(at: datetime) -> str:
    """Return a UTC time as fixed-width ISO text (sorts chronologically as a string)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def meta(name: str) -> dict[str, str]:
    """Return the key of a meta item (epoch, hotlist counter)."""
    return {"pk": "META", "sk": f"META{SEP}{_id(name, 'meta name')}"}


def site(site_id: str) -> dict[str, str]:
    """Return the key of a site item."""
    return {"pk": f"SITE{SEP}{_id(site_id, 'site_id')}", "sk": "SITE"}


def site_key(site_id: str, key_id: str) -> dict[str, str]:
    """Return the key of a node's public key item."""
    return {"pk": site(site_id)["pk"], "sk": f"KEY{SEP}{_id(key_id, 'key_id')}"}


def stream(site_id: str, stream_id: str) -> dict[str, str]:
    """Return the key of a stream item (its high-water mark)."""
    return {"pk": site(site_id)["pk"], "sk": f"STREAM{SEP}{_id(stream_id, 'stream_id')}"}


def enrollment(code_hash: str) -> dict[str, str]:
    """Return the key of an enrolment code item."""
    return {"pk": f"ENROLL{SEP}{_id(code_hash, 'code_hash')}", "sk": "ENROLL"}


def nonce(key: str) -> dict[str, str]:
    """Return the key of a replay-cache item (expires by TTL)."""
    if not key:
        raise ValueError("nonce key must be non-empty")
    return {"pk": f"NONCE{SEP}{key}", "sk": "NONCE"}


def detection(site_id: str, stream_id: str, seq: int) -> dict[str, str]:
    """Return the key of a detection item."""
    pk = f"DET{SEP}{_id(site_id, 'site_id')}{SEP}{_id(stream_id, 'stream_id')}"
    return {"pk": pk, "sk": f"SEQ{SEP}{pad(seq)}"}


def time_sort_key(received_at: datetime, site_id: str, stream_id: str, seq: int) -> str:
    """Return the index sort key that orders detections by (received_at, site, stream, seq)."""
    parts = (time_text(received_at), _id(site_id, "site_id"), _id(stream_id, "stream_id"))
    return SEP.join((*parts, pad(seq)))


def parse_time_sort_key(key: str) -> tuple[datetime, str, str, int]:
    """Return the (received_at, site, stream, seq) of a ``time_sort_key``."""
    at, site_id, stream_id, seq = key.split(SEP)
    parsed = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return parsed, site_id, stream_id, unpad(seq)


def detections_by_day(received_at: datetime) -> str:
    """Return the time index partition of a detection (one per UTC day)."""
    return f"DETDAY{SEP}{time_text(received_at)[:10]}"


def detections_by_plate(plate_norm: str) -> str:
    """Return the plate index partition of a detection."""
    return f"PLATE{SEP}{_id(plate_norm, 'plate_norm')}"


def plate_detection(
    plate_key: str, received_at: datetime, site_id: str, stream_id: str, seq: int
) -> dict[str, str]:
    """Return the key of a detection's plate item (newest first by a reverse Query)."""
    return {
        "pk": f"PLATE{SEP}{_id(plate_key, 'plate_key')}",
        "sk": time_sort_key(received_at, site_id, stream_id, seq),
    }


def detection_chunk(
    site_id: str, newest: datetime, stream_id: str, first_seq: int
) -> dict[str, str]:
    """Return the key of a chunk of one batch's detections, in the day of its newest read."""
    newest_text = time_text(newest)
    return {
        "pk": detection_chunk_partition(site_id, newest_text[:10]),
        "sk": SEP.join((newest_text, _id(stream_id, "stream_id"), pad(first_seq))),
    }


def detection_chunk_partition(site_id: str, day: str) -> str:
    """Return the partition of a site's chunks whose newest read is in UTC ``day``."""
    return f"DETS{SEP}{_id(site_id, 'site_id')}{SEP}{day}"


def detection_site(site_id: str) -> dict[str, str]:
    """Return the key of the item that says a site has detections (and since which day)."""
    return {"pk": "DETSITES", "sk": f"SITE{SEP}{_id(site_id, 'site_id')}"}


def hourly_reads(site_id: str, hour: datetime) -> dict[str, str]:
    """Return the key of a site's read counters for one hour (one attribute per camera)."""
    return {"pk": f"READS{SEP}{_id(site_id, 'site_id')}", "sk": time_text(hour)}


def hit(detection_id: str, list_name: str, plate_norm: str) -> dict[str, str]:
    """Return the key of a hit item: one per (detection, entry), the dedup key."""
    entry = hotlist_entry(list_name, plate_norm)["sk"]
    return {"pk": f"HIT{SEP}{_id(detection_id, 'detection_id')}", "sk": entry}


def hotlist_entry(list_name: str, plate_norm: str) -> dict[str, str]:
    """Return the key of a hotlist entry item."""
    sk = f"ENTRY{SEP}{_id(list_name, 'list_name')}{SEP}{_id(plate_norm, 'plate_norm')}"
    return {"pk": "HOTLIST", "sk": sk}


def hotlist_version_index(version: int) -> dict[str, str]:
    """Return the version index key of an entry stored at ``version``."""
    return {"gsi1pk": "HOTLISTVER", "gsi1sk": f"VER{SEP}{pad(version)}"}


def hotlist_op(op_id: str) -> dict[str, str]:
    """Return the key of a hotlist op result item."""
    return {"pk": f"HOTLISTOP{SEP}{_id(op_id, 'op_id')}", "sk": "OP"}


def user(username: str) -> dict[str, str]:
    """Return the key of a user item (usernames are case-insensitive)."""
    return {"pk": f"USER{SEP}{_id(username.strip().lower(), 'username')}", "sk": "USER"}
