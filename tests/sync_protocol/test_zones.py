"""IANA zone names: which are places, and how the host's own zone is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_protocol.zones import check_zone, host_zone, known_zone


@pytest.mark.parametrize("name", ["Europe/Berlin", "Asia/Tokyo", "America/Argentina/Salta", "UTC"])
def test_iana_zones_of_places_are_known(name: str) -> None:
    assert known_zone(name)


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Olympus",  # no such zone
        "Europe",  # a folder of the database, not a zone
        "localtime",  # the database's helper files and copies are no places
        "posixrules",
        "posix/Europe/Berlin",
        "right/UTC",
        "../etc/passwd",
        "Europe/Berlin\n",
        "",
        "A/" + "b" * 70,  # longer than any stored zone
    ],
)
def test_names_that_are_no_zone_of_a_place_are_unknown(name: str) -> None:
    assert not known_zone(name)


def test_check_zone_names_the_bad_zone() -> None:
    with pytest.raises(ValueError, match="'Europe/Berlln'"):
        check_zone("Europe/Berlln")
    assert check_zone(" Asia/Tokyo ") == "Asia/Tokyo"


def _localtime_link(tmp_path: Path, zone: str) -> Path:
    target = tmp_path / "usr" / "share" / "zoneinfo" / zone
    target.parent.mkdir(parents=True)
    target.write_bytes(b"TZif")
    link = tmp_path / "localtime"
    link.symlink_to(target)
    return link


def test_the_host_zone_comes_from_tz_first(tmp_path: Path) -> None:
    link = _localtime_link(tmp_path, "Asia/Tokyo")
    assert host_zone({"TZ": ":Europe/Berlin"}, link, tmp_path / "none") == "Europe/Berlin"
    assert host_zone({"TZ": "/usr/share/zoneinfo/Europe/Paris"}, link) == "Europe/Paris"


def test_a_posix_tz_rule_names_no_iana_zone(tmp_path: Path) -> None:
    link = _localtime_link(tmp_path, "Asia/Tokyo")
    assert host_zone({"TZ": "CET-1CEST"}, link, tmp_path / "none") is None


def test_the_host_zone_comes_from_the_localtime_link(tmp_path: Path) -> None:
    link = _localtime_link(tmp_path, "Asia/Tokyo")
    assert host_zone({}, link, tmp_path / "none") == "Asia/Tokyo"


def test_the_host_zone_comes_from_etc_timezone_when_localtime_is_a_copy(tmp_path: Path) -> None:
    copy = tmp_path / "localtime"
    copy.write_bytes(b"TZif")
    named = tmp_path / "timezone"
    named.write_text("America/New_York\n")
    assert host_zone({}, copy, named) == "America/New_York"


def test_a_host_that_names_no_zone_has_none(tmp_path: Path) -> None:
    named = tmp_path / "timezone"
    named.write_text("nonsense\n")
    assert host_zone({}, tmp_path / "missing", named) is None
