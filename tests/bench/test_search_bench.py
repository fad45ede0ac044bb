"""The search benchmark: its data model, its queries, and a smoke run that yields every figure.

The smoke runs check that the benchmark runs and reports, not how fast searches are (the
targets are the benchmark's PASS/MISS lines, never assertions). Run them with `pytest -m bench`.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.search.build import Size, ensure
from bench.search.population import Model, Population, site_reads
from bench.search.queries import DEEP_PAGES, KINDS, make_query
from bench.search.report import judge
from sync_protocol.plate_index import rotations
from sync_protocol.plate_rules import plate_matches

REPO = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("EDGESYNC_TEST_POSTGRES_URL")


def _reads(days: int = 2, per_day: int = 3_000) -> list:
    pop = Population(Model(pool=5_000), seed=3)
    return list(site_reads(pop, site=0, start_us=0, days=days, reads_per_day=per_day))


def test_a_site_yields_its_days_of_reads_in_time_order() -> None:
    reads = _reads()
    assert len(reads) == 6_000
    assert all(a.at_us <= b.at_us for a, b in itertools.pairwise(reads))


def test_vehicles_come_back_in_bursts_and_on_other_days() -> None:
    reads = _reads()
    visits_per_vehicle: dict[int, int] = {}
    for read in reads:
        visits_per_vehicle[read.vehicle] = visits_per_vehicle.get(read.vehicle, 0) + 1
    assert len(visits_per_vehicle) < len(reads) / 2  # bursts of 2-4 and repeat visits
    assert max(visits_per_vehicle.values()) > 8  # the regulars


def test_about_three_in_a_hundred_reads_are_misread() -> None:
    reads = _reads()
    share = sum(r.misread for r in reads) / len(reads)
    assert 0.015 < share < 0.045


def test_every_kind_but_fuzzy_matches_the_plate_it_was_made_from() -> None:
    rng = random.Random(1)
    for kind in KINDS:
        query = make_query(kind, "FF38ABC", rng)
        if not query.fuzzy:
            assert plate_matches(query.plate, "FF38ABC", fuzzy=False), (kind, query.plate)


def test_fuzzy_kinds_find_the_plate_they_misread_within_their_edits() -> None:
    rng = random.Random(2)
    for kind in ("fuzzy1", "fuzzy2"):
        query = make_query(kind, "FF38ABC", rng)
        assert query.plate != "FF38ABC"
        assert plate_matches(query.plate, "FF38ABC", fuzzy=True, max_edits=query.max_edits)


def test_the_deep_kind_walks_six_pages() -> None:
    assert make_query("deep", "FF38ABC", random.Random(0)).pages == DEEP_PAGES == 6


def test_an_empty_page_with_a_cursor_misses_its_target_however_fast() -> None:
    row = {"kind": "exact", "n": 10, "p99_ms": 1.0, "empty_pages_with_cursor": 1}
    assert judge(row)["result"] == "MISS"


def _quick_run(tmp_path: Path, backend: str) -> tuple[dict, str]:
    out = tmp_path / "search.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.search", "--quick", "--backend", backend,
         "--data-dir", str(tmp_path / "data"), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def _check_report(report: dict) -> None:
    by_db: dict[tuple[str, str], set[str]] = {}
    for row in report["results"]:
        by_db.setdefault((row["plane"], row["size"]), set()).add(row["kind"])
        figures = [row["p50_ms"], row["p95_ms"], row["p99_ms"]]
        assert row["n"] > 0 and all(math.isfinite(f) and f > 0 for f in figures), row
        assert row["empty_pages_with_cursor"] == 0, row
        assert row["result"] in {"PASS", "MISS", "-"}
    assert len(by_db) == 3  # the node, and the cloud at its two quick sizes
    assert all(kinds == set(KINDS) for kinds in by_db.values()), by_db
    assert {g["kind"] for g in report["growth"]} == set(KINDS)


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_search_benchmark_reports_every_kind_on_sqlite(tmp_path: Path) -> None:
    report, stdout = _quick_run(tmp_path, "sqlite")
    _check_report(report)
    assert "targets:" in stdout and "p99 growth" in stdout


@pytest.mark.bench
@pytest.mark.e2e
def test_a_second_run_reuses_the_built_databases(tmp_path: Path) -> None:
    _quick_run(tmp_path, "sqlite")
    report, _ = _quick_run(tmp_path, "sqlite")
    assert all(b["cached"] for b in report["builds"])


@pytest.mark.bench
@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs EDGESYNC_TEST_POSTGRES_URL")
def test_quick_search_benchmark_reports_every_kind_on_postgres(tmp_path: Path) -> None:
    report, _ = _quick_run(tmp_path, "postgres")
    _check_report(report)


def test_a_built_node_database_holds_the_dictionary_its_reads_make(tmp_path: Path) -> None:
    size = Size("node", 1, 2, 400, 2_000)
    built = ensure(size, "sqlite", tmp_path, None, lambda _: None)
    with sqlite3.connect(built.url.removeprefix("sqlite:///")) as conn:
        reads = conn.execute("SELECT plate_norm, plate_key, seq FROM detections").fetchall()
        index = conn.execute("SELECT plate_norm, plate_key, reads, last_seq FROM plate_index")
        held = {row[0]: row[1:] for row in index}
        stored_rotations = {r for (r,) in conn.execute("SELECT rotation FROM plate_rotations")}
    expected: dict[str, tuple[str, int, int]] = {}
    for plate, key, seq in reads:
        _, n, last = expected.get(plate, (key, 0, 0))
        expected[plate] = (key, n + 1, max(last, seq))
    assert len(reads) == 800
    assert held == expected
    assert stored_rotations == {r for key, _, _ in expected.values() for r in rotations(key)}
