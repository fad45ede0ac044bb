"""The AWS mode's keys, derived from one Secrets Manager secret.

The CDK stack generates one random secret (``{"master": "..."}``) and gives the Lambdas
its ARN, not its value: a key in a function's environment is readable by anyone who may
read the function's configuration. Each container reads the secret once and derives the
keys it needs with HKDF-SHA256, one ``info`` label per key, so one secret ($0.40/month)
serves both and neither can be computed from the other. A setting given explicitly wins.

Rotating the master would change the Fernet key, and webhook secrets sealed with the old
one could no longer be opened: the stack does not rotate it (see ``cdk/README.md``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError

MASTER_KEY = "master"
MIN_MASTER_CHARS = 32


@dataclass(frozen=True)
class DerivedKeys:
    """The keys one master secret yields."""

    secret_key: str  # a Fernet key: 32 url-safe base64-encoded bytes
    web_secret: str  # 64 hex characters


def _hkdf(master: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master.encode())


def derive_keys(master: str) -> DerivedKeys:
    """Derive the Fernet key and the web secret from ``master``; raise ConfigError if short."""
    if len(master) < MIN_MASTER_CHARS:
        raise ConfigError(f"the master secret needs at least {MIN_MASTER_CHARS} characters")
    return DerivedKeys(
        secret_key=base64.urlsafe_b64encode(_hkdf(master, b"edgesync secret_key")).decode(),
        web_secret=_hkdf(master, b"edgesync web_secret").hex(),
    )


def master_from_secret_string(text: str) -> str:
    """The master value of the secret's JSON; raise ConfigError naming what is wrong."""
    try:
        document = json.loads(text)
    except ValueError:
        raise ConfigError("the EDGESYNC_CLOUD_SECRETS_ARN secret is not JSON") from None
    master = document.get(MASTER_KEY) if isinstance(document, dict) else None
    if not isinstance(master, str):
        raise ConfigError(f'the EDGESYNC_CLOUD_SECRETS_ARN secret needs a "{MASTER_KEY}" string')
    return master


def with_secrets(settings: CloudSettings, client: Any = None) -> CloudSettings:
    """``settings`` with the keys it lacks derived from its secret (unchanged without one)."""
    if settings.secrets_arn is None:
        return settings
    if settings.secret_key is not None and settings.web_secret is not None:
        return settings  # nothing to derive: no call
    if client is None:
        import boto3  # only AWS mode reaches here

        client = boto3.client("secretsmanager", region_name=settings.aws_region)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        text = client.get_secret_value(SecretId=settings.secrets_arn)["SecretString"]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(
            f"cannot read the secret EDGESYNC_CLOUD_SECRETS_ARN={settings.secrets_arn}: {exc}"
        ) from None
    keys = derive_keys(master_from_secret_string(text))
    update: dict[str, SecretStr] = {}
    if settings.secret_key is None:
        update["secret_key"] = SecretStr(keys.secret_key)
    if settings.web_secret is None:
        update["web_secret"] = SecretStr(keys.web_secret)
    return settings.model_copy(update=update)
