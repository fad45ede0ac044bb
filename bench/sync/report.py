"""The figures, the targets beside them (PASS/MISS, never asserted) and the printed table."""

from __future__ import annotations

DAY = 288_000


def targets(records: int) -> list[tuple[str, str, str, float, str]]:
    """name, figure key, comparison, threshold, note (the seconds target scales with size)."""
    return [
        ("backlog drain (detections/s)", "drain_per_s", ">=", 5000.0, "from the node's start"),
        ("backlog drain (s)", "drain_s", "<", round(60.0 * records / DAY, 2),
         f"{records:,} detections"),
        ("wire bytes per detection", "wire_bytes_per_detection", "<=", 40.0,
         "both ways, headers included"),
        ("hit-to-cloud p99 (ms)", "hit_p99_ms", "<", 1000.0, "default push interval"),
    ]  # fmt: skip


def evaluate(figures: dict[str, float], records: int) -> list[dict]:
    """Each target with the measured value and PASS/MISS."""
    out = []
    for name, key, op, threshold, note in targets(records):
        value = figures.get(key)
        if value is None:
            ok = False
        elif op == ">=":
            ok = value >= threshold
        elif op == "<=":
            ok = value <= threshold
        else:
            ok = value < threshold
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
    f, cfg, drain, hl = report["figures"], report["config"], report["drain"], report["hit_latency"]
    wire, bl = drain["wire"], report["backlog"]
    headers = wire["up_header_bytes"] + wire["down_header_bytes"]
    lines = [
        "",
        f"edgesync sync benchmark  ({report['machine']['cpus']} CPUs, {cfg['records']:,} "
        f"records, {cfg['hits']} hits, node defaults, SQLite cloud, loopback)",
        "",
        f"{'figure':<40}{'value':>12}   {'target':<10}{'result':<6}",
        "-" * 72,
    ]

    def row(label: str, value, unit: str = "", target: str = "", result: str = "") -> None:
        v = f"{value:,.1f}" if isinstance(value, float | int) else str(value)
        lines.append(f"{label:<40}{v + unit:>12}   {target:<10}{result:<6}")

    by_key = {t["figure"]: t for t in report["targets"]}

    def targeted(label: str, key: str) -> None:
        t = by_key.get(key)
        row(label, float(f[key]), "", t["target"] if t else "", t["result"] if t else "")

    targeted("backlog drained, detections/s", "drain_per_s")
    targeted(f"  time to drain {drain['records']:,} (s)", "drain_s")
    row("  first ack after node start (s)", float(drain["first_ack_after_s"] or 0))
    if drain.get("steady_per_s"):
        row("  rate after the first ack (/s)", float(drain["steady_per_s"]))
    targeted("wire bytes per detection", "wire_bytes_per_detection")
    row("  bodies only (B/detection)", float(wire["body_bytes_per_detection"]))
    row(
        "  requests / replies (B/detection)",
        f"{wire['request_bytes_per_detection']:.1f} / {wire['reply_bytes_per_detection']:.1f}",
    )
    targeted("hit-to-cloud p99 (ms)", "hit_p99_ms")
    row("  p50 (ms)", float(f["hit_p50_ms"]))
    row("  max (ms)", float(hl["max_ms"]))
    row("  camera POST answered, p50 (ms)", float(hl["camera_ack"]["p50_ms"]))
    lines += [
        "-" * 72,
        f"backlog: {bl['records']:,} rows over {bl['span_s'] / 3600:.1f} h, {bl['cameras']} "
        f"cameras, {bl['hit_reads']} reads with {bl['hits']} hits, built in {bl['build_s']:.1f} s "
        f"(event ids: {cfg['event_ids']})",
        f"drain: {wire['requests']} requests ({wire['records_per_request']:.0f} records each), "
        f"{wire['total_bytes']:,} B on the wire ({headers:,}"
        f" B of headers); CPU node {drain['node_cpu_s']:.1f} s, cloud {drain['cloud_cpu_s']:.1f} s"
        f" in {drain['seconds']:.1f} s; hits stored {drain['hits_stored_in_cloud']}"
        f"/{drain['hits_in_backlog']}",
        f"hits: {hl['samples']} timed, {hl['missed']} missed, {hl['hits_listed_by_api']} listed by "
        f"GET /api/v1/hits; background load: {'on' if cfg['background_load'] else 'off'}",
    ]
    prof = drain.get("profile")
    if prof:
        for proc, threads in prof.items():
            if not threads:
                continue
            lines.append("")
            lines.append(f"where the {proc}'s drain time goes (py-spy, wall clock, inclusive):")
            for thread, t in list(threads.items())[:3]:
                lines.append(
                    f"  {thread} ({t['samples']} samples, busy {t['busy_share'] * 100:.0f}%)"
                )
                for name, share in list(t["inclusive"].items())[:12]:
                    if share >= 0.02:
                        lines.append(f"    {share * 100:5.1f}%  {name}")
    return "\n".join(lines) + "\n"
