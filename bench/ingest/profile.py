"""`--profile`: where the node's time goes, from py-spy samples of every thread.

py-spy (`pip install py-spy`, not a project dependency) samples the node during an extra,
unmeasured saturation pass, wall-clock (`--idle`) so that waiting on fsync or on the GIL
counts too. The raw collapsed stacks go to `bench/out/`; the summary names, per thread, the
share of samples inside a few functions that matter for ingest.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

IDLE = "waiting (queue, condition, select)"
LOOP = "uvloop C code (epoll wait, socket I/O, httptools)"

# Each sample goes to the first label whose regex matches a frame, innermost frame first.
WATCH = [
    ("writer: image write+fsync+rename", r"^FileImageStore\.write "),
    (
        "writer: flushes (syncfs / fdatasync / directory fsyncs) / mkdir",
        r"^(FileImageStore\.make_durable|FileImageStore\._all|OsSyncer\.\w+|_fsync_dir"
        r"|FileImageStore\._make_dirs) ",
    ),
    ("writer: space check (statvfs)", r"^IngestWriter\._check_space "),
    ("writer: SQLite (SQLAlchemy, sqlite3, commit)", r"\((sqlalchemy|sqlite3)/"),
    ("writer: waiting for work", r"^IngestWriter\._run "),
    ("multipart form parsing", r"\((python_multipart/|starlette/formparsers\.py)|_get_form "),
    ("read_limited (body)", r"^read_limited "),
    ("metadata validation (pydantic)", r"^parse_metadata |\(pydantic/"),
    ("response model + JSON", r"serialize_response|jsonable_encoder|_prepare_response_content"),
    ("camera auth", r"\(local_node/auth\.py"),
    ("prometheus metrics", r"\(prometheus_client/"),
    ("anyio (task groups, streams, thread hops)", r"\(anyio/"),
    ("BaseHTTPMiddleware (main.py observe)", r"\(starlette/middleware/base\.py|^observe "),
    ("uvicorn HTTP protocol", r"\(uvicorn/protocols/"),
    ("starlette/fastapi routing + deps", r"\((starlette|fastapi)/"),
    ("node code (other)", r"\((local_node/(?!cli\.py)|sync_protocol/)"),
]
_WAITS = re.compile(r"^(Queue\.get|Condition\.wait|Event\.wait|select|_wait_for_tstate_lock) ")


def find_py_spy() -> str | None:
    """py-spy next to this Python (the venv) or on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start(py_spy: str, pid: int, seconds: float, out: Path) -> subprocess.Popen:
    """Start sampling `pid` for `seconds` (raw collapsed stacks with thread names)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [py_spy, "record", "-p", str(pid), "-d", str(max(1, round(seconds))), "-r", "200"]
    cmd += ["--threads", "--idle", "--format", "raw", "-o", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def classify(frames: list[str]) -> str:
    """The label of one sample (frames outermost first, as py-spy writes them)."""
    if frames and frames[-1].startswith("Runner.run "):
        return LOOP  # uvloop is C: py-spy sees its epoll waits and socket work as this frame
    patterns = [(label, re.compile(rx)) for label, rx in WATCH]
    for frame in reversed(frames):
        for label, rx in patterns:
            if rx.search(frame):
                return label
    if frames and _WAITS.search(frames[-1]):
        return IDLE
    return "other"


def summarize(raw: Path) -> dict:
    """Per thread kind: samples, and the share of them under each label (exclusive)."""
    threads: Counter[str] = Counter()
    shares: dict[str, Counter[str]] = {}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        kind = re.sub(r"^thread \(\w+\):? ?", "", frames[0]) or "thread"
        kind = re.sub(r"[-_ ]?\d+$", "", kind)  # pool threads by name, not by number
        n = int(count)
        threads[kind] += n
        waiting = _WAITS.search(frames[-1]) and "IngestWriter._run" not in stack
        label = IDLE if waiting else classify(frames[1:])
        shares.setdefault(kind, Counter())[label] += n
    return {
        kind: {
            "samples": total,
            "shares": {label: round(n / total, 3) for label, n in shares[kind].most_common()},
        }
        for kind, total in threads.most_common()
    }
