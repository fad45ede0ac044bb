"""AWS list prices in us-east-1 (US East, N. Virginia), USD, each with where it was read and when.

Region: us-east-1, the cheapest and the one most price pages quote; other regions cost
roughly 0-25 % more (eu-west-2, where the tests run moto, is one of the dearer ones).

``verified`` says how far each figure was checked on 2026-12-04, the full-cloud stack's on
2026-12-06 (``FULL_CLOUD_TAKEN``): no direct access to aws.amazon.com from here, the
project's search index of public pages was used:

- ``aws``: read on an AWS page or AWS document in the index;
- ``secondary``: read on a third-party page quoting the AWS page (named in ``seen_at``);
- ``unverified``: the AWS list price as last known (2024-2025), not found in the index.

Free tiers (``free_per_month``) are the always-free allowances per account and region; the
estimate prices every line without them (another workload in the account may use them) and
reports what they would take off apart.
"""

from __future__ import annotations

from dataclasses import dataclass

REGION = "us-east-1"
TAKEN = "2026-12-04"


@dataclass(frozen=True)
class Price:
    """One list price: ``usd`` per ``unit``."""

    usd: float
    unit: str
    source: str  # the AWS pricing page the figure belongs to
    verified: str  # aws | secondary | unverified (module docstring)
    seen_at: str = ""  # where it was read, when that is not ``source``
    free_per_month: float = 0.0  # always-free units per account and region
    taken: str = TAKEN

    def __post_init__(self) -> None:
        if self.verified not in {"aws", "secondary", "unverified"}:
            raise ValueError(f"verified must be aws, secondary or unverified, not {self.verified}")


DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
LAMBDA = "https://aws.amazon.com/lambda/pricing/"
APIGW = "https://aws.amazon.com/api-gateway/pricing/"
SQS = "https://aws.amazon.com/sqs/pricing/"
SECRETS = "https://aws.amazon.com/secrets-manager/pricing/"
CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
COGNITO = "https://aws.amazon.com/cognito/pricing/"
SES = "https://aws.amazon.com/ses/pricing/"
SNS_SMS = "https://aws.amazon.com/sns/sms-pricing/"
EVENTBRIDGE = "https://aws.amazon.com/eventbridge/pricing/"
FARGATE = "https://aws.amazon.com/fargate/pricing/"
RDS = "https://aws.amazon.com/rds/postgresql/pricing/"
ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/"
VPC = "https://aws.amazon.com/vpc/pricing/"
S3 = "https://aws.amazon.com/s3/pricing/"

FULL_CLOUD_TAKEN = "2026-12-06"  # the full-cloud stack's prices (issue 11), read as above


def _full_cloud(usd: float, unit: str, source: str, verified: str, seen_at: str = "") -> Price:
    return Price(usd, unit, source, verified, seen_at=seen_at, taken=FULL_CLOUD_TAKEN)


PRICES: dict[str, Price] = {
    # DynamoDB, on-demand, Standard table class. Request prices halved in November 2024.
    "dynamodb_write_million": Price(
        0.625,
        "million write request units",
        DYNAMODB,
        "secondary",
        seen_at="bench/dynamo (the project's own figure since issue 9); AWS announced the "
        "cut on 2024-11-14 (What's New: 'reduces prices for on-demand throughput by 50%')",
    ),
    "dynamodb_read_million": Price(
        0.125,
        "million read request units",
        DYNAMODB,
        "secondary",
        seen_at="bench/dynamo; the same November 2024 cut",
    ),
    "dynamodb_storage_gb_month": Price(
        0.25,
        "GB-month of table storage",
        "https://aws.amazon.com/dynamodb/pricing/",
        "aws",
        seen_at="aws.amazon.com/dynamodb/pricing/ ('first 25 GB ... free, ... $0.25 per "
        "GB-month thereafter')",
        free_per_month=25.0,
    ),
    "dynamodb_pitr_gb_month": Price(
        0.20,
        "GB-month of table size with point-in-time recovery",
        DYNAMODB,
        "secondary",
        seen_at="finops.com.py/services/dynamodb/backups ('$0.20 per GB-month')",
    ),
    # Lambda, x86_64 (the CDK app's architecture), first duration tier.
    "lambda_request_million": Price(
        0.20,
        "million invocations",
        LAMBDA,
        "aws",
        seen_at="docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html",
        free_per_month=1.0,
    ),
    "lambda_gb_second": Price(
        0.0000166667,
        "GB-second (x86_64, 1 ms granularity)",
        LAMBDA,
        "aws",
        seen_at="docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html "
        "($0.00001667) and cloudchipr.com/blog/aws-lambda-pricing ($0.0000166667)",
        free_per_month=400_000.0,
    ),
    # API Gateway HTTP API: first 300 million a month; a request is metered per 512 KB.
    "http_api_million": Price(
        1.00,
        "million HTTP API requests",
        APIGW,
        "secondary",
        seen_at="awsforengineers.com/blog/aws-api-gateway-pricing-explained; 512 KB metering "
        "in the AWS private-APIs whitepaper (free tier: 12 months only, not counted)",
    ),
    # SQS standard queue: per 64 KB chunk of a request.
    "sqs_million": Price(
        0.40,
        "million SQS requests (64 KB chunks)",
        SQS,
        "secondary",
        seen_at="cloudburn.io/blog/amazon-sqs-pricing (March 2026)",
        free_per_month=1.0,
    ),
    "secret_month": Price(
        0.40,
        "secret-month",
        SECRETS,
        "secondary",
        seen_at="hivebook.wiki/wiki/aws-secrets-manager-... ('$0.40 per secret per month')",
    ),
    "secrets_api_10k": Price(
        0.05,
        "10,000 Secrets Manager API calls",
        SECRETS,
        "secondary",
        seen_at="hivebook.wiki (as above)",
    ),
    "logs_ingest_gb": Price(
        0.50,
        "GB of CloudWatch Logs ingested (standard class)",
        CLOUDWATCH,
        "secondary",
        seen_at="factualminds.com/blog/amazon-cloudwatch-pricing-... (June 2026)",
        free_per_month=5.0,
    ),
    "logs_storage_gb_month": Price(
        0.03,
        "GB-month of CloudWatch Logs stored (compressed)",
        CLOUDWATCH,
        "unverified",
    ),
    "alarm_month": Price(
        0.10,
        "standard-resolution alarm-month",
        CLOUDWATCH,
        "unverified",
        free_per_month=10.0,
    ),
    "dashboard_month": Price(
        3.00,
        "dashboard-month",
        CLOUDWATCH,
        "secondary",
        seen_at="factualminds.com (as above: 'dashboards at $3 each'); the first 3 are free",
        free_per_month=3.0,
    ),
    # Cognito user pools, Lite or Essentials: 10,000 MAU free a month, then per MAU.
    "cognito_mau": Price(
        0.015,
        "monthly active user above the free 10,000 (Essentials)",
        COGNITO,
        "unverified",
        seen_at="free 10,000 MAU (Lite/Essentials) in the index: an AWS-hosted course page "
        "(kp-dev.../docs/services/cognito); the per-MAU price is not",
    ),
    "ses_thousand": Price(
        0.10,
        "1,000 emails sent",
        SES,
        "secondary",
        seen_at="acecloudinterviews.com/tutorials/aws/ses/ ('$0.10 per thousand emails')",
    ),
    # EventBridge: a scheduled rule on the default bus invokes its target at no charge.
    "eventbridge_schedule": Price(0.0, "scheduled rule invocation", EVENTBRIDGE, "unverified"),
    # SNS SMS to US numbers (toll-free origination; carrier fees extra): excluded from the goal.
    "sms_us_message": Price(
        0.00581,
        "SMS message part to a US number, before carrier fees",
        SNS_SMS,
        "unverified",
    ),
    # -- the full-cloud site stack (issue 11: ``full_cloud.py``), on demand, Linux x86_64 --
    "fargate_vcpu_hour": _full_cloud(
        0.04048,
        "Fargate vCPU-hour (Linux, x86_64)",
        FARGATE,
        "secondary",
        seen_at="factualminds.com/blog/amazon-fargate-ecs-task-pricing-2026 (June 2026) and "
        "vantage.sh/blog/fargate-pricing ('Linux/x86 $0.04048')",
    ),
    "fargate_gb_hour": _full_cloud(
        0.004445,
        "Fargate GB-hour of memory (Linux, x86_64)",
        FARGATE,
        "secondary",
        seen_at="the same two pages ('$0.004445 per GB-hour'); 20 GB of ephemeral storage "
        "a task is included",
    ),
    "rds_t4g_small_hour": _full_cloud(
        0.032,
        "db.t4g.small PostgreSQL instance-hour, single-AZ",
        RDS,
        "secondary",
        seen_at="infratally.com/articles/aws-rds-pricing-explained-2026 ('db.t4g.small ... "
        "$0.032' single-AZ, multi-AZ double); T4g unlimited CPU credits extra if sustained",
    ),
    "rds_gp3_gb_month": _full_cloud(
        0.115,
        "GB-month of RDS gp3 storage (3,000 IOPS, 125 MB/s included)",
        RDS,
        "secondary",
        seen_at="usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator (June 2026)",
    ),
    "rds_backup_gb_month": _full_cloud(
        0.095,
        "GB-month of RDS backup storage beyond the provisioned size",
        RDS,
        "secondary",
        seen_at="usage.ai (as above: 'free up to 100% of provisioned DB storage size')",
    ),
    "alb_hour": _full_cloud(
        0.0225,
        "Application Load Balancer-hour",
        ELB,
        "secondary",
        seen_at="cloud-horizons.com/blog/alb-the-line-item-nobody-watches (May 2026)",
    ),
    "alb_lcu_hour": _full_cloud(
        0.008,
        "ALB LCU-hour (the largest of its four dimensions)",
        ELB,
        "secondary",
        seen_at="cloud-horizons.com (as above; 25 new connections/s, 3,000 active "
        "connections/min, 1 GB/h processed, 1,000 rule evaluations/s each an LCU)",
    ),
    "public_ipv4_hour": _full_cloud(
        0.005,
        "public IPv4 address-hour (since 2024-02-01)",
        VPC,
        "secondary",
        seen_at="doit.com/aws-public-ipv4-price-increase-the-complete-guide ('$0.005/Hour "
        "($3.65/Month)', every resource with a public IP, load balancers included)",
    ),
    "efs_standard_gb_month": _full_cloud(
        0.30,
        "GB-month of EFS Standard storage",
        "https://aws.amazon.com/efs/pricing/",
        "aws",
    ),
    "backup_efs_gb_month": _full_cloud(
        0.05,
        "GB-month of AWS Backup storage of EFS (warm)",
        "https://aws.amazon.com/backup/pricing/",
        "unverified",
    ),
    "s3_standard_gb_month": _full_cloud(
        0.023,
        "GB-month of S3 Standard (first 50 TB)",
        S3,
        "secondary",
        seen_at="cloudburn.io/blog/amazon-s3-pricing (March 2026: 'S3 Standard costs "
        "$0.023/GB/month')",
    ),
    "s3_put_1k": _full_cloud(0.005, "1,000 S3 PUT, COPY, POST or LIST requests", S3, "unverified"),
    "s3_get_1k": _full_cloud(0.0004, "1,000 S3 GET requests", S3, "unverified"),
    "s3_delete": _full_cloud(0.0, "S3 DELETE request (free)", S3, "unverified"),
    "ecr_gb_month": _full_cloud(
        0.10,
        "GB-month of ECR image storage",
        "https://aws.amazon.com/ecr/pricing/",
        "unverified",
    ),
    "transfer_out_gb": _full_cloud(
        0.09,
        "GB out to the internet (first 10 TB; the account's 100 GB free not counted)",
        "https://aws.amazon.com/ec2/pricing/on-demand/",
        "unverified",
    ),
}


def price(name: str) -> Price:
    """Return the named price; KeyError names the unknown one."""
    try:
        return PRICES[name]
    except KeyError:
        raise KeyError(f"no price {name!r}; known: {', '.join(sorted(PRICES))}") from None
