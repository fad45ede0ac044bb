"""The image flush modes side by side: durable reads/s under syncfs, fdatasync and file, as ratios.

Each mode gets a fresh node (its own data dir, `EDGESYNC_NODE_IMAGE_SYNC=<mode>`) and one
saturation run at the same concurrency, in the same benchmark run, so the ratios compare like
with like. A mode the node refuses here (syncfs on a filesystem not known to honour it) is
reported as refused, not measured.
"""

from __future__ import annotations

from collections.abc import Callable

MODES = ("syncfs", "fdatasync", "file")
BASE = "syncfs"


def parse_modes(value: str) -> list[str]:
    """`--image-sync syncfs,fdatasync,file` (or `none`) as a list of modes."""
    if value.strip() in ("", "none"):
        return []
    modes = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in modes if m not in (*MODES, "auto")]
    if unknown:
        raise ValueError(f"unknown image sync mode(s) {unknown}; choose from {MODES} or auto")
    return modes


def compare(modes: list[str], measure: Callable[[str], dict | None]) -> dict:
    """Run `measure(mode)` for each mode; durable reads/s of each and ratios to syncfs."""
    runs: dict[str, dict | None] = {mode: measure(mode) for mode in modes}
    per_s = {m: r["ok_per_s"] for m, r in runs.items() if r is not None}
    base = per_s.get(BASE)
    ratios = {
        f"{m}_{BASE}_ratio": round(v / base, 3) for m, v in per_s.items() if base and m != BASE
    }
    return {"runs": runs, "durable_per_s": per_s, "ratios": ratios}


def render(result: dict) -> list[str]:
    """Lines for the printed report."""
    if not result or not result.get("runs"):
        return []
    lines = ["", "image flush modes (fresh node each, saturation, same concurrency):"]
    base = result["durable_per_s"].get(BASE)
    for mode, run in result["runs"].items():
        if run is None:
            lines.append(f"  {mode:<10} refused by the node on this filesystem")
            continue
        ratio = f"  x{run['ok_per_s'] / base:.2f} of {BASE}" if base else ""
        lines.append(
            f"  {mode:<10} {run['ok_per_s']:>8.0f} durable reads/s, p50 {run['p50_ms']:.1f} ms, "
            f"p99 {run['p99_ms']:.1f} ms{ratio}"
        )
    return lines
