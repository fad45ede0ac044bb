"""A full-cloud site's structural choices: CDK context, per site or for every site.

``cdk deploy -c fullCloudSites=depot-north,depot-south`` names the sites (``config.py``);
each option below is read from ``fullCloud.<site>.<key>`` first, then ``fullCloud.<key>``
(every site), then the default. Values that change nothing structural and must be given on
the first deploy (the ACM certificate) are CloudFormation parameters instead (``stack.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Literal

from aws_cdk import aws_logs as logs
from constructs import Node

from edgesync_cdk.config import DeployConfig
from local_node.config import RetentionSettings

Egress = Literal["public", "nat"]
EGRESSES: tuple[Egress, ...] = ("public", "nat")
# The tail of a stack name and of the RDS instance's identifier (no "--", no "-" at the end).
SITE_NAME = re.compile(r"^(?=.{1,40}$)[a-z0-9]+(-[a-z0-9]+)*$")
_HIT_IMAGE_DAYS = int(RetentionSettings.model_fields["hit_image_days"].default)


@dataclass(frozen=True)
class SiteConfig:
    """One site's stack shape; each default is the design's (cheapest that is sound)."""

    name: str
    # The site's region; unset: the CDK CLI's (CDK_DEFAULT_REGION, from the AWS profile).
    # The stack needs one: the ALB's access-log bucket policy names the region's ELB account.
    region: str | None = None
    # public: tasks in public subnets with a public IP (inbound only from the ALB), no NAT;
    # nat: tasks in private subnets behind one NAT gateway (policies forbidding public IPs).
    egress: Egress = "public"
    multi_az: bool = False
    api_desired_tasks: int = 2
    api_max_tasks: int = 6
    # ALB requests per target per minute past which the API scales out (target tracking).
    api_requests_per_target: int = 1000
    images_versioned: bool = False
    # Object lock (GOVERNANCE) retention of every image, days; 0: no object lock.
    images_lock_days: int = 0
    # The node keeps hit images this long (EDGESYNC_NODE_HIT_IMAGE_RETENTION_DAYS); S3
    # expires anything under the prefix a week after, as the backstop for orphans.
    hit_image_days: int = _HIT_IMAGE_DAYS
    log_retention_days: int = 30

    @classmethod
    def from_context(cls, node: Node, name: str) -> SiteConfig:
        """``name``'s options from context (``fullCloud.<name>.<key>``, ``fullCloud.<key>``)."""
        values: dict[str, Any] = {"name": name}
        for field in fields(cls):
            if field.name == "name":
                continue
            key = camel_case(field.name)
            for candidate in (f"fullCloud.{name}.{key}", f"fullCloud.{key}"):
                raw = node.try_get_context(candidate)
                if raw is not None and raw != "":
                    values[field.name] = _coerce(field.default, raw, candidate)
                    break
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Raise ValueError naming a bad value (before anything is deployed)."""
        if not SITE_NAME.match(self.name):
            raise ValueError(
                f"site name {self.name!r}: lower-case letters and digits, words joined by "
                "single '-' (at most 40 characters)"
            )
        if self.egress not in EGRESSES:
            raise ValueError(f"fullCloud.egress must be one of {', '.join(EGRESSES)}")
        if not 1 <= self.api_desired_tasks <= self.api_max_tasks:
            raise ValueError("fullCloud.apiDesiredTasks must be 1..apiMaxTasks")
        DeployConfig(log_retention_days=self.log_retention_days).check()  # one of CloudWatch's
        if self.images_lock_days < 0 or self.hit_image_days < 1:
            raise ValueError("fullCloud.imagesLockDays >= 0 and hitImageDays >= 1")

    @property
    def log_retention(self) -> logs.RetentionDays:
        """The CloudWatch retention of the site's log groups (the control plane's choices)."""
        return DeployConfig(log_retention_days=self.log_retention_days).log_retention

    @property
    def nat(self) -> bool:
        """Whether the tasks sit in private subnets behind a NAT gateway."""
        return self.egress == "nat"

    @property
    def image_expiry_days(self) -> int:
        """S3's backstop expiry of the images: a week past the node's longest keep."""
        return self.hit_image_days + 7


def site_names(raw: str | None) -> tuple[str, ...]:
    """The comma-separated ``fullCloudSites`` context as names (none when unset)."""
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def camel_case(name: str) -> str:
    """A field's context key: ``multi_az`` -> ``multiAz`` (as ``config.py``'s keys)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _coerce(default: Any, raw: Any, key: str) -> Any:
    """A -c string (or a cdk.json value) as the type of the field's default."""
    if isinstance(default, bool):
        text = str(raw).strip().lower()
        if text not in {"true", "false"}:
            raise ValueError(f"{key} must be true or false, not {raw!r}")
        return text == "true"
    if isinstance(default, int) and not isinstance(default, bool):
        return int(raw)
    return str(raw)
