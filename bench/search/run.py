"""Orchestration of `python -m bench.search`: the sizes, build or reuse, time, report."""

from __future__ import annotations

import argparse
import os
import platform
import random
from datetime import UTC, datetime
from pathlib import Path

from bench.ingest.procs import progress
from bench.ingest.report import write_json
from bench.ingest.run import _code_version
from bench.search.build import Size, ensure
from bench.search.measure import Searcher, run_kinds
from bench.search.report import growth, judge, render

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench" / "out" / "search.json"
DEFAULT_DATA = Path("/tmp/edgesync-bench-search")
SEED_DAY = 20 * 10 * 1440  # the seed site: 20 cameras x 10 reads/min
QUICK = {"days": 2, "reads_per_day": 5_000, "sites": [1, 2], "site_days": 1, "pool": 20_000}


def _list(kind):
    def parse(text: str) -> list:
        return [kind(part) for part in text.split(",") if part.strip()]

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    import bench.search

    p = argparse.ArgumentParser(
        prog="python -m bench.search",
        description=bench.search.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes, 10 queries")
    p.add_argument("--plane", type=_list(str), default=["node", "cloud"], help="node,cloud")
    p.add_argument(
        "--backend",
        type=_list(str),
        help="sqlite,postgres (default: both when a PostgreSQL URL is known, else sqlite)",
    )
    p.add_argument("--days", type=int, help="days of reads on the node (default 30)")
    p.add_argument("--reads-per-day", type=int, help=f"per site (default {SEED_DAY:,})")
    p.add_argument("--sites", type=_list(int), help="cloud sizes in sites (default 1,3,10)")
    p.add_argument("--site-days", type=int, help="days of reads per cloud site (default 7)")
    p.add_argument("--pool", type=int, help="vehicles in the region (default 2,000,000)")
    p.add_argument("--runs", type=int, help="timed queries per kind (default 100)")
    p.add_argument(
        "--kind-seconds",
        type=float,
        default=300.0,
        help="stop timing a kind after this long (at least 5 runs; default 300)",
    )
    p.add_argument(
        "--deep-chars", type=int, help="width of the deep walk's infix (default 2; quick 1)"
    )
    p.add_argument("--seed", type=int, default=14, help="data and query seed (default 14)")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="SQLite cache")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("EDGESYNC_TEST_POSTGRES_URL"),
        help="a server to build bench_search_* databases on (default $EDGESYNC_TEST_POSTGRES_URL)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    args = p.parse_args(argv)
    quick = QUICK if args.quick else {}
    args.days = args.days or quick.get("days", 30)
    args.reads_per_day = args.reads_per_day or quick.get("reads_per_day", SEED_DAY)
    args.sites = args.sites or quick.get("sites", [1, 3, 10])
    args.site_days = args.site_days or quick.get("site_days", 7)
    args.pool = args.pool or quick.get("pool", 2_000_000)
    args.runs = args.runs or (10 if args.quick else 100)
    args.deep_chars = args.deep_chars or (1 if args.quick else 2)
    args.backend = args.backend or (["sqlite", "postgres"] if args.postgres_url else ["sqlite"])
    if set(args.plane) - {"node", "cloud"} or not args.plane:
        p.error("--plane takes node and/or cloud")
    if set(args.backend) - {"sqlite", "postgres"} or not args.backend:
        p.error("--backend takes sqlite and/or postgres")
    if "postgres" in args.backend and not args.postgres_url:
        p.error("--backend postgres needs --postgres-url or EDGESYNC_TEST_POSTGRES_URL")
    if min(args.days, args.reads_per_day, args.site_days, args.pool, args.runs, *args.sites) < 1:
        p.error("sizes and --runs must be positive")
    return args


def sizes(args: argparse.Namespace) -> list[Size]:
    """Every database the run needs, smallest first within a plane."""
    out = []
    if "node" in args.plane:
        out.append(Size("node", 1, args.days, args.reads_per_day, args.pool, args.seed))
    if "cloud" in args.plane:
        out += [
            Size("cloud", n, args.site_days, args.reads_per_day, args.pool, args.seed)
            for n in sorted(set(args.sites))
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    """Build what is missing, time every kind on every database; 0 when the run completed."""
    args = parse_args(argv)
    started, load = datetime.now(UTC), os.getloadavg()[0]
    if load > 0.5:
        progress(f"WARNING: load average {load:.2f} before the run: other work shares this "
                 "machine and will raise the figures")  # fmt: skip
    builds, results = [], []
    for backend in args.backend:
        for size in sizes(args):
            built = ensure(size, backend, args.data_dir, args.postgres_url, progress)
            builds.append({"plane": size.plane, "backend": backend, "label": size.label,
                           **built.summary()})  # fmt: skip
            searcher = Searcher(size.plane, built.url)
            try:
                if built.cached:
                    builds[-1]["plates"] = searcher.count_plates()
                progress(f"timing {size.plane} {backend} {size.label}: {args.runs} per kind")
                rng = random.Random(args.seed)
                label = f"{size.plane} {backend}"
                for row in run_kinds(
                    searcher, args.runs, rng, progress, label,
                    deep_chars=args.deep_chars, budget_s=args.kind_seconds,
                ):  # fmt: skip
                    results.append(judge({
                        "plane": size.plane, "backend": backend, "size": size.key,
                        "label": size.label, "reads": size.reads, **row,
                    }))  # fmt: skip
            finally:
                searcher.close()
    report = {
        "schema": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "kernel": platform.release(),
            "loadavg_at_start": round(load, 2),
        },
        "config": {
            "quick": args.quick,
            "planes": args.plane,
            "backends": args.backend,
            "node_days": args.days,
            "reads_per_day": args.reads_per_day,
            "cloud_sites": args.sites,
            "site_days": args.site_days,
            "pool": args.pool,
            "runs": args.runs,
            "deep_chars": args.deep_chars,
            "kind_seconds": args.kind_seconds,
            "seed": args.seed,
        },
        "builds": builds,
        "results": results,
        "growth": growth(results),
        "code": _code_version(),
    }
    write_json(report, args.out)
    print(render(report))
    progress(f"JSON report: {args.out}")
    return 0
