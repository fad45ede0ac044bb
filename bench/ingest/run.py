"""Orchestration of one benchmark run: baselines, the node, figures, report, clean-up."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.ingest import load, modes, profile, stores, workers
from bench.ingest.payload import build_payload
from bench.ingest.procs import (
    Children,
    cpu_seconds,
    install_signal_handlers,
    machine_busy_seconds,
    peak_rss_bytes,
    progress,
    thread_cpu_seconds,
    wait_http,
)
from bench.ingest.rawdisk import raw_fsync
from bench.ingest.report import evaluate, render, write_json
from edgesync.ports import free_port

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench" / "out" / "ingest.json"
SEED_RATE = 20 * 10 / 60  # the seed site: 20 cameras x 10 reads per minute


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    import bench.ingest

    p = argparse.ArgumentParser(
        prog="python -m bench.ingest",
        description=bench.ingest.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="short runs (a smoke test, ~30 s)")
    p.add_argument("--duration", type=float, help="seconds of each saturation run (default 20)")
    p.add_argument("--concurrency", type=int, default=48, help="closed-loop connections")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each saturation run")
    p.add_argument(
        "--seed-duration", type=float, help="seconds of the seed-load run (default 90: ~300 reads)"
    )
    p.add_argument("--seed-rate", type=float, default=SEED_RATE, help="reads/s at seed load")
    p.add_argument("--raw-seconds", type=float, help="seconds of the raw fsync loop (default 5)")
    p.add_argument("--image-bytes", type=int, default=50_000, help="JPEG size")
    p.add_argument(
        "--client",
        choices=["auto", "hey", "python"],
        default="auto",
        help="closed-loop load generator (auto: hey, installed with apt-get if missing and root)",
    )
    p.add_argument("--client-processes", type=int, help="processes of the Python client")
    p.add_argument(
        "--image-sync",
        default=",".join(modes.MODES),
        help="image flush modes to compare, each on a fresh node at saturation (comma-separated "
        "of syncfs, fdatasync, file, auto; `none` to skip); the main run uses the node's default",
    )
    p.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[],
        metavar="N",
        help="also measure `node serve --workers N` for each N (e.g. --workers 1 2), each on a "
        "fresh node at saturation, with ratios to the bare endpoint and to N=1",
    )
    p.add_argument(
        "--image-store",
        default="none",
        help="image stores to compare, each on a fresh node at saturation (comma-separated of "
        "file, s3, s3-serial; s3 is a bucket in a moto server started for the run, s3-serial "
        "the same with one upload at a time); default none",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    p.add_argument(
        "--profile",
        action="store_true",
        help="after the measured runs, one more saturation pass sampled with py-spy (pip-installed "
        "into this environment if missing); summary in the report, stacks in bench/out/",
    )
    args = p.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (3.0 if quick else 20.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 3.0)
    args.seed_duration = args.seed_duration or (6.0 if quick else 90.0)
    args.raw_seconds = args.raw_seconds or (1.0 if quick else 5.0)
    try:
        args.image_sync = modes.parse_modes(args.image_sync)
        args.workers = workers.parse_counts(args.workers)
        args.image_store = stores.parse_stores(args.image_store)
    except ValueError as exc:
        p.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    """Run everything once; 0 when the run completed (targets are reported, not asserted)."""
    args = parse_args(argv)
    install_signal_handlers()
    children = Children()
    tmp = Path(tempfile.mkdtemp(prefix="edgesync-bench-"))
    try:
        report = run(args, children, tmp)
    except KeyboardInterrupt:
        progress("interrupted: stopping every process this run started")
        return 130
    finally:
        children.stop_all()
        if args.keep:
            progress(f"kept {tmp}")
        else:
            _rmtree(tmp)
    write_json(report, args.out)
    print(render(report))
    progress(f"JSON report: {args.out}")
    return 0


def run(args: argparse.Namespace, children: Children, tmp: Path) -> dict:
    started, load_at_start = datetime.now(UTC), os.getloadavg()[0]
    payload = build_payload(args.image_bytes)
    body_file = tmp / "body.multipart"
    body_file.write_bytes(payload.body)
    progress(f"payload: JPEG {len(payload.image)} B (noise), multipart body {len(payload.body)} B")
    closed = _closed_loop_client(args, body_file, payload.body)

    _warn_if_busy()
    progress(f"baseline (b): raw write+fsync of {len(payload.image)} B files, {args.raw_seconds}s")
    raw = raw_fsync(tmp / "raw" / "images", payload.image, args.raw_seconds)
    progress(f"  {raw['files_per_s']:.0f} files/s")

    progress("baseline (a): bare FastAPI multipart endpoint")
    bare = _bare_run(args, children, tmp, closed)
    progress(f"  {bare['ok_per_s']:.0f} req/s, p99 {bare['p99_ms']:.1f} ms")

    progress("node: fresh data dir, SQLite default, durability as shipped")
    node = _node_run(args, children, tmp, closed, payload.image)
    seed, sat = node["seed"], node["saturation"]
    progress(f"  the node flushed images with {node['sync_mode']} (its default here)")
    sync_modes = modes.compare(
        args.image_sync, lambda mode: _mode_run(args, children, tmp, closed, mode)
    )
    by_workers = workers.compare(
        args.workers,
        lambda n: _workers_run(args, children, tmp, closed, n),
        bare["ok_per_s"],
    )
    by_store = _compare_stores(args, children, tmp, closed)

    figures = {
        "durable_per_s": sat["ok_per_s"],
        "saturation_p50_ms": sat["p50_ms"],
        "saturation_p99_ms": sat["p99_ms"],
        "seed_p50_ms": seed["p50_ms"],
        "seed_p99_ms": seed["p99_ms"],
        "peak_rss_mb": round(node["peak_rss_bytes"] / 1e6, 1),
        "bare_per_s": bare["ok_per_s"],
        "node_bare_ratio": round(sat["ok_per_s"] / bare["ok_per_s"], 3) if bare["ok_per_s"] else 0,
        "raw_fsync_files_per_s": raw["files_per_s"],
        "node_raw_ratio": round(sat["ok_per_s"] / raw["files_per_s"], 3),
        **sync_modes["ratios"],
        **by_workers["ratios"],
        **by_store["ratios"],
    }
    return {
        "schema": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "kernel": platform.release(),
            "loadavg_at_start": round(load_at_start, 2),
        },
        "config": {
            "quick": args.quick,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "seed_rate_per_s": round(args.seed_rate, 3),
            "seed_duration_s": args.seed_duration,
            "raw_seconds": args.raw_seconds,
            "image_sync_modes": args.image_sync,
            "workers": args.workers,
            "image_stores": args.image_store,
        },
        "payload": {"image_bytes": len(payload.image), "body_bytes": len(payload.body)},
        "figures": figures,
        "targets": evaluate(figures),
        "raw_fsync": raw,
        "bare_saturation": bare,
        "node_seed": seed,
        "node_saturation": sat,
        "node_peak_rss_bytes": node["peak_rss_bytes"],
        "node_sync_mode": node["sync_mode"],
        "sync_modes": sync_modes,
        "workers": by_workers,
        "image_stores": by_store,
        "node_profile": node["profile"],
        "code": _code_version(),
    }


ClosedLoop = Callable[[int, str | None, float], dict]
"""(port, key, seconds) -> closed-loop figures at the configured concurrency."""


def _closed_loop_client(args: argparse.Namespace, body_file: Path, body: bytes) -> ClosedLoop:
    hey = load.ensure_hey(install=args.client == "auto") if args.client != "python" else None
    if args.client == "hey" and hey is None:
        raise SystemExit("--client hey: hey is not installed (apt-get install -y hey)")
    processes = args.client_processes or max(1, min(4, os.cpu_count() or 1))
    progress(f"closed-loop client: {'hey (' + hey + ')' if hey else f'python x{processes}'}")

    def closed(port: int, key: str | None, seconds: float) -> dict:
        if hey:
            return load.run_hey(
                hey,
                f"http://127.0.0.1:{port}",
                body_file=body_file,
                key=key,
                concurrency=args.concurrency,
                seconds=seconds,
            )
        return load.run_python_closed(
            "127.0.0.1",
            port,
            body=body,
            key=key,
            concurrency=args.concurrency,
            seconds=seconds,
            processes=processes,
        )

    return closed


def _saturate(closed: ClosedLoop, pid: int, port: int, key: str | None, args, probe=None) -> dict:
    """Warm-up, then the measured closed-loop run; `probe()` is read around the measured part."""
    warm = closed(port, key, args.warmup) if args.warmup > 0 else {"ok": 0}
    before = probe() if probe else None
    cpu0, busy0, threads0 = cpu_seconds(pid), machine_busy_seconds(), thread_cpu_seconds(pid)
    result = closed(port, key, args.duration)
    server_cpu, busy = cpu_seconds(pid) - cpu0, machine_busy_seconds() - busy0
    threads = {t: c - threads0.get(t, 0.0) for t, c in thread_cpu_seconds(pid).items()}
    after = probe() if probe else None
    secs = result["seconds"] or args.duration
    result["server_cpu_cores"] = round(server_cpu / secs, 2)
    result["client_cpu_cores"] = round(result["client_cpu_s"] / secs, 2)
    # the event-loop thread is the process's first thread; the rest: writer, pools, jobs
    result["server_main_thread_cores"] = round(threads.pop(pid, 0.0) / secs, 2)
    result["server_other_threads_cores"] = round(sum(threads.values()) / secs, 2)
    # CPU that neither the server nor the client used: other work sharing the machine
    result["other_cpu_cores"] = round(
        max(0.0, (busy - server_cpu) / secs - result["client_cpu_cores"]), 2
    )
    result["warmup_ok"] = warm["ok"]
    if probe:
        result["probe"] = (before, after)
    return result


def _bare_run(args, children: Children, tmp: Path, closed: ClosedLoop) -> dict:
    port = free_port()
    log = tmp / "bare.log"
    proc = children.start(
        [sys.executable, "-m", "bench.ingest.bare_app", "--port", str(port)],
        log=log,
        env={**_clean_env(), "PYTHONPATH": str(REPO)},
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        result = _saturate(closed, proc.pid, port, None, args)
        result["peak_rss_bytes"] = peak_rss_bytes(proc.pid)
    finally:
        children.stop(proc)
    return result


def _node_env(data: Path, port: int, **extra: str) -> tuple[dict[str, str], str, str]:
    """A node's environment on a fresh data dir, with a camera key and a viewer token."""
    env = {
        **_clean_env(),
        "EDGESYNC_NODE_DATA_DIR": str(data),
        "EDGESYNC_NODE_HOST": "127.0.0.1",
        "EDGESYNC_NODE_PORT": str(port),
        **extra,
    }
    key = _cli_json(["node", "add-camera", "bench-cam", "--json"], env)["api_key"]
    token = _cli_json(["node", "create-token", "--role", "viewer", "--json"], env)["token"]
    return env, key, token


def _mode_run(args, children: Children, tmp: Path, closed: ClosedLoop, mode: str) -> dict | None:
    """One saturation run of a fresh node flushing images with `mode` (None: it refused)."""
    port = free_port()
    env, key, token = _node_env(tmp / f"node-{mode}", port, EDGESYNC_NODE_IMAGE_SYNC=mode)
    log = tmp / f"node-{mode}.log"
    proc = children.start([*_edgesync(), "node", "serve"], log=log, env=env)
    try:
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        except RuntimeError:
            progress(f"image sync {mode}: the node refused to start (see {log})")
            return None
        progress(f"image sync {mode}: c={args.concurrency}, {args.duration}s")
        sat = _saturate(closed, proc.pid, port, key, args)
        sat["sync_mode"] = _sync_mode(port, token)
        progress(f"  {sat['ok_per_s']:.0f} durable reads/s, p99 {sat['p99_ms']:.1f} ms")
        return sat
    finally:
        children.stop(proc)


def _workers_run(args, children: Children, tmp: Path, closed: ClosedLoop, count: int) -> dict:
    """One saturation run of a fresh node serving with `count` worker processes."""
    port = free_port()
    data = tmp / f"node-workers{count}"
    env, key, _ = _node_env(data, port, EDGESYNC_NODE_WORKERS=str(count))
    log = tmp / f"node-workers{count}.log"
    proc = children.start([*_edgesync(), "node", "serve"], log=log, env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        progress(f"node --workers {count}: c={args.concurrency}, {args.duration}s")
        sat = _saturate(closed, proc.pid, port, key, args)  # CPU: the parent and its workers
        sat["peak_rss_bytes"] = peak_rss_bytes(proc.pid)
        progress(f"  {sat['ok_per_s']:.0f} durable reads/s, p99 {sat['p99_ms']:.1f} ms")
        children.stop(proc)  # SIGTERM drains every worker before the rows are counted
        sat["rows_in_db"] = _count_rows(data)
        sat["ok_total_node"] = sat["warmup_ok"] + sat["ok"]
        sat["rows_match"] = sat["rows_in_db"] == sat["ok_total_node"]
        return sat
    finally:
        children.stop(proc)


def _compare_stores(args, children: Children, tmp: Path, closed: ClosedLoop) -> dict:
    """Each image store on a fresh node at saturation; one moto server for the s3 ones."""
    moto, endpoint = None, None
    if any(store != "file" for store in args.image_store):
        progress("image stores: starting a moto server for the s3 bucket")
        moto, endpoint = stores.start_moto(children, tmp / "moto.log")
    try:
        return stores.compare(
            args.image_store,
            lambda store: _store_run(args, children, tmp, closed, store, moto, endpoint),
        )
    finally:
        if moto is not None:
            children.stop(moto)


def _store_run(
    args, children: Children, tmp: Path, closed: ClosedLoop, store: str, moto, endpoint
) -> dict:
    """One saturation run of a fresh node keeping its images in `store`."""
    port = free_port()
    data = tmp / f"node-store-{store}"
    bucket = stores.new_bucket(endpoint) if endpoint and store != "file" else None
    env, key, _ = _node_env(data, port, **stores.node_settings(store, endpoint, bucket))
    log = tmp / f"node-store-{store}.log"
    proc = children.start([*_edgesync(), "node", "serve"], log=log, env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        progress(f"image store {store}: c={args.concurrency}, {args.duration}s")
        probe = (lambda: cpu_seconds(moto.pid)) if store != "file" else None
        sat = _saturate(closed, proc.pid, port, key, args, probe=probe)
        if probe:
            before, after = sat.pop("probe")
            sat["moto_cpu_cores"] = stores.moto_cpu_cores(before, after, sat["seconds"])
            # moto is part of this benchmark, not other work sharing the machine
            sat["other_cpu_cores"] = round(
                max(0.0, sat["other_cpu_cores"] - sat["moto_cpu_cores"]), 2
            )
        progress(f"  {sat['ok_per_s']:.0f} durable reads/s, p99 {sat['p99_ms']:.1f} ms")
        children.stop(proc)  # SIGTERM: every answered read is committed before the count
        sat["rows_in_db"] = _count_rows(data)
        sat["ok_total_node"] = sat["warmup_ok"] + sat["ok"]
        sat["rows_match"] = sat["rows_in_db"] == sat["ok_total_node"]
        sat["images_stored"] = (
            stores.count_objects(endpoint, bucket)
            if bucket
            else sum(1 for p in (data / "images").rglob("*.jpg") if p.is_file())
        )
        return sat
    finally:
        children.stop(proc)


def _sync_mode(port: int, token: str) -> str | None:
    """How the node says it flushes images (its status), e.g. auto resolved to syncfs."""
    r = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/status",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return r.json().get("images", {}).get("sync_mode") if r.status_code == 200 else None


def _node_run(args, children: Children, tmp: Path, closed: ClosedLoop, image: bytes) -> dict:
    data = tmp / "node"
    port = free_port()
    env, key, token = _node_env(data, port)
    log = tmp / "node.log"
    proc = children.start([*_edgesync(), "node", "serve"], log=log, env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        progress(f"  node pid {proc.pid} on port {port}")
        sync_mode = _sync_mode(port, token)

        n = max(1, round(args.seed_rate * args.seed_duration))
        progress(
            f"seed load: {n} reads, Poisson at {args.seed_rate:.2f}/s (~{args.seed_duration:g} s)"
        )
        seed = load.run_open_loop(
            "127.0.0.1", port, key=key, image=image, rate=args.seed_rate, requests=n
        )
        progress(f"  p50 {seed['p50_ms']:.1f} ms, p99 {seed['p99_ms']:.1f} ms")

        progress(f"saturation: c={args.concurrency}, {args.duration}s (+{args.warmup}s warm-up)")
        sat = _saturate(
            closed, proc.pid, port, key, args, probe=lambda: _writer_metrics(port, token)
        )
        before, after = sat.pop("probe")
        progress(f"  {sat['ok_per_s']:.0f} durable reads/s, p99 {sat['p99_ms']:.1f} ms")
        sat["writer"] = _writer_delta(before, after, sat["seconds"] or args.duration)
        peak = peak_rss_bytes(proc.pid)
        time.sleep(0.5)  # every answered read is committed; nothing should still move
        rows = _count_rows(data)
        # every 201 the node gave in this run (seed, warm-up, measured) is exactly one row
        sat["rows_in_db"] = rows
        sat["ok_total_node"] = seed["ok"] + sat["warmup_ok"] + sat["ok"]
        sat["rows_match"] = rows == sat["ok_total_node"]
        sat["image_files"] = sum(1 for p in (data / "images").rglob("*.jpg") if p.is_file())
        profiled = _profile(args, closed, proc.pid, port, key) if args.profile else None
        status = children.stop(proc)
        progress(f"  node stopped (exit {status}); peak memory {peak / 1e6:.0f} MB")
    finally:
        children.stop(proc)
    return {
        "seed": seed,
        "saturation": sat,
        "peak_rss_bytes": peak,
        "profile": profiled,
        "sync_mode": sync_mode,
    }


def _profile(args, closed: ClosedLoop, pid: int, port: int, key: str) -> dict | None:
    py_spy = profile.find_py_spy()
    if py_spy is None:
        progress("--profile: installing py-spy with pip")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=False)
        py_spy = profile.find_py_spy()
    if py_spy is None:
        progress("--profile: py-spy is not available; skipping the profile")
        return None
    raw = args.out.parent / "node-profile.txt"
    progress(f"profile: py-spy on the node during {args.duration}s more at saturation")
    spy = profile.start(py_spy, pid, args.duration, raw)
    time.sleep(0.5)
    result = closed(port, key, args.duration)
    _, err = spy.communicate(timeout=60)
    if spy.returncode != 0 or not raw.exists():
        progress(f"profile: py-spy failed: {err[-500:]}")
        return None
    return {
        "raw_stacks": str(raw),
        "ok_per_s_while_sampled": result["ok_per_s"],
        "threads": profile.summarize(raw),
    }


def _code_version() -> dict:
    """Which code was measured: HEAD and the files changed in the checkout."""

    def git(*a: str) -> str:
        done = subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "changed_node_files": [f for f in changed if f.startswith("local_node/")],
    }


def _warn_if_busy() -> None:
    load1 = os.getloadavg()[0]
    if load1 > 0.5:
        progress(
            f"WARNING: load average {load1:.2f} before the run: other work shares this machine "
            "and will lower the figures (see other_cpu_cores in the report)"
        )


def _edgesync() -> list[str]:
    script = Path(sys.executable).parent / "edgesync"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from edgesync.cli import main; main()"]


def _clean_env() -> dict[str, str]:
    """This environment minus any EDGESYNC_* setting: the node runs as shipped."""
    return {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}


def _cli_json(args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(
        [*_edgesync(), *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"edgesync {' '.join(args)} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _count_rows(data: Path) -> int:
    db = sqlite3.connect(f"file:{data / 'node.db'}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM detections").fetchone()[0]
    finally:
        db.close()


METRIC = re.compile(r"^(edgesync_node_group_commit_(?:seconds|size)_(?:sum|count)) (\S+)$", re.M)


def _writer_metrics(port: int, token: str) -> dict[str, float]:
    try:
        text = httpx.get(
            f"http://127.0.0.1:{port}/metrics",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).text
    except httpx.HTTPError:
        return {}
    return {name: float(value) for name, value in METRIC.findall(text)}


def _writer_delta(before: dict[str, float], after: dict[str, float], seconds: float) -> dict:
    def d(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    commits = d("edgesync_node_group_commit_seconds_count")
    if not commits:
        return {}
    busy = d("edgesync_node_group_commit_seconds_sum")
    return {
        "commits": int(commits),
        "avg_batch": round(d("edgesync_node_group_commit_size_sum") / commits, 2),
        "avg_commit_ms": round(busy / commits * 1000, 3),
        "busy_fraction": round(busy / seconds, 3),
    }


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
