"""cdk-nag: the AwsSolutions checks on the app, and suppressions that always carry a reason."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import App, Aspects
from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct


def check_app(app: App) -> None:
    """Run the AwsSolutions pack over every stack of ``app`` at synthesis."""
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))


def suppress(
    construct: IConstruct,
    rule: str,
    reason: str,
    *,
    applies_to: Sequence[str | RegexAppliesTo] | None = None,
    children: bool = False,
) -> None:
    """Suppress ``AwsSolutions-<rule>`` on ``construct`` (``children``: and what it contains).

    ``applies_to`` narrows an IAM4/IAM5 suppression to the named policy or resource
    finding, so a new wildcard elsewhere in the same policy is still reported.
    """
    if len(reason) < 10:
        raise ValueError(f"the suppression of {rule} needs a real reason, not {reason!r}")
    NagSuppressions.add_resource_suppressions(
        construct,
        [NagPackSuppression(id=f"AwsSolutions-{rule}", reason=reason, applies_to=applies_to)],
        apply_to_children=children,
    )
