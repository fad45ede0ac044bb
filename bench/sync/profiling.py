"""`--profile`: where node and cloud spend the drain, from py-spy samples (wall clock).

py-spy samples each process with `--idle` (waiting counts: the node waiting on the cloud's
reply is the point), `--threads`, raw collapsed stacks written to bench/out/. The summary
gives, per process, the busiest threads and the share of their samples inside project
functions (inclusive: a function and what it calls), so that the slow step of an exchange
can be read off directly.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

_OURS = re.compile(r"\((local_node|cloud_plane|sync_protocol)/")
_IDLE = re.compile(
    r"^(Queue\.get|Condition\.wait|Event\.wait|select|_wait_for_tstate_lock|wait|"
    r"BaseSelector\.select|EpollSelector\.select|_worker|sleep) "
)


def start(py_spy: str, pid: int, out: Path, rate: int = 200) -> subprocess.Popen:
    """Sample `pid` until SIGINT (raw collapsed stacks with thread names)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [py_spy, "record", "-p", str(pid), "-r", str(rate), "--threads", "--idle"]
    cmd += ["--format", "raw", "-o", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frame_name(frame: str) -> str:
    # "func (path/file.py:123)" -> "path/file.py:func"
    m = re.match(r"^(.*?) \((.*?):\d+\)$", frame)
    return f"{m.group(2)}:{m.group(1)}" if m else frame


def summarize(raw: Path, top: int = 25) -> dict:
    """Per thread (busiest first): samples, idle share, and the heaviest project functions."""
    per_thread: Counter[str] = Counter()
    idle: Counter[str] = Counter()
    inclusive: dict[str, Counter[str]] = {}
    leaf: dict[str, Counter[str]] = {}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        thread = re.sub(r"[-_ ]?\d+$", "", re.sub(r"^thread \(\w+\):? ?", "", frames[0]))
        thread = thread or "thread"
        n = int(count)
        per_thread[thread] += n
        body = frames[1:]
        if body and _IDLE.search(body[-1]):
            idle[thread] += n
            continue
        seen = set()
        for frame in body:
            if _OURS.search(frame):
                name = _frame_name(frame)
                if name not in seen:
                    seen.add(name)
                    inclusive.setdefault(thread, Counter())[name] += n
        if body:
            leaf.setdefault(thread, Counter())[_frame_name(body[-1])] += n
    out = {}
    for thread, total in per_thread.most_common():
        busy = total - idle[thread]
        if busy < 0.02 * total and busy < 20:
            continue
        out[thread] = {
            "samples": total,
            "busy_share": round(busy / total, 3),
            "inclusive": {
                k: round(v / total, 3) for k, v in inclusive.get(thread, Counter()).most_common(top)
            },
            "leaf": {
                k: round(v / total, 3) for k, v in leaf.get(thread, Counter()).most_common(12)
            },
        }
    return out
