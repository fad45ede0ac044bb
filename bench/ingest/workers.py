"""`node serve --workers N` side by side: durable reads/s with N = 1, 2, ... and each / bare.

Each count gets a fresh node (its own data dir, `EDGESYNC_NODE_WORKERS=<n>`, SQLite default)
and one saturation run at the same concurrency, in the same benchmark run as the bare
endpoint, so the ratios compare like with like. Every 201 must be one row (checked per run).
"""

from __future__ import annotations

from collections.abc import Callable


def parse_counts(values: list[int]) -> list[int]:
    """`--workers 1 2` as distinct counts in the given order (each at least 1)."""
    bad = [v for v in values if v < 1]
    if bad:
        raise ValueError(f"worker counts must be at least 1, not {bad}")
    return list(dict.fromkeys(values))


def compare(counts: list[int], measure: Callable[[int], dict], bare_per_s: float) -> dict:
    """Run `measure(n)` for each count; durable reads/s of each, ratios to bare and to N=1."""
    runs = {str(n): measure(n) for n in counts}
    per_s = {n: r["ok_per_s"] for n, r in runs.items()}
    ratios: dict[str, float] = {}
    for n, v in per_s.items():
        if bare_per_s:
            ratios[f"workers{n}_bare_ratio"] = round(v / bare_per_s, 3)
        if per_s.get("1") and n != "1":
            ratios[f"workers{n}_workers1_ratio"] = round(v / per_s["1"], 3)
    return {"runs": runs, "durable_per_s": per_s, "ratios": ratios}


def render(result: dict, bare_per_s: float) -> list[str]:
    """Lines for the printed report."""
    if not result or not result.get("runs"):
        return []
    lines = ["", "node serve --workers N (fresh node each, saturation, same concurrency):"]
    one = result["durable_per_s"].get("1")
    for n, run in result["runs"].items():
        vs_bare = f"  x{run['ok_per_s'] / bare_per_s:.2f} of bare" if bare_per_s else ""
        vs_one = f", x{run['ok_per_s'] / one:.2f} of N=1" if one and n != "1" else ""
        lines.append(
            f"  N={n:<3} {run['ok_per_s']:>8.0f} durable reads/s, p50 {run['p50_ms']:.1f} ms, "
            f"p99 {run['p99_ms']:.1f} ms, node CPU {run['server_cpu_cores']:.2f} cores"
            f"{vs_bare}{vs_one}; rows {'match' if run['rows_match'] else 'MISMATCH'} 201s"
        )
    return lines
