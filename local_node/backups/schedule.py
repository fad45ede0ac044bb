"""When the backup runs: a crontab line in the site's zone, checked against the node's clock.

The agent's scheduler calls ``BackupSchedule.tick`` every ``CHECK_EVERY_S``; the tick runs
the backup when the crontab line's next time has come by the injected clock (so tests move
a clock rather than wait for 02:30). A slot missed while the node was down is not made up
at start; several slots missed while a backup ran long make one run, not one each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from local_node.clock import Clock

log = logging.getLogger(__name__)

CHECK_EVERY_S = 30.0


class BackupSchedule:
    """Runs ``run`` each time ``crontab`` (in ``zone``) comes due by ``clock``."""

    def __init__(
        self, run: Callable[[], object], crontab: str, zone: ZoneInfo, clock: Clock
    ) -> None:
        self._run = run
        self._trigger = CronTrigger.from_crontab(crontab, timezone=zone)
        self._clock = clock
        self.next_at = self.due_after(clock())

    def due_after(self, now: datetime) -> datetime:
        """Return the crontab line's first time at or after ``now``."""
        at = self._trigger.get_next_fire_time(None, now)
        if at is None:  # a crontab line always has a next time; this guards a bad trigger
            raise ValueError("the backup schedule has no next time")
        return at

    def tick(self) -> bool:
        """Run the backup if it is due; return whether it ran."""
        now = self._clock()
        if now < self.next_at:
            return False
        self.next_at = self.due_after(now + timedelta(seconds=1))
        log.info("backup: the scheduled run starts (next at %s)", self.next_at.isoformat())
        self._run()
        return True
