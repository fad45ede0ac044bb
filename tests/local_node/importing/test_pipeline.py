"""The reading process's chunks: small at first so storing starts early, then batch-sized."""

from __future__ import annotations

from typing import Any

from local_node.importing.pipeline import Chunk, read_ahead
from local_node.importing.values import LineError


def _prepare(records: list[dict[str, Any]], chunk: Chunk) -> None:
    chunk.rows = [(r["n"],) for r in records]


def test_the_first_chunks_grow_to_the_batch_size_and_keep_every_record():
    def records():
        for n in range(1, 501):
            yield n, {"n": n}

    chunks = list(read_ahead(records, prepare=_prepare, batch_size=80, max_errors=None))
    assert [len(c.rows) for c in chunks] == [10, 20, 40, 80, 80, 80, 80, 80, 30]
    assert [r for c in chunks for r in c.rows] == [(n,) for n in range(1, 501)]
    assert sum(c.lines for c in chunks) == 500


def test_a_file_of_bad_lines_still_comes_in_chunks():
    def records():
        for n in range(1, 101):
            yield n, LineError("plate", "is empty")

    chunks = list(read_ahead(records, prepare=_prepare, batch_size=80, max_errors=None))
    assert len(chunks) > 1 and sum(len(c.problems) for c in chunks) == 100
    assert all(not c.rows for c in chunks)
