"""The README's walkthrough (a local node, then a cloud and enrolment) runs as written.

The fenced ``sh`` blocks under the walkthrough's headings are taken from README.md and run in
one bash shell with ``set -euo pipefail``, with only the data dirs, ports, public URL and the
``.venv`` binaries substituted; a failing command fails the test, so the README cannot drift
from the product. Then the test checks that the walkthrough did what the README says.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = ["Running a local node", "The cloud plane", "Sync with the cloud plane"]
"""Run in this order: the node first, then the cloud it enrols in."""
DONE = "README-WALKTHROUGH-DONE"


def sh_blocks(markdown: str, heading: str) -> list[str]:
    """The fenced ``sh`` blocks between ``## heading`` and the next heading of any level."""
    blocks: list[str] = []
    inside = in_fence = False
    block: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("```"):
            if in_fence:
                if block is not None and inside:
                    blocks.append("\n".join(block))
                in_fence, block = False, None
            else:
                in_fence = True
                block = [] if line.strip() == "```sh" else None
            continue
        if in_fence:
            if block is not None:
                block.append(line)
        elif line.startswith("#"):
            inside = line == f"## {heading}"
    return blocks


def test_sh_blocks_are_taken_from_their_section_only():
    text = "## A\n```sh\na\n```\n```\nnot sh\n```\n### sub\n```sh\nb\n```\n## B\n```sh\nc\n```\n"
    assert sh_blocks(text, "A") == ["a"]


def walkthrough(node_dir: Path, cloud_dir: Path, node_port: int, cloud_port: int) -> str:
    """The README's commands as one script, pointed at this test's dirs, ports and code."""
    text = README.read_text()
    script = "\n\n".join(block for heading in SECTIONS for block in sh_blocks(text, heading))
    python = shlex.quote(sys.executable)
    substitutions = {
        r"\.venv/bin/edgesync\b": f"{python} -m edgesync",
        r"\.venv/bin/python\b": python,
        r"/var/lib/edgesync-cloud\b": str(cloud_dir),
        r"/var/lib/edgesync\b": str(node_dir),
        r"https://cloud\.example\.com\b": f"http://127.0.0.1:{cloud_port}",
        r"\b8080\b": str(node_port),
        r"\b8090\b": str(cloud_port),
        r"\b0\.0\.0\.0\b": "127.0.0.1",  # a test listens on loopback only
    }
    for pattern in substitutions:
        assert re.search(pattern, script), (
            f"the walkthrough no longer uses {pattern!r}: update this"
        )
    rest = re.sub("|".join(substitutions), "", script)
    assert not re.search(r"/var/lib|\.venv/|://[\w.]*example\.com", rest), (
        "a path or URL left unsubstituted"
    )
    # One pass, so that a replacement (the interpreter's own path) is never replaced again.
    compiled = [(re.compile(p), r) for p, r in substitutions.items()]
    script = re.sub(
        "|".join(f"({p})" for p in substitutions),
        lambda m: next(r for c, r in compiled if c.fullmatch(m.group(0))),
        script,
    )
    return "\n".join(
        [
            "set -euo pipefail",
            "trap 'kill $(jobs -p) 2>/dev/null' EXIT",  # a failed command ends the services
            script,
            # Hand what the checks need to the test, then keep the services running.
            f'echo; echo "{DONE} $TOKEN $STAFF $SITE"',  # curl's output ends with no newline
            "wait",
        ]
    )


class Walkthrough:
    """The script in its own process group, its output read line by line."""

    def __init__(self, script: str, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
        self.proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_done(self, timeout: float) -> list[str]:
        """The values printed after the DONE marker; fail with the output if it never comes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                # The services it started keep the pipe open after a command failed.
                if self.proc.poll() is not None:
                    break
                continue
            if line is None:
                break
            self.output.append(line)
            if DONE in line:
                return line.split(DONE, 1)[1].split()
        code = self.proc.poll()
        what = "did not finish" if code is None else f"stopped: a README command failed ({code})"
        raise AssertionError(f"the walkthrough {what}:\n" + "".join(self.output[-80:]))

    def stop(self) -> None:
        """End the script and every service it started (its own process group)."""
        if self.proc.poll() is None or _group_alive(self.proc.pid):
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        deadline = time.monotonic() + 20
        while _group_alive(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(self.proc.pid):
            os.killpg(self.proc.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _poll(fetch, what: str, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def test_readme_walkthrough_runs_and_does_what_it_says(tmp_path: Path):
    node_port, cloud_port = free_port(), free_port()
    work = tmp_path / "work"
    work.mkdir()
    script = walkthrough(tmp_path / "node", tmp_path / "cloud", node_port, cloud_port)
    run = Walkthrough(script, work)
    try:
        token, staff, site = run.wait_for_done(timeout=240)
        node = httpx.Client(
            base_url=f"http://127.0.0.1:{node_port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        cloud = httpx.Client(
            base_url=f"http://127.0.0.1:{cloud_port}",
            headers={"Authorization": f"Bearer {staff}"},
            timeout=10,
        )

        # The simulator's reads are filed under both cameras, not one.
        status = node.get("/api/v1/status").json()
        reads = {c["name"]: c["reads_last_hour"] for c in status["cameras"]}
        assert reads.keys() == {"gate-1", "gate-2"} and all(reads.values()), reads

        # The plate the README put on the hotlist was read and hit.
        page = node.get("/api/v1/detections", params={"plate": "AB12CDE"}).json()
        assert page["items"] and all(item["hits"] for item in page["items"])

        # Once enrolled, the cloud holds the site's hits and every read the node stored.
        _poll(
            lambda: cloud.get("/api/v1/hits", params={"site_id": site}).json()["items"],
            "the site's hits at the cloud",
        )
        _poll(
            lambda: (
                len(
                    cloud.get("/api/v1/detections", params={"site_id": site, "limit": 1000}).json()[
                        "items"
                    ]
                )
                == status["detections"]
            ),
            f"the cloud to hold the node's {status['detections']} reads",
        )
        # The entry the site put on its hotlist before enrolling is the site's at the cloud.
        _poll(
            lambda: [
                e
                for e in cloud.get("/api/v1/hotlist").json()
                if e["plate_norm"] == "AB12CDE" and e["owner"] == f"site:{site}"
            ],
            "the site's hotlist entry at the cloud",
        )
    finally:
        run.stop()
