"""Staff sign-in: the Cognito user pool, its app client and the role groups.

What the app expects (``cloud_plane/auth/cognito.py``): usernames are free-form (no
``UsernameAttributes``; the app uses the email address as the username and sets the
``email`` attribute itself), users are created by an admin with a permanent password
(no self sign-up, no invitation email), sign-in is ``USER_PASSWORD_AUTH`` from the API
Lambda with a public client (no secret), and roles are the groups admin, manager, viewer
(site scope: ``site:<id>`` groups the app creates itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from cloud_plane.records.users import ROLES
from cloud_plane.web.refresh_cookie import REFRESH_COOKIE_MAX_AGE_S
from edgesync_cdk.nag import suppress

MIN_PASSWORD_LENGTH = 12
# The access token is also the dashboard's session cookie; the page renews it with the
# refresh token when it expires, so an hour bounds how long a revoked session's token
# still verifies at the gateway without making anyone sign in again.
ACCESS_TOKEN_VALIDITY = Duration.hours(1)
# As long as the dashboard keeps the sealed refresh token (web/refresh_cookie.py).
REFRESH_TOKEN_VALIDITY = Duration.seconds(REFRESH_COOKIE_MAX_AGE_S)


@dataclass(frozen=True)
class StaffDirectory:
    """The pool and the one client the cloud signs staff in with."""

    user_pool: cognito.UserPool
    client: cognito.UserPoolClient


def staff_directory(scope: Construct, construct_id: str) -> StaffDirectory:
    """Create the user pool, its app client and the role groups under ``scope``."""
    pool = cognito.UserPool(
        scope,
        construct_id,
        self_sign_up_enabled=False,
        # Username only (no UsernameAttributes): the app picks usernames (email addresses).
        sign_in_aliases=cognito.SignInAliases(username=True),
        # "Alice@x" and "alice@x" are one person to staff typing them.
        sign_in_case_sensitive=False,
        password_policy=cognito.PasswordPolicy(
            min_length=MIN_PASSWORD_LENGTH,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
            temp_password_validity=Duration.days(3),
        ),
        # Optional, TOTP only: SMS codes would cost per message. A user who turns MFA on
        # cannot sign in through the dashboard yet (it answers the challenge as refused).
        mfa=cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        # Lite: everything the app uses (passwords, groups, TOTP, token revocation); threat
        # protection ("advanced security") needs Plus, priced per monthly active user.
        feature_plan=cognito.FeaturePlan.LITE,
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    suppress(
        pool,
        "COG2",
        "MFA is optional (TOTP) rather than required: the dashboard's sign-in does not "
        "answer MFA challenges yet; staff who need it enable it per user",
    )
    suppress(
        pool,
        "COG8",
        "Threat protection (advanced security) is off by default: it needs the Plus "
        "feature plan, priced per monthly active user, for a pool of a few staff users "
        "created by an admin with self sign-up off; turn it on by changing the plan",
    )
    client = pool.add_client(
        "Dashboard",
        generate_secret=False,  # the API Lambda calls InitiateAuth without a secret hash
        auth_flows=cognito.AuthFlow(user_password=True),  # + ALLOW_REFRESH_TOKEN_AUTH
        disable_o_auth=True,  # no hosted UI: sign-in is the dashboard's own form
        prevent_user_existence_errors=True,
        access_token_validity=ACCESS_TOKEN_VALIDITY,
        id_token_validity=ACCESS_TOKEN_VALIDITY,
        refresh_token_validity=REFRESH_TOKEN_VALIDITY,
        enable_token_revocation=True,  # admin sign-out and disabling end refresh tokens
    )
    for role in ROLES:
        cognito.CfnUserPoolGroup(
            scope,
            f"{construct_id}Group{role.title()}",
            user_pool_id=pool.user_pool_id,
            group_name=role,
            description=f"edgesync role {role}",
        )
    return StaffDirectory(user_pool=pool, client=client)
