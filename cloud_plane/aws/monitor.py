"""The monitor as a Lambda handler: run on a schedule (an EventBridge rule or Scheduler).

One run checks every site's health (offline sites, silent cameras, ...; raising and
resolving problems), escalates unacknowledged alerts that are due, sweeps deliveries
whose SQS message was lost (announced again), and, at most hourly per container, purges
hotlist tombstones past their retention (``hotlist/purge.py``) and deletes reads past their
site's retention that TTL has not removed, recording each site's run (``retention/job.py``).
Every step is safe to repeat or to overlap with another run (open-problem keys, conditional
escalation, single claims, conditional tombstone deletes, deletes that return what they
removed), so a late or doubled schedule does no harm. It also runs a pass of the
historical-hit scan (``hotlist/retro.py``): the catch-up for entries whose inline pass in the
API Lambda was cut short or left for later (the scan's mark makes a repeat a no-op). The
event's content is not used.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from cloud_plane.aws.runtime import container
from cloud_plane.hotlist.retro import RetroHits

log = logging.getLogger(__name__)


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Run the monitor once; return what it did (shown in the Lambda's logs)."""
    current = container()
    current.require("monitor")
    alerting = current.alerting()
    done = alerting.monitor_once()
    retro = RetroHits(
        store=alerting.service.store,
        clock=alerting.service.clock,
        lookback=timedelta(days=current.settings.hotlist_lookback_days),
        on_found=alerting.service.on_historical,
    )
    done["historical_scanned"] = retro.run_once()
    log.info("monitor run at %s: %s", event.get("time", "?"), done)
    return done
