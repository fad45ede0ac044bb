"""Health alerts: pure evaluation of a site's last heartbeat, and the monitor that applies it.

Problems (each raised once while open, resolved when it clears):

- ``site_offline``: no heartbeat for ``offline_after_s``;
- ``camera_silent``: a camera in the heartbeat with no read for ``camera_silent_after_s``
  (or never a read);
- ``disk_nearly_full``: node disk use at or above ``disk_full_ratio``;
- ``sync_backlog``: the backlog grew for ``backlog_growth_s`` (``alerts.backlog_trend``),
  the oldest unsent read is older than ``backlog_age_s``, or more than ``backlog_count`` wait;
- ``clock_skew``: a camera's clock more than ``clock_skew_s`` from its node's;
- ``backup_failing``: the node's last database backup failed, or none has succeeded for
  ``backup_stale_s`` (nodes that report no backups, e.g. before issue 13, are not judged).

While a site is offline its last heartbeat is stale, so its other problems are
neither raised nor resolved until it is back; a revoked site's problems resolve.
Resolving says why (``resolution.cleared_reason``) and tells those who were sent the
alert (``AlertService.resolve``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from cloud_plane.alerts import rules
from cloud_plane.alerts.backlog_trend import sustained_growth
from cloud_plane.alerts.model import AlertKind
from cloud_plane.alerts.resolution import cleared_reason
from cloud_plane.alerts.service import AlertService
from cloud_plane.alerts.wording import duration_text as _duration
from cloud_plane.config import HealthSettings
from cloud_plane.records.sites import Site, site_zone
from cloud_plane.store.base import CloudStore
from sync_protocol.messages import BackupState, Heartbeat

log = logging.getLogger(__name__)

BACKUP_STALE_S = 2 * 86_400.0
"""No good backup for this long is a problem: a nightly backup missed twice."""


@dataclass(frozen=True)
class HealthThresholds:
    """The bounds beyond which something is a problem (from settings)."""

    offline_after_s: float = 300
    camera_silent_after_s: float = 3600
    disk_full_ratio: float = 0.9
    backlog_age_s: float = 900
    backlog_count: int = 100_000
    backlog_growth_s: float = 1800
    backlog_growth_min: int = 100
    clock_skew_s: float = 120
    backup_stale_s: float = BACKUP_STALE_S
    # Cameras are expected to read only within these hours (local time in `timezone`), e.g.
    # a car park closed at night: ((6, 0), (22, 0)). None: all day. A window may wrap midnight.
    expected_hours: tuple[tuple[int, int], tuple[int, int]] | None = None
    timezone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: HealthSettings, *, timezone: str) -> HealthThresholds:
        """The thresholds of the health settings (times of day read in ``timezone``)."""
        hours = settings.camera_expected_hours
        return cls(
            offline_after_s=settings.offline_after_s,
            camera_silent_after_s=settings.camera_silent_after_s,
            disk_full_ratio=settings.disk_full_ratio,
            backlog_age_s=settings.backlog_age_s,
            backlog_count=settings.backlog_count,
            backlog_growth_s=settings.backlog_growth_s,
            backlog_growth_min=settings.backlog_growth_min,
            clock_skew_s=settings.clock_skew_s,
            expected_hours=parse_hours(hours) if hours else None,
            timezone=timezone,
        )


def parse_hours(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Parse "HH:MM-HH:MM" into ((h, m), (h, m)); ValueError names the problem."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        parsed = tuple(tuple(int(x) for x in part.split(":")) for part in (start, end))
    except ValueError:
        raise ValueError(f"expected hours must look like 06:00-22:00, not {text!r}") from None
    for hour, minute in parsed:
        if not (0 <= hour <= 24 and 0 <= minute < 60):
            raise ValueError(f"expected hours out of range: {text!r}")
    return parsed  # type: ignore[return-value]


def within_expected_hours(now: datetime, limits: HealthThresholds) -> bool:
    """Whether cameras are expected to be reading at ``now``. Pure."""
    if limits.expected_hours is None:
        return True
    local = now.astimezone(ZoneInfo(limits.timezone))
    minute = local.hour * 60 + local.minute
    (h1, m1), (h2, m2) = limits.expected_hours
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end  # the window wraps midnight


@dataclass(frozen=True)
class Problem:
    """One open problem found in a site's state."""

    kind: AlertKind
    site_id: str
    reason: str
    camera_id: str | None = None
    since: datetime | None = None

    @property
    def key(self) -> str:
        """Return its open-problem key (``rules.problem_key``)."""
        return rules.problem_key(self.kind, self.site_id, self.camera_id)


@dataclass(frozen=True)
class Evaluation:
    """The problems of a site now; ``settles`` says whether absent ones count as cleared."""

    problems: list[Problem] = field(default_factory=list)
    settles: bool = False


def evaluate_site(site: Site, now: datetime, limits: HealthThresholds) -> Evaluation:
    """Return the site's problems at ``now`` from its last heartbeat. Pure."""
    limits = replace(limits, timezone=site_zone(site, limits.timezone))  # its hours, its clock
    if site.revoked:
        return Evaluation([], settles=True)
    if site.last_heartbeat_at is None or site.heartbeat is None:
        return Evaluation([], settles=False)  # never seen: nothing to say yet
    silent_for = (now - site.last_heartbeat_at).total_seconds()
    if silent_for > limits.offline_after_s:
        reason = f"no heartbeat for {_duration(silent_for)}"
        problem = Problem(
            AlertKind.SITE_OFFLINE, site.site_id, reason, since=site.last_heartbeat_at
        )
        return Evaluation([problem], settles=False)
    hb, found = site.heartbeat, []
    if hb.disk_total_bytes > 0:
        ratio = hb.disk_used_bytes / hb.disk_total_bytes
        if ratio >= limits.disk_full_ratio:
            reason = f"disk {ratio:.0%} used ({hb.disk_used_bytes} of {hb.disk_total_bytes} bytes)"
            found.append(Problem(AlertKind.DISK_NEARLY_FULL, site.site_id, reason))
    backup = backup_problem(hb.backup, now, limits.backup_stale_s)
    if backup:
        found.append(Problem(AlertKind.BACKUP_FAILING, site.site_id, backup))
    backlog = _backlog_reasons(site, hb, limits)
    if backlog:
        found.append(Problem(AlertKind.SYNC_BACKLOG, site.site_id, "; ".join(backlog)))
    for camera in hb.cameras:
        if camera.last_seen is None:
            # A camera just registered, or a node just started, has had no chance to read yet.
            if hb.uptime_s > limits.camera_silent_after_s and within_expected_hours(now, limits):
                reason = f"camera {camera.camera_id} has sent no read"
                found.append(_camera(AlertKind.CAMERA_SILENT, site, camera.camera_id, reason, None))
        else:
            quiet = (now - camera.last_seen).total_seconds()
            if quiet > limits.camera_silent_after_s and within_expected_hours(now, limits):
                reason = f"camera {camera.camera_id}: no read for {_duration(quiet)}"
                found.append(
                    _camera(
                        AlertKind.CAMERA_SILENT, site, camera.camera_id, reason, camera.last_seen
                    )
                )
        offset = camera.clock_offset_s
        if offset is not None and abs(offset) > limits.clock_skew_s:
            reason = f"camera {camera.camera_id} clock is {offset:+.0f} s off its node's"
            found.append(_camera(AlertKind.CLOCK_SKEW, site, camera.camera_id, reason, None))
    return Evaluation(found, settles=True)


def _backlog_reasons(site: Site, hb: Heartbeat, limits: HealthThresholds) -> list[str]:
    """What is wrong with the site's sync backlog (empty: nothing)."""
    reasons = []
    growth = sustained_growth(
        site.backlog_samples, growth_s=limits.backlog_growth_s, min_rise=limits.backlog_growth_min
    )
    if growth is not None:
        reasons.append(
            f"backlog grew from {growth.first.count:,} to {growth.last.count:,} "
            f"in {_duration(growth.span_s)}"
        )
    if hb.backlog_count > limits.backlog_count:
        reasons.append(f"{hb.backlog_count:,} reads wait to sync")
    oldest = hb.backlog_oldest_age_s or 0.0
    if oldest > limits.backlog_age_s:
        reasons.append(f"oldest unsent read waits {_duration(oldest)}")
    return reasons


def backup_problem(state: BackupState | None, now: datetime, stale_s: float) -> str | None:
    """What is wrong with a node's backups (None: nothing, or nothing reported). Pure."""
    if state is None:
        return None
    ok, failed = state.last_ok_at, state.last_failed_at
    if failed is not None and (ok is None or failed > ok):
        return "the last backup failed" + (f": {state.error[:200]}" if state.error else "")
    if ok is not None and (now - ok).total_seconds() > stale_s:
        return f"no backup has succeeded for {_duration((now - ok).total_seconds())}"
    return None


def _camera(
    kind: AlertKind, site: Site, camera_id: str, reason: str, since: datetime | None
) -> Problem:
    return Problem(kind, site.site_id, reason, camera_id=camera_id, since=since)


@dataclass
class HealthMonitor:
    """Applies ``evaluate_site`` to every site: raises new problems, resolves cleared ones."""

    store: CloudStore
    alerts: AlertService
    limits: HealthThresholds = field(default_factory=HealthThresholds)

    def check(self) -> tuple[int, int]:
        """Check every site once; return (alerts raised, alerts resolved)."""
        now, raised, resolved = self.alerts.clock(), 0, 0
        open_by_site: dict[str, list] = {}
        for alert in self.store.alerts.open_problems():
            open_by_site.setdefault(alert.site_id, []).append(alert)
        for site in self.store.sites.list_sites():
            evaluation = evaluate_site(site, now, self.limits)
            current = {p.key for p in evaluation.problems}
            for problem in evaluation.problems:
                outcome = self.alerts.raise_problem(
                    problem.kind,
                    problem.site_id,
                    problem.reason,
                    camera_id=problem.camera_id,
                    since=problem.since,
                )
                raised += outcome.created
            for alert in open_by_site.get(site.site_id, []):
                cleared = alert.open_key not in current
                if cleared and (evaluation.settles or alert.kind == AlertKind.SITE_OFFLINE):
                    self.alerts.resolve(alert, cleared_reason(alert, site))
                    log.info("alert %s resolved: %s cleared", alert.alert_id, alert.kind)
                    resolved += 1
        return raised, resolved
