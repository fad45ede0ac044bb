"""What each Lambda of the AWS mode needs configured: one list, read by two.

``runtime.Container`` refuses to build a handler whose settings miss one of these (a clear
ConfigError at the first invocation rather than a half-working function), and the CDK
app's env-contract test checks that the stack sets every one of them for each function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cloud_plane.config import CloudSettings
from sync_protocol.grouped_settings import flat_settings

ENV_PREFIX = "EDGESYNC_CLOUD_"

Role = Literal["api", "delivery", "monitor"]
ROLES: tuple[Role, ...] = ("api", "delivery", "monitor")


@dataclass(frozen=True)
class Requirement:
    """A setting (dotted for grouped ones, e.g. ``alerts.sms``) and the value it must have."""

    setting: str
    env: str
    equals: str | None = None  # None: any value but unset
    # Checked against the stack only, not by the runtime: the handler tests run the API over
    # DynamoDB with the local issuer (moto cannot serve Cognito's JWKS in-process).
    deploy_only: bool = False

    def met_by(self, settings: CloudSettings) -> bool:
        """Whether ``settings`` satisfy this requirement."""
        value: object = settings
        for part in self.setting.split("."):
            value = getattr(value, part)
        if self.equals is None:
            return value is not None and value != ""
        return value == self.equals


def cloud_env_names() -> dict[str, tuple[str, ...]]:
    """Every EDGESYNC_CLOUD_* variable the cloud's settings read -> its attribute path."""
    return {ENV_PREFIX + flat.upper(): path for flat, path in flat_settings(CloudSettings).items()}


_ENV_OF_PATH = {path: env for env, path in cloud_env_names().items()}


def _need(setting: str, equals: str | None = None, *, deploy_only: bool = False) -> Requirement:
    return Requirement(setting, _ENV_OF_PATH[tuple(setting.split("."))], equals, deploy_only)


_STORE = (_need("store", "dynamodb"), _need("table"))
# Sealing keys: either given, or derived from the secret (checked after derivation).
_SECRET_KEY = _need("secret_key")
_QUEUE = (_need("delivery_queue_url"), _need("delivery_dlq_url"))
_CHANNELS = (_need("alerts.sms", "sns"), _need("alerts.email", "ses"), _need("alerts.ses_from"))

REQUIREMENTS: dict[Role, tuple[Requirement, ...]] = {
    # The API raises alerts (node exchanges) and enqueues their deliveries; links in
    # messages and the dashboard's own URLs use the public URL.
    "api": (
        *_STORE,
        _SECRET_KEY,
        _need("web_secret"),
        _need("auth", "cognito", deploy_only=True),
        _need("cognito_user_pool_id", deploy_only=True),
        _need("cognito_client_id", deploy_only=True),
        *_QUEUE,
        _need("public_url"),
    ),
    "delivery": (*_STORE, _SECRET_KEY, *_QUEUE, *_CHANNELS, _need("public_url")),
    # The monitor raises site-health alerts and sweeps lost delivery messages.
    "monitor": (*_STORE, _SECRET_KEY, *_QUEUE, _need("public_url")),
}


def missing(settings: CloudSettings, role: Role, *, deployed: bool = True) -> list[Requirement]:
    """The requirements of ``role`` that ``settings`` do not meet, in order (``deployed``
    False: only those the runtime checks)."""
    return [
        need
        for need in REQUIREMENTS[role]
        if (deployed or not need.deploy_only) and not need.met_by(settings)
    ]


def describe(unmet: list[Requirement]) -> str:
    """One line naming each unmet requirement as the environment variable to set."""
    return ", ".join(f"{need.env}={need.equals}" if need.equals else need.env for need in unmet)
