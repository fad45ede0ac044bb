"""Builds the alerting collaborators from settings: channels, service, dispatcher, monitor, worker.

The only place that picks channel implementations; each channel module is
imported only when selected (so SES settings never import ``smtplib`` paths
and the embedded default never touches boto3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cloud_plane.alerts.backoff import RetryPolicy
from cloud_plane.alerts.channels.base import Channel
from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.health import HealthMonitor, HealthThresholds, parse_hours
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.ratelimit import Rate, RateLimiter
from cloud_plane.alerts.rules import EscalationPolicy
from cloud_plane.alerts.service import AlertService
from cloud_plane.alerts.worker import AlertWorker
from cloud_plane.clock import Clock
from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError
from cloud_plane.store.base import CloudStore


@dataclass
class Alerting:
    """The alert side of one cloud: raise (service), send (dispatcher), watch (monitor)."""

    service: AlertService
    dispatcher: Dispatcher
    monitor: HealthMonitor
    settings: CloudSettings

    def worker(self) -> AlertWorker:
        """Return a (not yet started) background worker over these collaborators."""
        return AlertWorker(
            dispatcher=self.dispatcher,
            alerts=self.service,
            monitor=self.monitor,
            poll_s=self.settings.alert_poll_s,
            health_interval_s=self.settings.health_interval_s,
            escalation_interval_s=min(5.0, self.settings.alert_escalate_after_s / 4),
        )


def build_channels(settings: CloudSettings) -> dict[str, Channel]:
    """Return the configured channels by name; raise ConfigError for an incomplete one."""
    from cloud_plane.alerts.channels.file import FileChannel

    # The file channel is always there: it costs nothing until a subscription names it.
    file_channel = FileChannel(settings.resolved_alert_file)
    channels: dict[str, Channel] = {ChannelKind.FILE.value: file_channel}
    if settings.alert_sms == "file":
        channels[ChannelKind.SMS.value] = file_channel
    elif settings.alert_sms == "sns":
        from cloud_plane.alerts.channels.sns import SnsSmsChannel

        channels[ChannelKind.SMS.value] = SnsSmsChannel(
            sender_id=settings.alert_sns_sender_id, region_name=settings.aws_region
        )
    if settings.alert_email == "file":
        channels[ChannelKind.EMAIL.value] = file_channel
    elif settings.alert_email == "ses":
        if not settings.alert_ses_from:
            raise ConfigError("alert_email=ses needs EDGESYNC_CLOUD_ALERT_SES_FROM")
        from cloud_plane.alerts.channels.ses import SesEmailChannel

        channels[ChannelKind.EMAIL.value] = SesEmailChannel(
            from_address=settings.alert_ses_from,
            configuration_set=settings.alert_ses_configuration_set,
            region_name=settings.aws_region,
        )
    elif settings.alert_email == "smtp":
        if not (settings.smtp_host and settings.smtp_from):
            raise ConfigError(
                "alert_email=smtp needs EDGESYNC_CLOUD_SMTP_HOST and EDGESYNC_CLOUD_SMTP_FROM"
            )
        from cloud_plane.alerts.channels.smtp import SmtpEmailChannel

        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        channels[ChannelKind.EMAIL.value] = SmtpEmailChannel(
            settings.smtp_host,
            settings.smtp_port,
            from_address=settings.smtp_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
        )
    if settings.alert_webhooks:
        from cloud_plane.alerts.channels.webhook import WebhookChannel

        channels[ChannelKind.WEBHOOK.value] = WebhookChannel()
    return channels


def build_limiter(settings: CloudSettings) -> RateLimiter:
    """Return the rate limiter of the settings (the same limits on every channel)."""
    kinds = list(ChannelKind)
    per_recipient = settings.alert_recipient_rate_per_minute
    per_channel = settings.alert_channel_rate_per_minute
    return RateLimiter(
        per_recipient={k: Rate.per_minute(per_recipient) for k in kinds} if per_recipient else None,
        per_channel={k: Rate.per_minute(per_channel) for k in kinds} if per_channel else None,
    )


def build_alerting(
    settings: CloudSettings,
    store: CloudStore,
    clock: Clock,
    *,
    channels: dict[str, Channel] | None = None,
) -> Alerting:
    """Build the alerting collaborators (``channels`` given: use them, e.g. in tests)."""
    channels = build_channels(settings) if channels is None else channels
    service = AlertService(
        store=store,
        clock=clock,
        group_window=timedelta(seconds=settings.alert_group_window_s),
        escalation=EscalationPolicy(
            after=timedelta(seconds=settings.alert_escalate_after_s),
            min_priority=settings.alert_escalate_min_priority,
        ),
        channels=set(channels),
        public_url=settings.resolved_public_url,
    )
    dispatcher = Dispatcher(
        store=store,
        channels=channels,
        alerts=service,
        clock=clock,
        retry=RetryPolicy(
            max_attempts=settings.alert_max_attempts,
            base_s=settings.alert_retry_base_s,
            cap_s=max(settings.alert_retry_cap_s, settings.alert_retry_base_s),
        ),
        limiter=build_limiter(settings),
        lease=timedelta(seconds=settings.alert_lease_s),
        senders=settings.alert_senders,
        timezone=settings.alert_timezone,
    )
    monitor = HealthMonitor(
        store=store,
        alerts=service,
        limits=HealthThresholds(
            offline_after_s=settings.offline_after_s,
            camera_silent_after_s=settings.camera_silent_after_s,
            disk_full_ratio=settings.disk_full_ratio,
            backlog_age_s=settings.backlog_age_s,
            backlog_count=settings.backlog_count,
            clock_skew_s=settings.clock_skew_s,
            expected_hours=(
                parse_hours(settings.camera_expected_hours)
                if settings.camera_expected_hours
                else None
            ),
            timezone=settings.alert_timezone,
        ),
    )
    return Alerting(service=service, dispatcher=dispatcher, monitor=monitor, settings=settings)
