"""`node serve --workers N`: N processes serve HTTP; what runs once per node runs once.

The parent process (which holds the data dir's serve lock, `cli/serve.py`):

1. opens the node as `node serve` does (migrations, clean-up after a crash, the recent-image
   check) and runs everything that must run once per node, through the same lifespan as
   one process: the retention schedule, the sync agent (and the backups it schedules)
   unless ``--no-agent``, the MQTT listener, the offline alert fallback;
2. binds the listening socket once, and starts N worker processes that inherit it; each
   serves the whole HTTP API with ``create_app(settings, worker=True)`` and its own ingest
   writer (several writers are safe: see ingest/writer.py), and wakes the agent on hits
   as `node serve --no-agent` does;
3. replaces a worker that exits (a crash, an OOM kill, SIGKILL), and on SIGTERM/SIGINT
   sends SIGTERM to every worker, waits for them to drain, then stops its own jobs.

Why our own supervisor rather than uvicorn's (``uvicorn.Config(workers=N)``): uvicorn's
pickles its Config into each worker, and ours carries a protocol class made at run time
(the header deadline, api/server.py); its workers would rebuild the settings from the
environment alone (the flags of `node serve` would be lost); and it has no place for the
parent's own jobs. Here the workers get the settings object itself. Like uvicorn's, it
starts workers with ``spawn`` (the parent runs threads; forking it would copy their locks)
and each worker runs ``uvicorn.Server`` on the inherited socket, so uvicorn's graceful
shutdown applies unchanged: SIGTERM stops accepting, lets requests under way finish
(``timeout_graceful_shutdown``), then the lifespan drains the writer. A 201 is only sent
after its commit, so no acknowledged read is lost on SIGTERM or on SIGKILL.

State kept in a process's memory and what becomes of it with N workers:
* the disk budget's image total: shared memory with a slot per writer (ingest/image_bytes.py);
* Prometheus metrics: multiprocess mode, every process's values summed (metrics.py);
* vendor stream health (/api/v1/status): shared through a file (ingest/vendor_health.py);
* cached camera keys (a few seconds): a key disabled through one worker may still be
  accepted by another for those seconds, as with a change made by the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.context import SpawnContext, SpawnProcess

from local_node.config import NodeSettings
from local_node.ingest.image_bytes import Cell, ImageBytes, shared_cell
from local_node.metrics import MULTIPROC_ENV

log = logging.getLogger(__name__)

DRAIN_S = 30.0
"""How long a worker may take to stop after SIGTERM (requests, then the writer) before KILL."""
QUICK_EXIT_S = 10.0
"""A worker that exits sooner than this after its start counts as failing to start."""
MAX_QUICK_EXITS = 5
"""Quick exits in a row after which the node stops instead of restarting for ever."""
PR_SET_PDEATHSIG = 1


def serve_workers(settings: NodeSettings, count: int) -> int:
    """Run the node with ``count`` serving processes until SIGTERM/SIGINT; the exit status."""
    metrics_dir = tempfile.mkdtemp(prefix="edgesync-metrics-")
    _multiprocess_metrics(metrics_dir)
    try:
        return asyncio.run(Supervisor(settings, count, metrics_dir).run())
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _multiprocess_metrics(path: str) -> None:
    """Turn on prometheus_client's multiprocess mode here and in every worker started after."""
    from prometheus_client import values

    os.environ[MULTIPROC_ENV] = path  # inherited by the workers, read at their first import
    values.ValueClass = values.MultiProcessValue()  # this process imported it already


class CannotListen(Exception):
    """The address to serve on cannot be bound (in use, not an address of this host)."""


def bind_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The listening socket every worker accepts on (bound once, before any worker starts).

    Raises ``CannotListen`` naming the address and the reason.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(backlog)  # connections wait in the backlog while the workers start
    sock.set_inheritable(True)
    return sock


@dataclass
class Supervisor:
    """The parent of `node serve --workers N`: the once-per-node jobs and the N workers."""

    settings: NodeSettings
    count: int
    metrics_dir: str
    context: SpawnContext = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    workers: list[SpawnProcess] = field(default_factory=list)
    started: dict[int, float] = field(default_factory=dict)
    quick_exits: int = 0

    async def run(self) -> int:
        """Open the node, start the workers, keep them running until asked to stop."""
        from local_node.main import create_app

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        cell = shared_cell(self.count + 1, self.context)  # slot 1: this process's own
        sock = bind_socket(self.settings.host, self.settings.port)
        app = create_app(
            self.settings, image_bytes=cell, freeze_heap=True
        )  # no HTTP here: its lifespan's jobs
        status = 0
        try:
            async with app.router.lifespan_context(app):
                self.workers = [self._start(sock, cell.for_slot(i + 2)) for i in range(self.count)]
                pids = ", ".join(str(p.pid) for p in self.workers)
                log.warning("started %d workers (pids %s)", self.count, pids)
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 0.2)
                    if not stop.is_set() and not self._replace_exited(sock, cell):
                        status = 1
                        break
                await asyncio.to_thread(self._stop_workers)
        finally:
            sock.close()
        return status

    def _start(self, sock: socket.socket, cell: Cell) -> SpawnProcess:
        proc = self.context.Process(
            target=run_worker,
            args=(self.settings, sock, cell, os.getpid(), logging.getLogger().level),
            name="edgesync-worker",
        )
        proc.start()
        assert proc.pid is not None
        self.started[proc.pid] = time.monotonic()
        return proc

    def _replace_exited(self, sock: socket.socket, cell: Cell) -> bool:
        """Start a new worker for each one that exited; False when they keep failing."""
        from prometheus_client import multiprocess

        for i, proc in enumerate(self.workers):
            if proc.exitcode is None:
                continue
            assert proc.pid is not None
            lived = time.monotonic() - self.started.pop(proc.pid, 0.0)
            self.quick_exits = self.quick_exits + 1 if lived < QUICK_EXIT_S else 0
            multiprocess.mark_process_dead(proc.pid, self.metrics_dir)  # its live gauges go
            if self.quick_exits >= MAX_QUICK_EXITS:
                log.error("workers keep exiting at start (last: exit %s); stopping", proc.exitcode)
                return False
            ImageBytes(cell).forget(i + 2)  # a reservation it held is in flight no more
            self.workers[i] = self._start(sock, cell.for_slot(i + 2))
            log.warning(
                "worker pid %d exited (%s); started pid %d in its place",
                proc.pid,
                _exit_text(proc.exitcode),
                self.workers[i].pid,
            )
        return True

    def _stop_workers(self) -> None:
        """SIGTERM every worker, wait for each to drain, KILL one that does not in time."""
        for proc in self.workers:
            if proc.exitcode is None:
                proc.terminate()
        deadline = time.monotonic() + DRAIN_S
        for proc in self.workers:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:
                log.error("worker pid %s did not stop in %ss; killed", proc.pid, DRAIN_S)
                proc.kill()
                proc.join(5)
        log.warning("stopped %d workers", len(self.workers))


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit {code}"


def run_worker(
    settings: NodeSettings, sock: socket.socket, cell: Cell, parent: int, log_level: int
) -> None:
    """A worker process: serve the HTTP API on the parent's socket until SIGTERM."""
    import uvicorn

    from local_node.api.server import server_config
    from local_node.main import create_app
    from sync_protocol.log_format import configure

    _die_with_parent(parent)
    # A spawned process starts with no logging: the same level and format (text or json,
    # EDGESYNC_LOG_FORMAT, which the CLI exported) as the parent, request ids included.
    configure(
        logging.getLevelName(log_level),
        "json" if os.environ.get("EDGESYNC_LOG_FORMAT") == "json" else "text",
    )
    app = create_app(settings, worker=True, image_bytes=cell, freeze_heap=True)
    uvicorn.Server(server_config(app, settings)).run(sockets=[sock])


def _die_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM when the parent dies (Linux), so no worker is orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl took effect
        raise SystemExit(1)
