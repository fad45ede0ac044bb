"""Generate a file of N reads (a site's traffic: regulars seen often, misreads, a few
cameras) in one of the import formats, then time `edgesync node import` of it into a fresh
node, as a real process; print the figures. A second run of the same file times the
idempotent re-run (everything "already there").

    python -m bench.importing --lines 500000 --format node-csv

The node formats' ids are those a node gives its reads (``detection_uuid`` of a stream and
seq: they grow with the seq), as in a real export; ``--random-ids`` writes random UUIDs
instead, the worst case for the duplicate index (every key lands on a random page).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local_node.export import COLUMNS
from sync_protocol.detections import detection_uuid

PR_HEADER = [
    "timestamp",
    "plate",
    "score",
    "dscore",
    "file",
    "box",
    "model_make",
    "color",
    "vehicle",
    "region",
    "orientation",
    "candidates",
    "source_url",
    "position_sec",
    "direction",
]
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
STREAM = "bench-previous-node"
"""The stream of the node the generated export comes from."""


def plates(rng: random.Random, vehicles: int) -> list[str]:
    """Distinct UK-style plates of the site's vehicles."""
    out = set()
    while len(out) < vehicles:
        out.add(
            "".join(rng.choices(LETTERS, k=2))
            + f"{rng.randrange(100):02d}"
            + "".join(rng.choices(LETTERS, k=3))
        )
    return sorted(out)


def generate(path: Path, fmt: str, lines: int, seed: int = 1, random_ids: bool = False) -> None:
    """``lines`` reads over the last 30 days; 80% of them by 20% of the vehicles."""
    rng = random.Random(seed)
    fleet = plates(rng, max(1000, lines // 8))
    regulars = fleet[: len(fleet) // 5]
    end = datetime.now(UTC) - timedelta(hours=1)
    step = timedelta(days=30) / lines
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        if fmt == "node-csv":
            writer.writerow(COLUMNS)
        elif fmt == "platerecognizer-csv":
            writer.writerow(PR_HEADER)
        for i in range(lines):
            plate = rng.choice(regulars) if rng.random() < 0.8 else rng.choice(fleet)
            if rng.random() < 0.05:  # a misread character
                at = rng.randrange(len(plate))
                plate = plate[:at] + rng.choice(LETTERS) + plate[at + 1 :]
            when = end - step * (lines - i)
            camera = f"lane-{i % 4}"
            conf = round(rng.uniform(0.6, 0.99), 3)
            if fmt == "platerecognizer-csv":
                writer.writerow(
                    [
                        when.isoformat(sep=" "),
                        plate.lower(),
                        conf,
                        0.9,
                        f"/{camera}_screenshots/{when:%y-%m-%d}/{when:%H-%M-%S.%f}.jpg",
                        "{'xmin': 847, 'ymin': 80, 'xmax': 944, 'ymax': 105}",
                        "[{'make': 'Ford', 'model': 'Focus', 'score': 0.61}]",
                        "[{'color': 'white', 'score': 0.672}]",
                        "{'score': 0.8, 'type': 'Sedan', 'box': {'xmin': 1, 'ymin': 2}}",
                        "{'code': 'gb', 'score': 0.9}",
                        "[{'orientation': 'Front', 'score': 0.9}]",
                        f"[{{'plate': '{plate.lower()}'}}]",
                        "rtsp://cam",
                        "",
                        rng.randrange(360),
                    ]
                )
                continue
            record = {
                "id": str(
                    uuid.UUID(int=rng.getrandbits(128), version=4)
                    if random_ids
                    else detection_uuid(STREAM, i + 1)
                ),
                "seq": i + 1,
                "event_id": None,
                "camera_id": camera,
                "source_camera": None,
                "captured_at": when.isoformat(),
                "received_at": (when + timedelta(milliseconds=150)).isoformat(),
                "plate": plate,
                "plate_norm": plate,
                "confidence": conf,
                "region": "gb",
                "direction": None,
                "bbox": "[10, 20, 120, 30]",
                "vehicle_type": "car",
                "vehicle_make": None,
                "vehicle_model": None,
                "vehicle_color": "white",
                "image_path": None,
                "image_sha256": None,
                "has_hit": False,
            }
            if fmt == "node-csv":
                writer.writerow(["" if record[c] is None else record[c] for c in COLUMNS])
            else:
                out.write(json.dumps(record, separators=(",", ":")) + "\n")


def run_import(path: Path, data_dir: Path, extra: list[str]) -> tuple[float, float, str]:
    """Run the real command; its wall time, its CPU time (its reader process included) and its
    summary."""
    env = {**os.environ, "EDGESYNC_NODE_DATA_DIR": str(data_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "edgesync", "node", "import", str(path), "--quiet", *extra],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, cpu, done.stderr.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument(
        "--format", default="node-csv", choices=["node-csv", "node-jsonl", "platerecognizer-csv"]
    )
    parser.add_argument("--local-only", action="store_true")
    parser.add_argument(
        "--random-ids",
        action="store_true",
        help="Random UUIDs as the node formats' ids (the worst case) instead of a node's ids",
    )
    parser.add_argument("--keep", type=Path, help="Use this directory (kept) instead of a temp one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        path = root / f"reads.{'jsonl' if args.format == 'node-jsonl' else 'csv'}"
        started = time.perf_counter()
        generate(path, args.format, args.lines, random_ids=args.random_ids)
        took = time.perf_counter() - started
        ids = "random ids" if args.random_ids else "a node's ids"
        print(f"generated {args.lines} lines of {args.format} ({ids}) in {took:.1f} s")
        extra = ["--local-only"] if args.local_only else []
        for label in ("first run", "re-run"):
            elapsed, cpu, summary = run_import(path, root / "node", extra)
            print(
                f"{label}: {elapsed:.1f} s wall (process start included), "
                f"{args.lines / elapsed:,.0f} reads/s; {cpu:.1f} s CPU (reader process included), "
                f"{args.lines / cpu:,.0f} reads per CPU-second; load {os.getloadavg()[0]:.1f}"
                f" | {summary}"
            )
    return 0
