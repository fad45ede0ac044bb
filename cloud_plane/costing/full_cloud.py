"""What one full-cloud site (issue 11) uses in a month: the CDK stack's resources and the load.

The stack (docs: the full-cloud design; ``Stack`` mirrors its sizes and counts): a VPC of 2
AZs with no NAT gateway (an S3 gateway endpoint, free); an internet-facing ALB with TLS;
the node API on ECS Fargate (2 tasks of 0.5 vCPU / 1 GiB, x86_64, each with a public IPv4
address) and the sync agent (1 task of 0.25 vCPU / 0.5 GiB, a public IPv4 too); RDS
PostgreSQL 16 db.t4g.small, single-AZ, gp3 20 GiB autoscaling to 1000, backups 7 days;
the images bucket (S3 Standard, server access logs); EFS for the data dir (a key, a lock,
a report: kilobytes); the RDS credentials in Secrets Manager; CloudWatch logs kept 30 days;
the container image in the CDK assets' ECR repository.

The load: every read is one ``POST /api/v1/detections`` through the ALB (its image and a
little metadata), one access-log line, one S3 PUT, and in time one S3 DELETE (retention);
its row lives in PostgreSQL for the node's metadata retention (400 days by default).
A 30-day month (720 hours), like the hybrid estimate (``usage.MINUTES_PER_MONTH``).
Autoscaling is priced at its minimum (2 API tasks): the seed's 3.3 reads a second are a
fraction of one task's throughput (``bench.ingest``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from cloud_plane.costing.usage import GIB, MINUTES_PER_MONTH, rounded

HOURS_PER_MONTH = MINUTES_PER_MONTH / 60  # 720
GB = 1e9  # ALB LCUs and data transfer count decimal gigabytes


@dataclass(frozen=True)
class SiteInputs:
    """One site's load and the node's retention settings."""

    cameras: int
    reads_per_minute: float  # per camera
    # The camera simulator's default picture (`edgesync camera simulate --image-size`
    # 50,000 B) and bench.ingest's; the demo sends 30,000 B.
    image_kb: float = 50.0
    image_retention_days: int = 30  # EDGESYNC_NODE_IMAGE_RETENTION_DAYS
    hit_image_retention_days: int = 365  # EDGESYNC_NODE_HIT_IMAGE_RETENTION_DAYS
    metadata_retention_days: int = 400  # EDGESYNC_NODE_METADATA_RETENTION_DAYS
    hits_per_month: int = 30  # hotlist hits (their images are kept hit_image_retention_days)
    multi_az: bool = False  # the stack's multiAz option: a standby instance and its storage

    def __post_init__(self) -> None:
        for name in ("cameras", "reads_per_minute", "image_kb", "image_retention_days",
                     "hit_image_retention_days", "metadata_retention_days"):  # fmt: skip
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.hits_per_month < 0:
            raise ValueError(f"hits_per_month must not be negative, not {self.hits_per_month}")


@dataclass(frozen=True)
class Stack:
    """The full-cloud stack's priced resources (the design's sizes and counts)."""

    api_tasks: int = 2  # min 2, max 6; priced at the minimum
    api_vcpu: float = 0.5
    api_gib: float = 1.0
    agent_tasks: int = 1  # exactly one, never two
    agent_vcpu: float = 0.25
    agent_gib: float = 0.5
    alb_public_ips: int = 2  # an internet-facing ALB holds one per AZ (2 AZs)
    rds_allocated_gib: float = 20.0
    rds_max_allocated_gib: float = 1000.0
    rds_backup_days: int = 7
    secrets: int = 1  # the RDS credentials
    log_retention_days: int = 30

    @property
    def public_ips(self) -> int:
        """Every task has one (no NAT gateway) and the ALB has its own."""
        return self.api_tasks + self.agent_tasks + self.alb_public_ips


@dataclass(frozen=True)
class SiteAssumptions:
    """What nothing here measured, or measured elsewhere (each said in the JSON)."""

    # PostgreSQL bytes per read, the detections table with its indexes: bench.search's node
    # database on PostgreSQL (2026-12-06, 576,000 reads bulk-loaded: 354.5 MB). A live table
    # (indexes filled row by row, the retention's deletes) is somewhat larger: a lower bound.
    db_bytes_per_read: float = 615.0
    # The plate dictionary (plate_index + plate_rotations): 806 B a key in the same database;
    # keys: bench.search's regional pool of 2 M vehicles and the misreads (an assumption).
    db_bytes_per_key: float = 806.0
    dictionary_keys: float = 2_500_000.0
    # RDS storage autoscaling grows the volume when under 10 % is free.
    rds_fill: float = 0.9
    # Snapshots are incremental: each day's changed pages (rows written and rows deleted).
    backup_churn: float = 2.0
    request_overhead_bytes: int = 1_500  # multipart framing, metadata JSON, headers, the reply
    new_connections_per_read: float = 1.0  # a camera's POST on a fresh connection (worst case)
    access_log_bytes: int = 210  # one JSON uvicorn access line (with its request id)
    health_check_s: float = 30.0  # the ALB's target health check period, per API task
    agent_log_bytes_per_hour: int = 1_000  # the agent logs little when all is well
    image_gets_per_read: float = 0.1  # images opened in the UI, sent to the cloud for hits
    s3_log_bytes: int = 350  # one S3 server access-log line
    alb_log_bytes: int = 60  # one ALB access-log line, gzipped by the ALB
    access_log_keep_days: int = 90  # the logs bucket's expiry (not set by the design)
    reply_bytes_out: int = 400  # the 201 and its headers, back to the camera
    sync_bytes_per_read: int = 150  # the agent's push to the cloud plane, compressed
    efs_gib: float = 0.01  # the signing key, the agent lock, image-check.json
    secrets_calls: int = 100  # GetSecretValue at each task start
    ecr_image_gib: float = 0.25  # the Dockerfile's image, compressed (python:3.11-slim base)


@dataclass
class SiteUsage:
    """One site's month: every quantity the full-cloud estimate prices."""

    reads: float
    api_vcpu_hours: float
    api_gb_hours: float
    agent_vcpu_hours: float
    agent_gb_hours: float
    rds_instance_hours: float
    db_gib: float
    rds_storage_gib: float  # provisioned (billed), both instances with multi-AZ
    rds_needed_gib: float  # what autoscaling would provision for the data, one instance
    rds_over_max: bool  # the data outgrows the stack's storage autoscaling limit
    backup_beyond_free_gib: float
    alb_hours: float
    lcu: float
    lcu_by_dimension: dict[str, float]
    ipv4_hours: float
    image_gib: float
    puts: float
    gets: float
    lists: float
    deletes: float
    access_log_gib: float
    log_gib: float
    log_stored_gib: float
    efs_gib: float
    secrets: int
    secrets_calls: float
    ecr_gib: float
    transfer_out_gb: float

    def as_dict(self) -> dict:
        """Plain values, rounded for reading."""
        return {k: rounded(v) for k, v in asdict(self).items()}


def lcu_by_dimension(i: SiteInputs, a: SiteAssumptions) -> dict[str, float]:
    """The ALB's LCUs in an hour by dimension (billed: the largest); rules: 1, under the 10
    free ones."""
    reads_s = i.cameras * i.reads_per_minute / 60
    return {
        "new connections": reads_s * a.new_connections_per_read / 25,
        "active connections": i.cameras * i.reads_per_minute * a.new_connections_per_read / 3000,
        "processed bytes": reads_s * 3600 * (i.image_kb * 1000 + a.request_overhead_bytes) / GB,
        "rule evaluations": 0.0,
    }


def db_gib(i: SiteInputs, a: SiteAssumptions) -> float:
    """The node's database once it holds a metadata retention of reads (steady state)."""
    reads = i.cameras * i.reads_per_minute * 60 * 24 * i.metadata_retention_days
    return (reads * a.db_bytes_per_read + a.dictionary_keys * a.db_bytes_per_key) / GIB


def site_usage(
    i: SiteInputs, s: Stack | None = None, a: SiteAssumptions | None = None
) -> SiteUsage:
    """The month of one full-cloud site."""
    s, a = s or Stack(), a or SiteAssumptions()
    hours = HOURS_PER_MONTH
    reads_day = i.cameras * i.reads_per_minute * 60 * 24
    reads = reads_day * 30
    image_bytes = i.image_kb * 1000

    data = db_gib(i, a)
    needed = max(s.rds_allocated_gib, math.ceil(data / a.rds_fill))
    over = needed > s.rds_max_allocated_gib
    provisioned = min(needed, s.rds_max_allocated_gib)
    copies = 2 if i.multi_az else 1
    # Backups: the first snapshot (the data) and the retention's days of changed pages; free
    # up to the provisioned size.
    backup = data + s.rds_backup_days * reads_day * a.db_bytes_per_read * a.backup_churn / GIB

    lcus = lcu_by_dimension(i, a)
    health_lines = s.api_tasks * 3600 / a.health_check_s * hours
    log_bytes = (reads + health_lines) * a.access_log_bytes + a.agent_log_bytes_per_hour * hours
    hit_images = i.hits_per_month / 30 * i.hit_image_retention_days
    gets = reads * a.image_gets_per_read + i.hits_per_month
    # Retention deletes in batches (DeleteObjects, free) after listing the prefix (LIST).
    requests = reads + gets + reads
    return SiteUsage(
        reads=reads,
        api_vcpu_hours=s.api_tasks * s.api_vcpu * hours,
        api_gb_hours=s.api_tasks * s.api_gib * hours,
        agent_vcpu_hours=s.agent_tasks * s.agent_vcpu * hours,
        agent_gb_hours=s.agent_tasks * s.agent_gib * hours,
        rds_instance_hours=copies * hours,
        db_gib=data,
        rds_storage_gib=copies * provisioned,
        rds_needed_gib=needed,
        rds_over_max=over,
        backup_beyond_free_gib=max(0.0, backup - provisioned),
        alb_hours=hours,
        lcu=max(lcus.values()),
        lcu_by_dimension=lcus,
        ipv4_hours=s.public_ips * hours,
        image_gib=(reads_day * i.image_retention_days + hit_images) * image_bytes / GIB,
        puts=reads,
        gets=gets,
        lists=reads / 1000,
        deletes=reads,
        access_log_gib=(requests * a.s3_log_bytes + reads * a.alb_log_bytes)
        * a.access_log_keep_days
        / 30
        / GIB,
        log_gib=log_bytes / GIB,
        log_stored_gib=log_bytes / GIB * s.log_retention_days / 30,
        efs_gib=a.efs_gib,
        secrets=s.secrets,
        secrets_calls=a.secrets_calls,
        ecr_gib=a.ecr_image_gib,
        transfer_out_gb=reads * (a.reply_bytes_out + a.sync_bytes_per_read) / GB,
    )
