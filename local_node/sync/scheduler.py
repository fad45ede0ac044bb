"""When the agent talks to the cloud: ticks, the priority lane for hits, and backoff.

Three interval jobs (APScheduler ``BackgroundScheduler``, ``max_instances=1``,
``coalesce=True``): push (``sync_push_interval_s``, only when something waits), hotlist
pull (``sync_hotlist_interval_s``, always: the reply carries the changes) and heartbeat
(``sync_heartbeat_interval_s``). All of them run one drain loop, so exchanges never
overlap; a tick that arrives while the loop runs is folded into it.

* **Priority lane**: the ingest writer calls ``wake()`` right after committing a read that
  hit; a one-off job runs the loop at once, even while backing off (a hit is worth one
  extra attempt).
* **Catching up**: after an exchange that moved the mark and left rows behind, the loop
  goes on at once instead of waiting for the next tick.
* **Folding**: every exchange carries the hotlist pull (its reply holds the changes), so a
  hotlist tick that comes within ``sync_hotlist_interval_s`` of a successful exchange has
  nothing to do; and a heartbeat tick rides on the next push when one is due within
  ``HEARTBEAT_RIDES_WITHIN_S``. A busy site then makes one exchange per push period, not
  three kinds of them: each is a request, a Lambda call and ~4.5 DynamoDB write units to an
  AWS-mode cloud (`edgesync cloud cost`). An idle site still pulls and reports on time.
* **Pacing**: the cloud may ask for a longer push period in its replies (fewer, fuller
  batches cost it less: DynamoDB writes per batch); the push tick then runs at the longer of
  that and ``sync_push_interval_s``. Hits, catching up and the other ticks are unaffected.
* **Command poll**: an idle node has nothing to push, so a command waiting at the cloud (an
  image asked of it) would wait for the next hotlist tick. Every ``sync_command_poll_s``
  (default 2 s, the default push period) the ``poll`` tick asks with one signed, read-only
  request (``local_node.sync.image_commands``) unless an exchange succeeded within half
  that period, and exchanges at once if something waits. Cost at an AWS-mode cloud: a request
  and a Lambda call, with half a read unit and no write, per idle period.
* **Backoff**: after a failure the ticks stand down and a one-off ``retry`` job is
  scheduled after the next delay of ``rules.backoff_delays`` (exponential, full jitter,
  capped; at least the cloud's ``Retry-After``), so retries go on with no new reads and
  never in lockstep with other nodes. A success resets the delays.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from local_node.config import SyncSettings
from local_node.sync.agent import SyncAgent
from sync_protocol.rules import HEARTBEAT_RIDES_WITHIN_S, backoff_delays

log = logging.getLogger(__name__)


class SyncRunner:
    """Runs a ``SyncAgent`` on a schedule; ``start()`` once, ``stop()`` to end cleanly."""

    def __init__(
        self, agent: SyncAgent, settings: SyncSettings, *, rng: random.Random | None = None
    ) -> None:
        self.agent = agent
        self._settings = settings
        self._rng = rng or random.Random()
        self._mu = threading.Lock()
        self._idle = threading.Condition(self._mu)
        self._retry_token = 0
        self._due: set[str] = set()
        self._running = False
        self._stopping = False
        self._heartbeat_pending = True  # report in as soon as the agent starts
        self._retry_at = 0.0
        self._last_success = float("-inf")  # time.monotonic() of the last good exchange
        self._delays = self._new_delays()
        self.push_every_s = float(settings.push_interval_s)  # the push tick's period now
        self.failures = 0
        self.delays: list[float] = []  # every backoff delay chosen (for status and tests)
        self._scheduler = BackgroundScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def _new_delays(self):
        return backoff_delays(
            self._settings.backoff_base_s,
            max(self._settings.backoff_cap_s, self._settings.backoff_base_s),
            self._rng,
        )

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Schedule the jobs and run a first exchange at once."""
        s = self._settings
        now = datetime.now(UTC)
        jobs = [
            ("push", s.push_interval_s),
            ("hotlist", s.hotlist_interval_s),
            ("heartbeat", s.heartbeat_interval_s),
        ]
        if s.command_poll_s > 0:
            jobs.append(("poll", s.command_poll_s))
        for kind, every in jobs:
            self._scheduler.add_job(
                self._tick,
                "interval",
                seconds=every,
                args=[kind],
                id=kind,
                next_run_time=now + timedelta(seconds=every),
            )
        self._scheduler.start()
        self._later("start", 0)  # report in at once (a heartbeat), whatever is pending

    def add_periodic(self, job_id: str, fn: Callable[[], object], every_s: float) -> None:
        """Also run ``fn`` every ``every_s`` in this scheduler (e.g. the backup schedule's tick).

        Its own job, beside the exchanges (never inside the drain loop); ``stop()`` waits for
        a run of it under way.
        """
        self._scheduler.add_job(fn, "interval", seconds=every_s, id=job_id)

    def job_ids(self) -> list[str]:
        """Return the ids of the jobs scheduled (the one-off ones have generated ids)."""
        return sorted(job.id for job in self._scheduler.get_jobs())

    def stop(self) -> None:
        """Stop the jobs, wait for a running exchange, close the connections."""
        with self._mu:
            self._stopping = True
            # The loop ends after its current exchange (bounded by the request timeout).
            # Waiting here first matters: APScheduler's shutdown holds its job store lock
            # while it waits for running jobs, and a job touching the store would deadlock.
            while self._running:
                self._idle.wait()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self.agent.close()

    def wake(self) -> None:
        """Exchange now (a hit was stored): the priority lane."""
        with self._mu:
            if self._running:
                self._due.add("wake")  # the running loop goes round once more
                return
        self._later("wake", 0)

    def on_hits(self, hits: list[tuple[str, int]]) -> None:
        """The ingest writer's hit listener."""
        self.wake()

    @property
    def backing_off(self) -> bool:
        """Whether the last exchange failed and the ticks stand down until the retry."""
        return time.monotonic() < self._retry_at

    # -- the loop --------------------------------------------------------------------
    def _later(self, kind: str, delay_s: float, token: int = 0) -> None:
        with self._mu:
            if self._stopping or not self._scheduler.running:
                return
        self._scheduler.add_job(
            self._tick,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=delay_s),
            args=[kind, token],
            # Unnamed: a one-off job never meets max_instances=1 of one still returning.
        )

    def _finish(self) -> None:
        """End the loop (called with ``_mu`` held)."""
        self._running = False
        self._idle.notify_all()

    def _tick(self, kind: str, token: int = 0) -> None:
        with self._mu:
            if kind == "retry" and token != self._retry_token:
                kind = "push"  # a retry made stale by a later success: an ordinary tick
            self._due.add(kind)
            if self._running or self._stopping:
                return  # the running loop picks it up
            if self.backing_off and not self._due & {"wake", "retry"}:
                return
            self._running = True
        try:
            self._drain()
        except BaseException:
            with self._mu:
                self._finish()
            raise

    def _drain(self) -> None:
        more = False
        while True:
            with self._mu:
                due, self._due = self._due, set()
                if due & {"heartbeat", "start"}:
                    self._heartbeat_pending = True
                if self._stopping or not (due or more):
                    self._finish()
                    return
                heartbeat = self._heartbeat_pending
            try:
                if not more and not self._exchange_needed(due, heartbeat):
                    continue
                outcome = self.agent.exchange(heartbeat=heartbeat)
            except Exception as exc:
                self._failed(exc)
                return
            self._succeeded(heartbeat)
            self._pace(outcome.push_interval_s)
            more = outcome.more
            if outcome.retry_after_s:
                self._back_off(outcome.retry_after_s)
                return

    def _exchange_needed(self, due: set[str], heartbeat: bool) -> bool:
        """Whether the ticks in ``due`` need an exchange now (else a later one covers them)."""
        if due - {"push", "hotlist", "heartbeat", "poll"}:  # start, a hit's wake, a retry
            return True
        if "push" in due or heartbeat:  # only these depend on what waits (a database read)
            work = self.agent.has_work()
            if work and "push" in due:
                return True
            if heartbeat and not (work and self.push_every_s <= HEARTBEAT_RIDES_WITHIN_S):
                return True  # nothing is about to be pushed: the heartbeat goes alone
        since = time.monotonic() - self._last_success
        if "hotlist" in due and since >= self._settings.hotlist_interval_s:
            return True
        # Not polled right after an exchange (it carried any waiting command). Half a period,
        # not a whole one: the exchange a poll started ends a little after its tick, so a
        # whole period would skip every other poll of an idle node.
        poll = "poll" in due and since >= self._settings.command_poll_s / 2
        return poll and self.agent.images.waiting()

    def _pace(self, asked_s: float | None) -> None:
        """Run the push tick at the longer of our period and the one the cloud asked for."""
        every = push_period(self._settings.push_interval_s, asked_s)
        if every == self.push_every_s:
            return
        with self._mu:
            if self._stopping or not self._scheduler.running:
                return
            self._scheduler.reschedule_job("push", trigger="interval", seconds=every)
        log.info("sync: pushing every %.1fs (the cloud asked for %s)", every, asked_s)
        self.push_every_s = every

    def _succeeded(self, heartbeat: bool) -> None:
        with self._mu:
            if heartbeat:
                self._heartbeat_pending = False
            self._last_success = time.monotonic()
            if self.failures:
                log.info("sync: the cloud answers again after %d failures", self.failures)
            self.failures = 0
            self._retry_at = 0.0
            self._retry_token += 1
            self._delays = self._new_delays()

    def _failed(self, exc: Exception) -> None:
        delay = next(self._delays)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = max(delay, retry_after)
        with self._mu:
            self.failures += 1
            failures = self.failures
        log.warning("sync failed (%d in a row), retrying in %.1fs: %s", failures, delay, exc)
        self._back_off(delay)

    def _back_off(self, delay: float) -> None:
        # The retry time is set before the loop ends, so no tick slips in before it.
        with self._mu:
            self.delays.append(delay)
            self._retry_at = time.monotonic() + delay
            self._retry_token += 1
            token = self._retry_token
        self._later("retry", delay, token)  # while still running: stop() waits for us
        with self._mu:
            self._finish()


def push_period(own_s: float, asked_s: float | None) -> float:
    """Return the push tick's period: ours, or the cloud's if it asked for a longer one."""
    return float(max(own_s, asked_s or 0.0))
