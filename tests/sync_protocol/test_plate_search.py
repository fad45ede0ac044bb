"""The shared fuzzy search scan (sync_protocol.plate_search)."""

from __future__ import annotations

from sync_protocol.plate_rules import confusion_key
from sync_protocol.plate_search import fuzzy_scan


def rows(*plates: str) -> list[dict]:
    return [
        {"seq": n, "plate_norm": plate, "plate_key": confusion_key(plate)}
        for n, plate in enumerate(plates)
    ]


def test_a_full_page_continues_below_its_last_item():
    log = rows("AB12CDE", "XY99ZZZ", "A812CDE", "AB12CDF", "AB12CDE")
    page = fuzzy_scan(log, "AB12CDE", limit=2, scan_bound=100)
    assert [r["seq"] for r in page.items] == [0, 2]
    assert page.resume_after is not None and page.resume_after["seq"] == 2


def test_a_page_cut_short_by_the_bound_continues_below_the_last_row_scanned():
    log = rows("AB12CDE", "XY99ZZZ", "QQ11QQQ", "AB12CDE")
    page = fuzzy_scan(log, "AB12CDE", limit=10, scan_bound=3)
    assert [r["seq"] for r in page.items] == [0]
    assert page.resume_after is not None and page.resume_after["seq"] == 2


def test_a_scan_that_reaches_the_end_has_no_next_page():
    page = fuzzy_scan(rows("AB12CDE", "XY99ZZZ"), "AB12CDE", limit=10, scan_bound=100)
    assert [r["seq"] for r in page.items] == [0] and page.resume_after is None


def test_a_wildcard_query_matches_by_confusion():
    page = fuzzy_scan(rows("A812CDE", "XY99ZZZ"), "AB12*", limit=10, scan_bound=100)
    assert [r["plate_norm"] for r in page.items] == ["A812CDE"]

