"""The full-cloud site's month priced per AWS service, beside the hybrid plane's estimate.

A full-cloud site still syncs to the cloud plane (hotlists, alerts, the fleet's search), so
its whole bill is the site stack's plus the plane's (``estimate.estimate``). The hybrid
mode's bill is the plane alone: its sites run on the customer's hardware, not counted here.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloud_plane.costing.estimate import Estimate, Line, Part, estimate
from cloud_plane.costing.full_cloud import (
    SiteAssumptions,
    SiteInputs,
    SiteUsage,
    Stack,
    site_usage,
)
from cloud_plane.costing.usage import Inputs


def site_lines(u: SiteUsage, s: Stack, i: SiteInputs) -> list[Line]:
    """Price one site's month, service by service."""
    rds = f"{'multi-AZ' if i.multi_az else 'single-AZ'}"
    return [
        Line("ECS Fargate", [
            Part(f"API tasks vCPU-hours ({s.api_tasks} x {s.api_vcpu:g} vCPU)",
                 u.api_vcpu_hours, "fargate_vcpu_hour"),
            Part(f"API tasks GB-hours ({s.api_tasks} x {s.api_gib:g} GiB)",
                 u.api_gb_hours, "fargate_gb_hour"),
            Part(f"sync agent vCPU-hours ({s.agent_tasks} x {s.agent_vcpu:g} vCPU)",
                 u.agent_vcpu_hours, "fargate_vcpu_hour"),
            Part(f"sync agent GB-hours ({s.agent_tasks} x {s.agent_gib:g} GiB)",
                 u.agent_gb_hours, "fargate_gb_hour"),
        ]),
        Line("RDS PostgreSQL", [
            Part(f"db.t4g.small instance-hours ({rds})", u.rds_instance_hours,
                 "rds_t4g_small_hour"),
            Part("gp3 storage (GB-month, provisioned)", u.rds_storage_gib, "rds_gp3_gb_month"),
            Part("backup storage beyond the free (GB-month)", u.backup_beyond_free_gib,
                 "rds_backup_gb_month"),
        ]),
        Line("Application Load Balancer", [
            Part("ALB-hours", u.alb_hours, "alb_hour"),
            Part("LCU-hours", u.lcu * u.alb_hours, "alb_lcu_hour"),
        ]),
        Line("Public IPv4 addresses", [
            Part(f"address-hours ({s.api_tasks + s.agent_tasks} tasks + the ALB's "
                 f"{s.alb_public_ips})", u.ipv4_hours, "public_ipv4_hour"),
        ]),
        Line("S3 images", [
            Part("storage (GB-month)", u.image_gib, "s3_standard_gb_month"),
            Part("PUT requests", u.puts, "s3_put_1k"),
            Part("GET requests", u.gets, "s3_get_1k"),
            Part("LIST requests (retention)", u.lists, "s3_put_1k"),
            Part("DELETE requests (retention)", u.deletes, "s3_delete"),
        ]),
        Line("S3 access logs", [
            Part("ALB and S3 access logs (GB-month)", u.access_log_gib, "s3_standard_gb_month"),
        ]),
        Line("CloudWatch Logs", [
            Part("logs ingested (GB)", u.log_gib, "logs_ingest_gb"),
            Part("logs stored (GB-month)", u.log_stored_gib, "logs_storage_gb_month"),
        ]),
        Line("EFS", [
            Part("storage (GB-month)", u.efs_gib, "efs_standard_gb_month"),
            Part("backups (GB-month)", u.efs_gib, "backup_efs_gb_month"),
        ]),
        Line("Secrets Manager", [
            Part("secrets", u.secrets, "secret_month"),
            Part("API calls", u.secrets_calls, "secrets_api_10k"),
        ]),
        Line("ECR", [Part("container image (GB-month)", u.ecr_gib, "ecr_gb_month")]),
        Line("Data transfer out", [
            Part("replies and sync pushes (GB)", u.transfer_out_gb, "transfer_out_gb"),
        ]),
    ]  # fmt: skip


@dataclass
class FullCloudEstimate:
    """One site's stack, the plane it syncs to, and their sum for ``sites`` sites."""

    site_inputs: SiteInputs
    stack: Stack
    assumptions: SiteAssumptions
    usage: SiteUsage
    lines: list[Line]
    plane: Estimate  # the hybrid plane's estimate for the same sites

    @property
    def sites(self) -> int:
        """Sites alike (the plane's ``--sites``)."""
        return self.plane.inputs.sites

    @property
    def site_usd(self) -> float:
        """One site's stack a month."""
        return sum(line.usd for line in self.lines)

    @property
    def total_usd(self) -> float:
        """Every site's stack and the plane (excluding SMS, as the plane's total)."""
        return self.site_usd * self.sites + self.plane.total_usd

    def dominant(self) -> Line:
        """The site's dearest line."""
        return max(self.lines, key=lambda line: line.usd)


def full_cloud_estimate(
    plane_inputs: Inputs,
    site: SiteInputs,
    stack: Stack | None = None,
    assumptions: SiteAssumptions | None = None,
) -> FullCloudEstimate:
    """The month of ``plane_inputs.sites`` full-cloud sites like ``site`` and their plane."""
    s, a = stack or Stack(), assumptions or SiteAssumptions()
    u = site_usage(site, s, a)
    return FullCloudEstimate(site, s, a, u, site_lines(u, s, site), estimate(plane_inputs))
