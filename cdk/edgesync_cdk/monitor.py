"""The monitor's schedule: an EventBridge rule runs the monitor function every minute."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

MONITOR_TIMEOUT = Duration.seconds(50)
"""Under the minute between runs (runs may overlap safely, but need not)."""
SCHEDULE = events.Schedule.rate(Duration.minutes(1))


def schedule_monitor(scope: Construct, fn: lambda_.Function) -> events.Rule:
    """Run ``fn`` every minute.

    No reserved concurrency: a run is safe to overlap with another (cloud_plane/aws/
    monitor.py), and reserving even 1 is refused on new accounts whose concurrency
    quota is 10 (Lambda keeps 10 unreserved). No retries: the next run is a minute away.
    """
    return events.Rule(
        scope,
        "MonitorSchedule",
        description="edgesync: site health, escalations and the delivery sweep",
        schedule=SCHEDULE,
        targets=[targets.LambdaFunction(fn, retry_attempts=0, max_event_age=Duration.minutes(1))],
    )
