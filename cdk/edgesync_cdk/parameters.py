"""The CloudFormation parameters an operator sets on each deploy (``--parameters Name=value``).

Structural choices are context (``config.py``); these are values that change nothing
but a setting: the alert sender and the account's SMS spend limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnParameter
from constructs import Construct

# AWS's own default for a new account: SNS refuses a higher limit until Support raises the
# account's maximum, and a refused SetSMSAttributes would roll the whole deploy back.
DEFAULT_SMS_SPEND_LIMIT_USD = 1


@dataclass(frozen=True)
class DeployParameters:
    """The ControlPlane stack's parameters."""

    alert_sender: CfnParameter
    sms_monthly_spend_limit: CfnParameter


def deploy_parameters(scope: Construct) -> DeployParameters:
    """Declare the parameters in ``scope``'s stack (names are what the deploy guide shows)."""
    sender = CfnParameter(
        scope,
        "AlertSender",
        type="String",
        # An address, not a domain: it is also the From of every alert email.
        allowed_pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        constraint_description="an email address (alerts are sent from it; SES verifies it)",
        description="Email address alert emails come from; the stack creates its SES "
        "identity and SES mails a verification link to it",
    )
    limit = CfnParameter(
        scope,
        "SmsMonthlySpendLimit",
        type="Number",
        default=DEFAULT_SMS_SPEND_LIMIT_USD,
        min_value=0,
        description="USD per month the account may spend on SMS (SNS MonthlySpendLimit, "
        "account-wide; above 1 needs an SNS spend-limit increase from AWS Support first)",
    )
    return DeployParameters(alert_sender=sender, sms_monthly_spend_limit=limit)
