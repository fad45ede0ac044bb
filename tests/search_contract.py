"""The plate-search contract every store's detection search keeps (issue 14).

One contract for the node (SQLite, PostgreSQL) and the cloud (SQL, DynamoDB): on a random
corpus, every query — exact, prefix/suffix/infix wildcards, fuzzy with 0–2 edits, with and
without a time bound, at several page sizes — pages through exactly the reads a brute-force
``plate_matches`` over all reads selects, newest first, and no page but the last is short
(a page is never cut by a scan bound). A store joins by giving a ``SearchHarness``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_protocol.plate_rules import normalize_pattern, normalize_plate, plate_matches

START = datetime(2026, 11, 1, tzinfo=UTC)
SITES = ("site-a", "site-b", "site-c")
_CHARS = "0O1IL8B4AXK2Z5S"  # confusable pairs make confusions and near misses common


@dataclass(frozen=True)
class ContractRead:
    """One read to store: ``token`` is unique (store it as the event id and return it)."""

    token: str
    plate: str
    site: str
    at: datetime  # the receive time; it grows with the position in the corpus


class SearchHarness(Protocol):
    """A store under the contract."""

    def store(self, reads: Sequence[ContractRead]) -> None:
        """Store the reads, in order (a later read is newer)."""

    def search(
        self,
        plate: str,
        *,
        fuzzy: bool,
        max_edits: int,
        limit: int,
        cursor: str | None,
        since: datetime | None,
    ) -> tuple[list[str], str | None]:
        """One page: the tokens of the matching reads newest first, and the next cursor."""


def corpus(seed: int = 14, size: int = 400) -> list[ContractRead]:
    """Reads of a few dozen plates (some seen often), with OCR-like variants, over 3 sites."""
    rng = random.Random(seed)
    base = ["".join(rng.choice(_CHARS) for _ in range(rng.randint(3, 9))) for _ in range(40)]
    reads = []
    for i in range(size):
        plate = rng.choice(base[:8]) if rng.random() < 0.4 else rng.choice(base)
        if rng.random() < 0.25:  # a misread: one character replaced, dropped or added
            at = rng.randrange(len(plate))
            plate = rng.choice(
                (
                    plate[:at] + rng.choice(_CHARS) + plate[at + 1 :],
                    plate[:at] + plate[at + 1 :] or plate,
                    plate[:at] + rng.choice(_CHARS) + plate[at:],
                )
            )
        if rng.random() < 0.1:
            plate = plate.lower()[:3] + "-" + plate[3:]  # as cameras send it: case, dashes
        reads.append(ContractRead(f"r{i:05d}", plate, SITES[i % 3], START + timedelta(minutes=i)))
    return reads


def expected(
    reads: Sequence[ContractRead], plate: str, fuzzy: bool, max_edits: int, since: datetime | None
) -> list[str]:
    """The brute-force answer: every matching read, newest first."""
    query = normalize_pattern(plate)
    return [
        r.token
        for r in reversed(reads)
        if (since is None or r.at >= since)
        and plate_matches(query, normalize_plate(r.plate), fuzzy=fuzzy, max_edits=max_edits)
    ]


def walk(harness: SearchHarness, plate: str, limit: int, **query: object) -> list[list[str]]:
    """Every page of one search, following cursors."""
    pages: list[list[str]] = []
    cursor = None
    for _ in range(10_000):
        tokens, cursor = harness.search(plate, limit=limit, cursor=cursor, **query)  # type: ignore[arg-type]
        pages.append(tokens)
        if cursor is None:
            return pages
    raise AssertionError("the cursors never ended")


def _queries(reads: Sequence[ContractRead]) -> st.SearchStrategy[str]:
    stored = st.sampled_from([r.plate for r in reads])
    pattern = st.text(alphabet=_CHARS + "*?", min_size=1, max_size=7)
    edited = st.tuples(stored, st.integers(0, 8), st.sampled_from(_CHARS)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
    wild = st.tuples(stored, st.integers(0, 5), st.sampled_from(["*", "?"])).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 2 :]
    )
    return st.one_of(stored, edited, wild, pattern).filter(
        lambda q: bool(normalize_pattern(q).replace("*", "").replace("?", ""))
    )


def check_search_contract(
    harness: SearchHarness, reads: Sequence[ContractRead], examples: int = 120
) -> None:
    """Run the contract over a store already holding ``reads``."""

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        plate=_queries(reads),
        fuzzy=st.booleans(),
        max_edits=st.integers(0, 2),
        limit=st.sampled_from([1, 3, 7, 50]),
        since_at=st.one_of(st.none(), st.integers(0, len(reads))),
    )
    def one(plate: str, fuzzy: bool, max_edits: int, limit: int, since_at: int | None) -> None:
        since = None if since_at is None else START + timedelta(minutes=since_at)
        pages = walk(harness, plate, limit, fuzzy=fuzzy, max_edits=max_edits, since=since)
        found = [token for page in pages for token in page]
        assert found == expected(reads, plate, fuzzy, max_edits, since)
        assert all(len(page) == limit for page in pages[:-1]), [len(p) for p in pages]

    one()
