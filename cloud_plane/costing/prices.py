"""AWS list prices in us-east-1 (US East, N. Virginia), USD, each with where it was read and when.

Region: us-east-1, the cheapest and the one most price pages quote; other regions cost
roughly 0-25 % more (eu-west-2, where the tests run moto, is one of the dearer ones).

``verified`` says how far each figure was checked on 2026-12-04 (no direct access to
aws.amazon.com from here; the project's search index of public pages was used):

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
}


def price(name: str) -> Price:
    """Return the named price; KeyError names the unknown one."""
    try:
        return PRICES[name]
    except KeyError:
        raise KeyError(f"no price {name!r}; known: {', '.join(sorted(PRICES))}") from None
