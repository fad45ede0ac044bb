"""The full-cloud estimate as a table (people) and as JSON (scripts), in ``render``'s style."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cloud_plane.costing import render
from cloud_plane.costing.estimate import CUSTOMER_FULL_CLOUD_CAMERAS, CUSTOMER_FULL_CLOUD_USD
from cloud_plane.costing.full_cloud_estimate import FullCloudEstimate
from cloud_plane.costing.prices import FULL_CLOUD_TAKEN, REGION

SCHEMA = 1
LOGS_NOTE = (
    "CloudWatch Logs is an estimate: a JSON access line a read and a health check, not "
    "measured on Fargate"
)


def _what(service: str, e: FullCloudEstimate) -> str:
    u, s, i = e.usage, e.stack, e.site_inputs
    if service == "ECS Fargate":
        return (
            f"{s.api_tasks} API tasks ({s.api_vcpu:g} vCPU, {s.api_gib:g} GiB) + "
            f"{s.agent_tasks} sync agent ({s.agent_vcpu:g} vCPU, {s.agent_gib:g} GiB), 720 h"
        )
    if service == "RDS PostgreSQL":
        az = "multi-AZ" if i.multi_az else "single-AZ"
        return (
            f"db.t4g.small {az}, {u.rds_storage_gib:.0f} GB gp3 ({u.db_gib:.1f} GB of data "
            f"after {i.metadata_retention_days} d), backups {u.backup_beyond_free_gib:.1f} GB "
            "beyond the free"
        )
    if service == "Application Load Balancer":
        top = max(u.lcu_by_dimension, key=lambda k: u.lcu_by_dimension[k])
        return f"720 h, {u.lcu:.2f} LCU ({top})"
    if service == "Public IPv4 addresses":
        return (
            f"{s.public_ips} ({s.api_tasks} API tasks, {s.agent_tasks} agent, the ALB's "
            f"{s.alb_public_ips}; no NAT gateway)"
        )
    if service == "S3 images":
        return (
            f"{u.image_gib:.1f} GB ({i.image_retention_days} d of {i.image_kb:g} kB images), "
            f"{u.puts / 1e6:.2f} M PUT, {u.gets / 1e6:.2f} M GET, DELETE free"
        )
    if service == "S3 access logs":
        return f"{u.access_log_gib:.1f} GB (ALB and the images bucket's, kept 90 d)"
    if service == "CloudWatch Logs":
        return f"{u.log_gib:.2f} GB ingested a month (estimate), kept {s.log_retention_days} d"
    if service == "EFS":
        return "the data dir (a key, a lock, a report) and its backups"
    if service == "Secrets Manager":
        return f"{u.secrets} secret (the RDS credentials)"
    if service == "ECR":
        return "the container image"
    return f"{u.transfer_out_gb:.1f} GB (replies to cameras, the agent's pushes)"


def summary(e: FullCloudEstimate) -> dict[str, Any]:
    """The side by side: the hybrid plane alone, full cloud, the customer's estimate."""
    low, high = CUSTOMER_FULL_CLOUD_USD
    return {
        "sites": e.sites,
        "hybrid_plane_usd": round(e.plane.total_usd, 2),
        "full_cloud_site_usd": round(e.site_usd, 2),
        "full_cloud_total_usd": round(e.total_usd, 2),
        "customer_full_cloud_usd": [low, high],
        "customer_full_cloud_cameras": CUSTOMER_FULL_CLOUD_CAMERAS,
    }


def summary_lines(e: FullCloudEstimate) -> list[str]:
    """The side by side, one line each."""
    c = summary(e)
    low, high = c["customer_full_cloud_usd"]
    stacks = "the site's stack" if e.sites == 1 else f"{e.sites} sites' stacks"
    customer = f"the customer's own full-cloud estimate, {CUSTOMER_FULL_CLOUD_CAMERAS} cameras"
    rows = [
        ("hybrid: the cloud plane alone (site hardware not counted)",
         f"{c['hybrid_plane_usd']:.2f}"),
        (f"full cloud: {stacks} + the cloud plane", f"{c['full_cloud_total_usd']:.2f}"),
        (customer, f"{low:.0f}-{high:.0f}"),
    ]  # fmt: skip
    head = (
        f"side by side, a month ({e.site_inputs.cameras} cameras a site x "
        f"{e.site_inputs.reads_per_minute:g} reads/min, {e.sites} site(s)):"
    )
    return [head, *(f"  {label:<58}{usd:>9}" for label, usd in rows)]


def table(e: FullCloudEstimate) -> str:
    """The site's stack per service, the plane's own table, then the side by side."""
    i, u = e.site_inputs, e.usage
    out = [
        f"edgesync full cloud, one site's stack, a 30-day month in {REGION} (on-demand list "
        f"prices of {FULL_CLOUD_TAKEN}, no free tier):",
        f"  {i.cameras} cameras x {i.reads_per_minute:g} reads/min = {u.reads:,.0f} reads; "
        f"images {i.image_kb:g} kB kept {i.image_retention_days} d (hits' "
        f"{i.hit_image_retention_days} d); metadata kept {i.metadata_retention_days} d",
        "",
        render.HEAD_ROW,
    ]
    for line in e.lines:
        out.append(render.row(line.service, line.usd, _what(line.service, e)))
    out.append(render.row("site total", e.site_usd))
    top = e.dominant()
    out.append(f"dominant: {top.service} ({top.usd / e.site_usd:.0%}); {LOGS_NOTE}")
    if u.rds_over_max:
        out.append(
            f"WARNING: {u.db_gib:.0f} GB of data and the tenth kept free need "
            f"{u.rds_needed_gib:.0f} GB, over the stack's RDS storage autoscaling limit "
            f"({e.stack.rds_max_allocated_gib:.0f} GB): raise it or keep metadata for less time"
        )
    out += ["", "the cloud plane it syncs to (`edgesync cloud cost` without --full-cloud):", ""]
    out.append(render.table(e.plane))
    out += ["", *summary_lines(e)]
    return "\n".join(out)


def as_json(e: FullCloudEstimate) -> dict[str, Any]:
    """Everything: the site's inputs, stack, assumptions, usage and lines; the plane's JSON."""
    return {
        "schema": SCHEMA,
        "region": REGION,
        "prices_taken": FULL_CLOUD_TAKEN,
        "site_inputs": asdict(e.site_inputs),
        "stack": asdict(e.stack),
        "site_assumptions": asdict(e.assumptions),
        "site_usage": e.usage.as_dict(),
        "site_lines": [
            {
                "service": line.service,
                "usd": round(line.usd, 2),
                "parts": render.parts_json(line.parts),
            }
            for line in e.lines
        ],
        "site_usd": round(e.site_usd, 2),
        "total_usd": round(e.total_usd, 2),
        "notes": [LOGS_NOTE],
        "summary": summary(e),
        "plane": render.as_json(e.plane),
    }
