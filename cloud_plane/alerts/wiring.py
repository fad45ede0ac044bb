"""Builds the alerting collaborators from settings: channels, service, dispatcher, monitor, worker.

The only place that picks channel implementations; each channel module is
imported only when selected (so SES settings never import ``smtplib`` paths
and the embedded default never touches boto3). With
EDGESYNC_CLOUD_DELIVERY_QUEUE_URL it also builds the SQS side: the service
announces new deliveries to the queue and ``queue`` handles its batches
(``alerts/queue_worker.py``); the DLQ's depth is read through ``dlq_depth``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cloud_plane.alerts.backoff import RetryPolicy
from cloud_plane.alerts.channels.base import Channel
from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.health import HealthMonitor, HealthThresholds
from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.ratelimit import Rate
from cloud_plane.alerts.rules import EscalationPolicy
from cloud_plane.alerts.service import AlertService
from cloud_plane.alerts.worker import AlertWorker
from cloud_plane.clock import Clock
from cloud_plane.config import AlertSettings, CloudSettings, HealthSettings, SmtpSettings
from cloud_plane.errors import ConfigError
from cloud_plane.hotlist.purge import TombstonePurger
from cloud_plane.retention.job import LAMBDA_BUDGET_S, ReadRetention
from cloud_plane.store.base import CloudStore

if TYPE_CHECKING:  # the SQS modules (and botocore) load only when a queue is configured
    from cloud_plane.alerts.queue_worker import QueueWorker
    from cloud_plane.alerts.sqs import CachedDepth

log = logging.getLogger(__name__)


@dataclass
class Alerting:
    """The alert side of one cloud: raise (service), send (dispatcher), watch (monitor)."""

    service: AlertService
    dispatcher: Dispatcher
    monitor: HealthMonitor
    settings: AlertSettings
    health: HealthSettings
    # AWS mode (a delivery queue is set): the SQS batch handler, and the DLQ's depth.
    queue: QueueWorker | None = None
    dlq_depth: CachedDepth | None = None
    # Not an alert job, but it runs where the cloud's periodic jobs run (worker, monitor).
    tombstones: TombstonePurger | None = None
    reads: ReadRetention | None = None  # per-site read retention (issue 13), same places
    images_forget: Callable[[], int] | None = None  # uploaded images past their keep (issue 14)

    def worker(self) -> AlertWorker:
        """Return a (not yet started) background worker over these collaborators."""
        return AlertWorker(
            dispatcher=self.dispatcher,
            alerts=self.service,
            monitor=self.monitor,
            poll_s=self.settings.poll_s,
            health_interval_s=self.health.interval_s,
            escalation_interval_s=min(5.0, self.settings.escalate_after_s / 4),
            queue=self.queue,
            hotlist_purge=None if self.tombstones is None else self.tombstones.run_if_due,
            read_retention=None if self.reads is None else self.reads.run_if_due,
            image_forget=self.images_forget,
        )

    def monitor_once(self) -> dict[str, int]:
        """Check health, escalate, (with a queue) sweep lost messages, prune rate buckets once,
        and purge hotlist tombstones and delete reads past their site's retention if due.

        The monitor Lambda's whole job, and `cloud dispatcher --once`'s periodic part; say
        what moved.
        """
        raised, resolved = self.monitor.check()
        escalated = self.service.escalate_due()
        swept = self.queue.sweep() if self.queue is not None else 0
        pruned = self.dispatcher.limiter.prune(self.dispatcher.clock())
        # The tombstone purge runs hourly by its clock, however often the monitor is scheduled.
        purged = self.tombstones.run_if_due() if self.tombstones is not None else 0
        reads_deleted = self.reads.run_if_due() if self.reads is not None else 0
        images_forgotten = self.images_forget() if self.images_forget is not None else 0
        return {
            "raised": raised,
            "resolved": resolved,
            "escalated": escalated,
            "swept": swept,
            "pruned": pruned,
            "tombstones_purged": purged,
            "reads_deleted": reads_deleted,
            "images_forgotten": images_forgotten,
        }


def file_channel_warning(settings: AlertSettings, alert_file: Path) -> str | None:
    """The start-up warning when SMS or email only go to a file (the default), else None.

    Said loudly because the default looks like working alerting: messages are "sent" and
    nobody's phone rings. The line names the file and the variables that send for real.
    """
    kinds = [k for k, v in (("SMS", settings.sms), ("email", settings.email)) if v == "file"]
    if not kinds:
        return None
    return (
        f"alert {' and '.join(kinds)} messages are written to the file {alert_file.resolve()}, "
        "not sent: set EDGESYNC_CLOUD_ALERT_SMS=sns, EDGESYNC_CLOUD_ALERT_EMAIL=ses "
        "(with EDGESYNC_CLOUD_ALERT_SES_FROM) or =smtp (with EDGESYNC_CLOUD_SMTP_HOST, "
        "EDGESYNC_CLOUD_SMTP_FROM, EDGESYNC_CLOUD_SMTP_USERNAME, EDGESYNC_CLOUD_SMTP_PASSWORD), "
        "or =none to turn a channel off"
    )


def build_channels(
    settings: AlertSettings, smtp: SmtpSettings, *, alert_file: Path, aws_region: str | None
) -> dict[str, Channel]:
    """Return the configured channels by name; raise ConfigError for an incomplete one."""
    from cloud_plane.alerts.channels.file import FileChannel

    warning = file_channel_warning(settings, alert_file)
    if warning:
        log.warning(warning)

    # The file channel is always there: it costs nothing until a subscription names it.
    file_channel = FileChannel(alert_file)
    channels: dict[str, Channel] = {ChannelKind.FILE.value: file_channel}
    if settings.sms == "file":
        channels[ChannelKind.SMS.value] = file_channel
    elif settings.sms == "sns":
        from cloud_plane.alerts.channels.sns import SnsSmsChannel

        channels[ChannelKind.SMS.value] = SnsSmsChannel(
            sender_id=settings.sns_sender_id, region_name=aws_region
        )
    if settings.email == "file":
        channels[ChannelKind.EMAIL.value] = file_channel
    elif settings.email == "ses":
        if not settings.ses_from:
            raise ConfigError("alert_email=ses needs EDGESYNC_CLOUD_ALERT_SES_FROM")
        from cloud_plane.alerts.channels.ses import SesEmailChannel

        channels[ChannelKind.EMAIL.value] = SesEmailChannel(
            from_address=settings.ses_from,
            configuration_set=settings.ses_configuration_set,
            region_name=aws_region,
        )
    elif settings.email == "smtp":
        if not (smtp.host and smtp.from_address):
            raise ConfigError(
                "alert_email=smtp needs EDGESYNC_CLOUD_SMTP_HOST and EDGESYNC_CLOUD_SMTP_FROM"
            )
        from cloud_plane.alerts.channels.smtp import SmtpEmailChannel

        password = smtp.password.get_secret_value() if smtp.password else None
        channels[ChannelKind.EMAIL.value] = SmtpEmailChannel(
            smtp.host,
            smtp.port,
            from_address=smtp.from_address,
            security=smtp.security,
            username=smtp.username,
            password=password,
        )
    if settings.webhooks:
        from cloud_plane.alerts.channels.webhook import WebhookChannel

        channels[ChannelKind.WEBHOOK.value] = WebhookChannel()
    return channels


def build_limiter(settings: AlertSettings, store: CloudStore) -> RateLimiter:
    """Return the rate limiter of the settings (the same limits on every channel).

    Its buckets live in ``store`` (its ``rate_limits`` role), in every mode: the limits
    then hold in total across every dispatcher process and Lambda instance on the store.
    """
    kinds = list(ChannelKind)
    per_recipient = settings.recipient_rate_per_minute
    per_channel = settings.channel_rate_per_minute
    return RateLimiter(
        per_recipient={k: Rate.per_minute(per_recipient) for k in kinds} if per_recipient else None,
        per_channel={k: Rate.per_minute(per_channel) for k in kinds} if per_channel else None,
        state=store.rate_limits,
    )


def build_alerting(
    settings: CloudSettings,
    store: CloudStore,
    clock: Clock,
    *,
    channels: dict[str, Channel] | None = None,
) -> Alerting:
    """Build the alerting collaborators (``channels`` given: use them, e.g. in tests)."""
    alerts = settings.alerts
    if channels is None:
        channels = build_channels(
            alerts,
            settings.smtp,
            alert_file=settings.resolved_alert_file,
            aws_region=settings.aws_region,
        )
    service = AlertService(
        store=store,
        clock=clock,
        group_window=timedelta(seconds=alerts.group_window_s),
        escalation=EscalationPolicy(
            after=timedelta(seconds=alerts.escalate_after_s),
            min_priority=alerts.escalate_min_priority,
        ),
        channels=set(channels),
        public_url=settings.resolved_public_url,
        resolution_settle=timedelta(seconds=alerts.resolution_settle_s),
        hit_image_links=settings.images.upload_hits,
    )
    dispatcher = Dispatcher(
        store=store,
        channels=channels,
        alerts=service,
        clock=clock,
        retry=RetryPolicy(
            max_attempts=alerts.max_attempts,
            base_s=alerts.retry_base_s,
            cap_s=max(alerts.retry_cap_s, alerts.retry_base_s),
        ),
        limiter=build_limiter(alerts, store),
        lease=timedelta(seconds=alerts.lease_s),
        senders=alerts.senders,
        timezone=alerts.timezone,
        resolution_settle=timedelta(seconds=alerts.resolution_settle_s),
    )
    monitor = HealthMonitor(
        store=store,
        alerts=service,
        limits=HealthThresholds.from_settings(settings.health, timezone=alerts.timezone),
    )
    queue_worker = None
    if settings.delivery_queue_url:
        from cloud_plane.alerts.queue_worker import DeliveryAnnouncer, QueueWorker
        from cloud_plane.alerts.sqs import SqsQueue

        queue = SqsQueue(settings.delivery_queue_url, region_name=settings.aws_region)
        announcer = DeliveryAnnouncer(queue)
        service.announce, service.announce_later = announcer, announcer.later
        # A delivery overdue by a lease has lost its message (or its worker): sweep it.
        queue_worker = QueueWorker(dispatcher, queue, grace=timedelta(seconds=alerts.lease_s))
    dlq_depth = None
    if settings.delivery_dlq_url:
        from cloud_plane.alerts.sqs import CachedDepth, SqsQueue

        dlq = SqsQueue(settings.delivery_dlq_url, region_name=settings.aws_region)
        dlq_depth = CachedDepth(dlq.depth)
    return Alerting(
        service=service,
        dispatcher=dispatcher,
        monitor=monitor,
        settings=alerts,
        health=settings.health,
        queue=queue_worker,
        dlq_depth=dlq_depth,
        tombstones=TombstonePurger(
            store.hotlist,
            clock,
            retention=timedelta(days=settings.hotlist_tombstone_retention_days),
        ),
        reads=ReadRetention(
            store.sites,
            store.retention,
            clock,
            default_days=settings.detection_retention_days,
            # On DynamoDB the job runs in the monitor Lambda: it must end (and record) in time.
            budget_s=LAMBDA_BUDGET_S if settings.store == "dynamodb" else None,
        ),
    )
