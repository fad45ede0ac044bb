"""`edgesync cloud cost`: what the AWS mode costs a month, per service (cloud_plane.costing)."""

from __future__ import annotations

import click

from cloud_plane.cli_options import print_result
from cloud_plane.costing.full_cloud import SiteInputs
from cloud_plane.costing.usage import Inputs

_POSITIVE_INT = click.IntRange(min=1)
_POSITIVE = click.FloatRange(min=0, min_open=True)
_DEFAULTS = Inputs(sites=1, cameras=20, reads_per_minute=10)
_SITE = SiteInputs(cameras=20, reads_per_minute=10)


@click.command("cost")
@click.option("--sites", type=_POSITIVE_INT, default=_DEFAULTS.sites, help="Sites (nodes).")
@click.option("--cameras", type=_POSITIVE_INT, default=_DEFAULTS.cameras, help="Cameras per site.")
@click.option(
    "--reads-per-minute",
    type=_POSITIVE,
    default=_DEFAULTS.reads_per_minute,
    help="Reads a minute per camera.",
)
@click.option(
    "--retention-days",
    type=_POSITIVE_INT,
    default=_DEFAULTS.retention_days,
    help="Days reads are kept (EDGESYNC_CLOUD_DETECTION_RETENTION_DAYS).",
)
@click.option(
    "--push-interval-s",
    type=_POSITIVE,
    default=_DEFAULTS.push_interval_s,
    help="Push period the cloud asks nodes for (EDGESYNC_CLOUD_SYNC_PUSH_INTERVAL_S).",
)
@click.option(
    "--hotlist-interval-s",
    type=_POSITIVE,
    default=_DEFAULTS.hotlist_interval_s,
    help="Nodes' hotlist pull period (EDGESYNC_NODE_SYNC_HOTLIST_INTERVAL_S).",
)
@click.option(
    "--heartbeat-interval-s",
    type=_POSITIVE,
    default=_DEFAULTS.heartbeat_interval_s,
    help="Nodes' heartbeat period (EDGESYNC_NODE_SYNC_HEARTBEAT_INTERVAL_S).",
)
@click.option(
    "--staff",
    type=click.IntRange(min=0),
    default=_DEFAULTS.staff,
    help="Staff using the dashboard.",
)
@click.option(
    "--staff-hours-per-day",
    type=click.FloatRange(min=0, max=24),
    default=_DEFAULTS.staff_hours_per_day,
    help="Hours a day each has a dashboard page open (it refreshes every 10 s).",
)
@click.option(
    "--alert-hits",
    type=click.IntRange(min=0),
    default=_DEFAULTS.alert_hits_per_month,
    help="Hotlist hits alerted a month (2 emails and 1 SMS each).",
)
@click.option(
    "--log-retention-days",
    type=_POSITIVE_INT,
    default=_DEFAULTS.log_retention_days,
    help="CloudWatch log retention (the CDK app's logRetentionDays).",
)
@click.option(
    "--full-cloud",
    is_flag=True,
    help="Also estimate one full-cloud site (issue 11: the node on ECS Fargate, RDS "
    "PostgreSQL, an ALB, images in S3) beside the cloud plane it syncs to, and compare the "
    "hybrid plane alone, full cloud and the customer's $150-250 for 20 cameras.",
)
@click.option(
    "--image-kb",
    type=_POSITIVE,
    default=_SITE.image_kb,
    show_default=True,
    help="With --full-cloud: kB per image (the camera simulator's default picture).",
)
@click.option(
    "--image-retention-days",
    type=_POSITIVE_INT,
    default=_SITE.image_retention_days,
    show_default=True,
    help="With --full-cloud: days the node keeps images (EDGESYNC_NODE_IMAGE_RETENTION_DAYS).",
)
@click.option(
    "--metadata-retention-days",
    type=_POSITIVE_INT,
    default=_SITE.metadata_retention_days,
    show_default=True,
    help="With --full-cloud: days the node keeps reads in PostgreSQL "
    "(EDGESYNC_NODE_METADATA_RETENTION_DAYS).",
)
@click.option(
    "--multi-az",
    is_flag=True,
    help="With --full-cloud: RDS multi-AZ (the stack's multiAz option).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: lines, inputs, assumptions, usage, dated prices.",
)
def cost(
    sites: int,
    cameras: int,
    reads_per_minute: float,
    retention_days: int,
    push_interval_s: float,
    hotlist_interval_s: float,
    heartbeat_interval_s: float,
    staff: int,
    staff_hours_per_day: float,
    alert_hits: int,
    log_retention_days: int,
    full_cloud: bool,
    image_kb: float,
    image_retention_days: int,
    metadata_retention_days: int,
    multi_az: bool,
    as_json: bool,
) -> None:
    """Estimate the AWS mode's monthly cost per service (us-east-1 list prices, dated and cited).

    From the CDK app's resources (DynamoDB on demand with PITR, three Lambdas, the HTTP API,
    SQS, one secret, CloudWatch logs, alarms and a dashboard, Cognito, SES) and the request
    counts and item sizes the benchmarks measured (bench.dynamo, bench.lambda_cost). SMS is
    priced apart and left out of the total. Defaults: the seed site.

    --full-cloud adds one full-cloud site's stack per service (Fargate API and agent tasks,
    RDS, the ALB, public IPv4 addresses, S3 images and requests, EFS, Secrets Manager,
    CloudWatch logs, ECR, data out), the plane it still syncs to, and the side by side.
    """
    from cloud_plane.costing.estimate import estimate
    from cloud_plane.costing.render import as_json as to_json
    from cloud_plane.costing.render import table

    inputs = Inputs(
        sites=sites,
        cameras=cameras,
        reads_per_minute=reads_per_minute,
        retention_days=retention_days,
        push_interval_s=push_interval_s,
        hotlist_interval_s=hotlist_interval_s,
        heartbeat_interval_s=heartbeat_interval_s,
        staff=staff,
        staff_hours_per_day=staff_hours_per_day,
        alert_hits_per_month=alert_hits,
        log_retention_days=log_retention_days,
    )
    if full_cloud:
        from cloud_plane.costing import render_full_cloud
        from cloud_plane.costing.full_cloud_estimate import full_cloud_estimate

        site = SiteInputs(
            cameras=cameras,
            reads_per_minute=reads_per_minute,
            image_kb=image_kb,
            image_retention_days=image_retention_days,
            metadata_retention_days=metadata_retention_days,
            hits_per_month=alert_hits,
            multi_az=multi_az,
        )
        both = full_cloud_estimate(inputs, site)
        print_result(as_json, render_full_cloud.as_json(both), render_full_cloud.table(both))
        return
    result = estimate(inputs)
    print_result(as_json, to_json(result), table(result))
