"""The search page's fuzzy choice: one edit or two (beyond OCR confusions)."""

from __future__ import annotations

from tests.local_node.web.conftest import post_read

TWO_EDITS_AWAY = "AB173KD"  # from AB123CD: 2→7 and C→K, neither an OCR confusion


def test_the_form_offers_fuzzy_with_one_or_two_edits(node, client_for):
    html = client_for("viewer").get("/search").text
    assert 'value="fuzzy"' in html and "Fuzzy, 1 edit" in html
    assert 'value="fuzzy2"' in html and "Fuzzy, 2 edits" in html


def test_fuzzy_with_one_edit_misses_a_plate_two_edits_away(node, client_for):
    post_read(node, "AB123CD")
    html = client_for("viewer").get("/search", params={"plate": TWO_EDITS_AWAY, "mode": "fuzzy"})
    assert html.status_code == 200 and "AB123CD" not in html.text


def test_fuzzy_with_two_edits_finds_a_plate_two_edits_away(node, client_for):
    post_read(node, "AB123CD")
    html = client_for("viewer").get("/search", params={"plate": TWO_EDITS_AWAY, "mode": "fuzzy2"})
    assert html.status_code == 200 and "AB123CD" in html.text
