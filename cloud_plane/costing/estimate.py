"""Usage x prices: one line per AWS service, its parts, the total, the free tiers apart."""

from __future__ import annotations

from dataclasses import dataclass, field

from cloud_plane.costing.prices import price
from cloud_plane.costing.usage import Assumptions, Inputs, Usage, usage

GOAL_USD = 10.0  # the hybrid plane's goal: under $10 a month excluding SMS (issue 10)
# The customer's own estimate of their full-cloud phase ("lift and shift" to ECS Fargate and
# RDS), a month for 20 cameras: their brief, quoted in issue 11.
CUSTOMER_FULL_CLOUD_USD = (150.0, 250.0)
CUSTOMER_FULL_CLOUD_CAMERAS = 20
COGNITO_FREE_MAU = 10_000


@dataclass(frozen=True)
class Part:
    """One priced quantity: ``quantity`` units of ``price_name``."""

    item: str
    quantity: float
    price_name: str

    @property
    def usd(self) -> float:
        """Cost without free tier."""
        p = price(self.price_name)
        return self.quantity * p.usd / _per(p.unit)

    @property
    def free_usd(self) -> float:
        """What the always-free allowance would take off this part."""
        p = price(self.price_name)
        return min(self.quantity / _per(p.unit), p.free_per_month) * p.usd


def _per(unit: str) -> float:
    """How many of the quantity's units one priced unit holds ("million ..." = 1e6)."""
    for word, n in (("million", 1e6), ("10,000", 1e4), ("1,000", 1e3)):
        if unit.startswith(word):
            return n
    return 1.0


@dataclass
class Line:
    """One AWS service's month."""

    service: str
    parts: list[Part] = field(default_factory=list)
    excluded: bool = False  # SMS: priced apart, not in the total (issue 10)

    @property
    def usd(self) -> float:
        """The service's cost, no free tier."""
        return sum(p.usd for p in self.parts)

    @property
    def free_usd(self) -> float:
        """What free tiers would take off."""
        return sum(p.free_usd for p in self.parts)


@dataclass
class Estimate:
    """Every line, the total and what the inputs and assumptions were."""

    inputs: Inputs
    assumptions: Assumptions
    usage: Usage
    lines: list[Line]

    @property
    def total_usd(self) -> float:
        """The month excluding SMS, no free tier."""
        return sum(line.usd for line in self.lines if not line.excluded)

    @property
    def free_tier_usd(self) -> float:
        """What the always-free tiers would take off the total (if nothing else uses them)."""
        return sum(line.free_usd for line in self.lines if not line.excluded)

    def dominant(self) -> Line:
        """The dearest line in the total."""
        return max((line for line in self.lines if not line.excluded), key=lambda line: line.usd)


def lines_for(u: Usage, a: Assumptions) -> list[Line]:
    """Price a month of usage, service by service."""
    wu, ru = u.write_units, u.read_units
    return [
        Line("DynamoDB", [
            Part("write request units", sum(wu.values()), "dynamodb_write_million"),
            Part("read request units", sum(ru.values()), "dynamodb_read_million"),
            Part("table storage (GB-month)", u.table_gib, "dynamodb_storage_gb_month"),
            Part("point-in-time recovery (GB-month)", u.table_gib, "dynamodb_pitr_gb_month"),
        ]),
        Line("Lambda", [
            Part("invocations", sum(u.invocations.values()), "lambda_request_million"),
            Part("duration (GB-s)", sum(u.gb_seconds.values()), "lambda_gb_second"),
        ]),
        Line("API Gateway (HTTP API)", [
            Part("requests", u.api_requests, "http_api_million"),
        ]),
        Line("CloudWatch", [
            Part("logs ingested (GB)", u.log_gib, "logs_ingest_gb"),
            Part("logs stored (GB-month)", u.log_stored_gib, "logs_storage_gb_month"),
            Part("alarms", a.alarms, "alarm_month"),
            Part("dashboards", a.dashboards, "dashboard_month"),
        ]),
        Line("SQS", [Part("requests", u.sqs_requests, "sqs_million")]),
        Line("Secrets Manager", [
            Part("secrets", 1, "secret_month"),
            Part("API calls", u.secrets_calls, "secrets_api_10k"),
        ]),
        Line("Cognito", [
            # Lite/Essentials bill only the MAU above 10,000 (priced so, not a free tier).
            Part("staff MAU above 10,000", max(0, u.staff_mau - COGNITO_FREE_MAU), "cognito_mau"),
        ]),
        Line("SES", [Part("emails", u.emails, "ses_thousand")]),
        Line("EventBridge", [
            Part("monitor schedule runs", u.invocations["monitor"], "eventbridge_schedule"),
        ]),
        Line("SNS SMS (US, excluded)", [Part("messages", u.sms, "sms_us_message")],
             excluded=True),
    ]  # fmt: skip


def estimate(inputs: Inputs, assumptions: Assumptions | None = None) -> Estimate:
    """The month of ``inputs``: usage, priced."""
    a = assumptions or Assumptions()
    u = usage(inputs, a)
    return Estimate(inputs, a, u, lines_for(u, a))
