"""The page figures, the target beside each (PASS/MISS, never asserted) and the printed table."""

from __future__ import annotations

SERVER_P95_TARGET_MS = 200.0


def evaluate(pages: list[dict]) -> list[dict]:
    """Each timed page's server p95 against the target (MISS when it has no server time)."""
    out = []
    for page in pages:
        value = page.get("server_p95_ms")
        ok = value is not None and value < SERVER_P95_TARGET_MS and _all_ok(page)
        out.append(
            {
                "name": f"{page['name']} server p95 (ms)",
                "figure": page["name"],
                "value": value,
                "target": f"< {SERVER_P95_TARGET_MS:g}",
                "result": "PASS" if ok else "MISS",
                "note": "" if _all_ok(page) else f"statuses {page['status']}",
            }
        )
    return out


def _all_ok(page: dict) -> bool:
    return set(page.get("status", {})) == {"200"}


def render(report: dict) -> str:
    """A plain-text report for people."""
    cfg, seed = report["config"], report["seed"]
    base = report["baseline"]
    lines = [
        "",
        f"edgesync page benchmark  ({report['machine']['cpus']} CPUs, {cfg['sites']} sites x "
        f"{cfg['reads_per_site']:,} reads, {cfg['requests']} requests per page, one at a time, "
        "SQLite, loopback)",
        "",
        f"{'page':<28}{'n':>4}{'server p50':>11}{'server p95':>11}{'wall p95':>10}"
        f"{'x base':>8}   {'target':<8}{'result':<6}",
        "-" * 88,
    ]
    by_page = {t["figure"]: t for t in report["targets"]}

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    for page in report["pages"]:
        t = by_page.get(page["name"], {})
        ratio = page.get("wall_p95_over_baseline")
        lines.append(
            f"{page['name']:<28}{page['requests']:>4}{ms(page['server_p50_ms']):>11}{ms(page['server_p95_ms']):>11}"
            f"{ms(page['wall_p95_ms']):>10}{'-' if ratio is None else f'{ratio:.1f}':>8}   "
            f"{t.get('target', ''):<8}{t.get('result', '')}"
            + (f"  {t['note']}" if t.get("note") else "")
        )
    for name, b in base.items():
        lines.append(
            f"{name + ' (baseline)':<28}{b['requests']:>4}{'':>22}"
            f"{ms(b['wall_p95_ms']):>10}{'1.0':>8}"
        )
    lines += [
        "-" * 88,
        "server = Server-Timing app;dur (request in to response headers out); wall = the whole "
        "request here; x base = wall p95 / the same server's /healthz wall p95",
        f"seed: node {seed['node']['records']:,} reads ({seed['node']['hits']} hits) in "
        f"{seed['node']['build_s']:.1f} s; cloud "
        + ", ".join(
            f"{s['name']} {s['records']:,} reads, {s['cloud_hits']} hits in {s['seconds']:.1f} s"
            for s in seed["cloud"]
        ),
    ]
    for problem in report.get("problems", []):
        lines.append(f"not timed: {problem}")
    return "\n".join(lines) + "\n"
