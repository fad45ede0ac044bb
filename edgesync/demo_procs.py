"""The demo's child processes: started to die with the demo, stopped together, explained on failure.

Each child runs in its own session, so Ctrl-C or a closed terminal reaches only the demo, which
then stops the children in order (nodes before the cloud). If the demo itself dies without
cleaning up (SIGKILL, a crash), Linux's parent-death signal ends every child with SIGTERM, so
no cloud or node is left holding the demo's ports.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
LOG_TAIL_LINES = 15
ADDRESS_IN_USE = "address already in use"
NODE_PORT_ADVICE = "(taken after the demo chose it); run the demo again"


@dataclass
class Child:
    """One long-running process of the demo and the log that explains it."""

    proc: subprocess.Popen[bytes]
    what: str  # the demo's words for it, e.g. "cloud serve" or "site-a node serve"
    log: Path
    port: int | None = None
    busy_advice: str = NODE_PORT_ADVICE


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` cannot be bound on ``host`` right now (uvicorn binds the same way)."""
    with socket.socket() as s:
        # As uvicorn does, so that a port in TIME_WAIT after the last demo counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def port_busy(port: int, advice: str) -> str:
    """The demo's sentence for a port another process holds."""
    return f"port {port} is in use {advice}"


def _die_with_the_demo(demo_pid: int) -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to SIGTERM the child when the demo dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    # Loaded before the fork: nothing is looked up in the child between fork and exec.
    prctl = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != demo_pid:  # the demo died before prctl: nobody will stop us
            os._exit(1)

    return preexec


def spawn(
    args: list[str],
    env: dict[str, str],
    log: Path,
    what: str,
    *,
    port: int | None = None,
    busy_advice: str = NODE_PORT_ADVICE,
) -> Child:
    """Start ``edgesync ARGS`` in its own session, logging to ``log``, dying with the demo."""
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "edgesync", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # preexec_fn is safe here: the demo starts no threads.
            preexec_fn=_die_with_the_demo(os.getpid()),
        )
    return Child(proc=proc, what=what, log=log, port=port, busy_advice=busy_advice)


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last non-empty lines of a log, indented, or a note that it is empty or missing."""
    try:
        text = log.read_bytes()[-64 * 1024 :].decode(errors="replace")
    except OSError:
        return "    (no log)"
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in tail) or "    (empty)"


def explain_exit(child: Child) -> str:
    """Why a child stopped, in a sentence, with the log that shows it and its last lines."""
    code = child.proc.poll()
    head = f"{child.what} exited early (exit code {code})"
    try:
        busy = ADDRESS_IN_USE in child.log.read_text(errors="replace").lower()
    except OSError:
        busy = False
    if busy and child.port is not None:
        head += ": " + port_busy(child.port, child.busy_advice)
    return f"{head}; {child.log} ends:\n{log_tail(child.log)}"


def stop_all(children: list[Child], timeout: float = 15) -> None:
    """SIGTERM every child still running, newest first; SIGKILL those not gone in time."""
    for child in reversed(children):
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in reversed(children):
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.proc.kill()
            child.proc.wait()
