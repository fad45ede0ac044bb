"""Deploy-time choices: CDK context with defaults (``cdk deploy -c name=value``).

Structural choices (a custom domain, where alarms go, retention) are context, read at
synthesis; values an operator may change on each deploy without touching structure (the
alert sender, the SMS spend limit) are CloudFormation parameters (``stacks.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node

CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """The context of cdk/cdk.json (feature flags): what the CLI gives the app.

    The app passes it as its own defaults, so running ``app.py`` without the CLI (and the
    tests) synthesizes the same templates; the CLI's context still wins over it.
    """
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


# The API's own throttle, far above one company's traffic (a site's node pushes every
# few seconds; staff pages are a few requests a second): it bounds a runaway or hostile
# client's bill, not normal use.
DEFAULT_THROTTLE_RATE = 50
DEFAULT_THROTTLE_BURST = 100


@dataclass(frozen=True)
class DeployConfig:
    """What ``cdk deploy -c ...`` can choose; each default is the one a new company wants."""

    prefix: str = "Edgesync"
    log_retention_days: int = 90
    detection_retention_days: int | None = 90
    domain_name: str | None = None
    certificate_arn: str | None = None
    alarm_email: str | None = None
    throttle_rate: int = DEFAULT_THROTTLE_RATE
    throttle_burst: int = DEFAULT_THROTTLE_BURST
    api_memory_mb: int = 1024
    worker_memory_mb: int = 512
    # Full-cloud sites (issue 11): comma-separated names, one <prefix>Site-<name> stack
    # each (edgesync_cdk/full_cloud/); their options are fullCloud.* context.
    full_cloud_sites: str | None = None

    @property
    def log_retention(self) -> logs.RetentionDays:
        """The CloudWatch retention of every log group of the stack."""
        return logs.RetentionDays[_RETENTION_BY_DAYS[self.log_retention_days]]

    @classmethod
    def from_context(cls, node: Node) -> DeployConfig:
        """Read each field from the context key of its name (camelCase), else the default."""
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            raw = node.try_get_context(_camel(name))
            if raw is not None and raw != "":
                values[name] = _coerce(cls.__dataclass_fields__[name].type, raw)
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Raise ValueError naming a bad combination."""
        if self.log_retention_days not in _RETENTION_BY_DAYS:
            allowed = ", ".join(str(d) for d in sorted(_RETENTION_BY_DAYS))
            raise ValueError(f"logRetentionDays must be one of {allowed}")
        if (self.domain_name is None) != (self.certificate_arn is None):
            raise ValueError(
                "domainName and certificateArn go together (an ACM certificate "
                "for the domain, in the stack's region)"
            )
        days = self.detection_retention_days
        if days is not None and not 1 <= days <= 3650:  # the cloud's bounds (its Lambdas check)
            raise ValueError("detectionRetentionDays must be 1..3650 (or 0: keep forever)")


_RETENTION_BY_DAYS = {
    7: "ONE_WEEK",
    14: "TWO_WEEKS",
    30: "ONE_MONTH",
    90: "THREE_MONTHS",
    180: "SIX_MONTHS",
    365: "ONE_YEAR",
    731: "TWO_YEARS",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _coerce(annotation: Any, raw: Any) -> Any:
    kind = str(annotation)
    if "int" in kind:
        number = int(raw)
        # Context arrives as strings from -c; 0 means "none" for the optional retention.
        return None if number == 0 and "None" in kind else number
    return str(raw)
