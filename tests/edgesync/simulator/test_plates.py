"""Plate generators, OCR misreads and hotlist picks."""

from __future__ import annotations

import random

import pytest

from edgesync.simulator import plates

EXAMPLES = {
    "uk": "AB12 CDE",
    "de": "M-AB 1234",
    "fr": "AB-123-CD",
    "us": "7ABC123",
    "nl": "12-BDF-3",
}


@pytest.mark.parametrize("fmt", sorted(plates.FORMATS))
def test_generated_plates_match_their_format_pattern(fmt: str) -> None:
    rng = random.Random(7)
    for _ in range(2000):
        text = plates.plate(rng, fmt)
        assert plates.matches(text, fmt), text


@pytest.mark.parametrize(("fmt", "example"), sorted(EXAMPLES.items()))
def test_format_patterns_accept_the_documented_example(fmt: str, example: str) -> None:
    assert plates.matches(example, fmt)


def test_format_patterns_reject_other_formats() -> None:
    for fmt, example in EXAMPLES.items():
        others = [other for other in plates.FORMATS if other != fmt]
        assert not any(plates.matches(example, other) for other in others), example


def test_seeded_generation_is_deterministic() -> None:
    def run(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [plates.plate(rng, fmt) for fmt in plates.FORMATS for _ in range(50)]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_misread_swaps_exactly_one_confusable_character() -> None:
    rng = random.Random(1)
    for _ in range(200):
        read = plates.misread("OB15 ISO", rng, 1.0)
        diffs = [(a, b) for a, b in zip("OB15 ISO", read, strict=True) if a != b]
        assert len(diffs) == 1
        assert plates.OCR_CONFUSIONS[diffs[0][0]] == diffs[0][1]


def test_misread_with_probability_zero_never_changes_the_plate() -> None:
    rng = random.Random(1)
    assert all(plates.misread("OB15 ISO", rng, 0.0) == "OB15 ISO" for _ in range(500))


def test_misread_happens_at_about_the_given_probability() -> None:
    rng = random.Random(2)
    n = 20_000
    changed = sum(plates.misread("SO18 OBI", rng, 0.1) != "SO18 OBI" for _ in range(n))
    assert changed / n == pytest.approx(0.1, abs=0.01)


def test_misread_leaves_plates_without_confusable_characters_alone() -> None:
    assert plates.misread("AC-234-DE", random.Random(0), 1.0) == "AC-234-DE"


def test_pick_plate_chooses_hotlist_plates_at_the_configured_share() -> None:
    rng = random.Random(5)
    hotlist = ("HOT 1", "HOT 2")
    n = 20_000
    picks = [
        plates.pick_plate(rng, formats=["uk"], hotlist=hotlist, hotlist_share=0.05)
        for _ in range(n)
    ]
    hot = [p for p, fmt in picks if p in hotlist]
    assert len(hot) / n == pytest.approx(0.05, abs=0.007)
    assert all(fmt is None for p, fmt in picks if p in hotlist)
    assert all(plates.matches(p, "uk") for p, fmt in picks if fmt == "uk")


def test_pick_plate_without_hotlist_always_generates() -> None:
    rng = random.Random(5)
    assert all(
        plates.pick_plate(rng, formats=["nl"], hotlist_share=1.0)[1] == "nl" for _ in range(100)
    )
