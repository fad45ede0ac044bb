"""The figures, the targets beside them (PASS/MISS, never asserted) and the printed table."""

from __future__ import annotations

import json
from pathlib import Path

from bench.ingest import modes, stores, workers
from bench.ingest.profile import IDLE

# name, figure key, comparison, threshold, what it means
TARGETS = [
    ("durable detections/s", "durable_per_s", ">=", 400.0, "sustained, 50 kB JPEGs"),
    ("node / raw fsync", "node_raw_ratio", ">=", 0.6, "of one-file-per-fsync disk limit"),
    ("p99 at seed load (ms)", "seed_p99_ms", "<", 25.0, "20 cameras x 10 reads/min"),
    ("peak memory (MB)", "peak_rss_mb", "<", 250.0, "VmHWM, node + children"),
    ("node / bare endpoint", "node_bare_ratio", ">=", 0.8, "durability costs < 20%"),
]


def evaluate(figures: dict[str, float]) -> list[dict]:
    """Each target with the measured value and PASS/MISS."""
    out = []
    for name, key, op, threshold, note in TARGETS:
        value = figures.get(key)
        ok = value is not None and (value >= threshold if op == ">=" else value < threshold)
        out.append(
            {
                "name": name,
                "figure": key,
                "value": value,
                "target": f"{op} {threshold:g}",
                "result": "PASS" if ok else "MISS",
                "note": note,
            }
        )
    return out


def render(report: dict) -> str:
    """A plain-text report for people."""
    f = report["figures"]
    sat, bare, seed = report["node_saturation"], report["bare_saturation"], report["node_seed"]
    raw, cfg = report["raw_fsync"], report["config"]
    lines = [
        "",
        f"edgesync ingest benchmark  ({report['machine']['cpus']} CPUs, "
        f"image {report['payload']['image_bytes']} B, body {report['payload']['body_bytes']} B, "
        f"client {sat['client']}, concurrency {cfg['concurrency']}, {cfg['duration_s']:g} s)",
        "",
        f"{'figure':<40}{'value':>12}   {'target':<10}{'result':<6}",
        "-" * 72,
    ]

    def row(label: str, value: float | str, unit: str = "", target: str = "", result: str = ""):
        v = f"{value:,.1f}" if isinstance(value, float) else str(value)
        lines.append(f"{label:<40}{v + unit:>12}   {target:<10}{result:<6}")

    by_key = {t["figure"]: t for t in report["targets"]}

    def targeted(label: str, key: str, unit: str = "") -> None:
        t = by_key.get(key)
        row(label, float(f[key]), unit, t["target"] if t else "", t["result"] if t else "")

    targeted("durable detections/s (node, saturation)", "durable_per_s")
    row(
        "  p50 / p99 at saturation (ms)",
        f"{f['saturation_p50_ms']:.1f} / {f['saturation_p99_ms']:.1f}",
    )
    targeted("p99 at seed load (ms)", "seed_p99_ms")
    row("  p50 at seed load (ms)", float(f["seed_p50_ms"]))
    targeted("peak memory, node (MB)", "peak_rss_mb")
    row("bare endpoint req/s (baseline a)", float(f["bare_per_s"]))
    targeted("  node / bare", "node_bare_ratio")
    row("raw write+fsync files/s (baseline b)", float(f["raw_fsync_files_per_s"]))
    targeted("  node / raw", "node_raw_ratio")
    lines += [
        "-" * 72,
        f"rows in DB {sat['rows_in_db']} vs 201s {sat['ok_total_node']} "
        f"({'match' if sat['rows_match'] else 'MISMATCH'}); image files {sat['image_files']}",
        f"seed run: {seed['requests']} reads at {seed['rate_per_s']:.2f}/s over "
        f"{seed['seconds']:g} s, statuses {seed['status']}, errors {seed['errors']}",
        f"saturation statuses {sat['status']}, errors {sat['errors']}; "
        f"bare statuses {bare['status']}, errors {bare['errors']}",
        f"CPU during saturation: node {sat['server_cpu_cores']:.2f} cores (event loop "
        f"{sat['server_main_thread_cores']:.2f}, writer+other threads "
        f"{sat['server_other_threads_cores']:.2f}), client "
        f"{sat['client_cpu_cores']:.2f} cores (bare run: server {bare['server_cpu_cores']:.2f}, "
        f"client {bare['client_cpu_cores']:.2f}) of {report['machine']['cpus']}; "
        f"other processes {sat['other_cpu_cores']:.2f} / {bare['other_cpu_cores']:.2f} cores",
    ]
    w = sat.get("writer") or {}
    if w:
        lines.append(
            f"writer: {w['commits']} group commits, {w['avg_batch']:.1f} reads each, "
            f"{w['avg_commit_ms']:.2f} ms each, busy {w['busy_fraction'] * 100:.0f}% of the run"
        )
    lines.append(
        f"raw fsync: {raw['files_per_s']:.0f} files/s, p50 {raw['p50_ms']:.2f} ms, "
        f"p99 {raw['p99_ms']:.2f} ms per file"
    )
    if report.get("node_sync_mode"):
        lines.append(f"images flushed with {report['node_sync_mode']} in the main run (default)")
    lines += modes.render(report.get("sync_modes") or {})
    lines += workers.render(report.get("workers") or {}, f["bare_per_s"])
    lines += stores.render(report.get("image_stores") or {})
    prof = report.get("node_profile")
    if prof:
        lines += ["", f"where the node's time goes (py-spy, wall clock, {prof['raw_stacks']}):"]
        for kind, t in prof["threads"].items():
            if kind.startswith("AnyIO worker") and t["shares"].get(IDLE, 0) > 0.95:
                continue
            lines.append(f"  {kind} ({t['samples']} samples)")
            for label, share in t["shares"].items():
                if share >= 0.01:
                    lines.append(f"    {share * 100:5.1f}%  {label}")
    return "\n".join(lines) + "\n"


def write_json(report: dict, path: Path) -> None:
    """The machine-readable report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
