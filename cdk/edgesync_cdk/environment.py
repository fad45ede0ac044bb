"""Each Lambda's environment: the ``EDGESYNC_CLOUD_*`` settings the stack sets, by role.

No key or secret value goes here (anyone who may read a function's configuration reads
its environment): the functions get the secret's ARN and derive their keys from it
(``cloud_plane/aws/secrets.py``). ``AWS_REGION`` is Lambda's own (CloudSettings reads it).
The env-contract test holds this to ``cloud_plane.aws.requirements``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloud_plane.aws.requirements import Role

P = "EDGESYNC_CLOUD_"
# The API presigns uploads, reads and checks images; the monitor forgets those kept past
# images_keep_s. The delivery function never touches one.
IMAGE_ROLES: frozenset[Role] = frozenset({"api", "monitor"})


@dataclass(frozen=True)
class Resources:
    """What the functions are told about the resources (tokens at synthesis)."""

    table_name: str
    secrets_arn: str
    user_pool_id: str
    client_id: str
    queue_url: str
    dlq_url: str
    ses_from: str
    public_url: str
    detection_retention_days: int | None = None
    images_bucket: str | None = None


def function_environment(role: Role, res: Resources) -> dict[str, str]:
    """The environment of the ``role`` function."""
    env = {
        f"{P}STORE": "dynamodb",
        f"{P}TABLE": res.table_name,
        f"{P}SECRETS_ARN": res.secrets_arn,
        f"{P}DELIVERY_QUEUE_URL": res.queue_url,
        f"{P}DELIVERY_DLQ_URL": res.dlq_url,
        f"{P}PUBLIC_URL": res.public_url,
        # Every function builds the same alert channels, so all agree on which exist
        # (the API and the monitor raise alerts; only the delivery function sends).
        f"{P}ALERT_SMS": "sns",
        f"{P}ALERT_EMAIL": "ses",
        f"{P}ALERT_SES_FROM": res.ses_from,
    }
    if res.detection_retention_days is not None:
        env[f"{P}DETECTION_RETENTION_DAYS"] = str(res.detection_retention_days)
    if res.images_bucket is not None and role in IMAGE_ROLES:
        env[f"{P}IMAGES_BUCKET"] = res.images_bucket
    if role == "api":
        env |= {
            f"{P}AUTH": "cognito",
            f"{P}COGNITO_USER_POOL_ID": res.user_pool_id,
            f"{P}COGNITO_CLIENT_ID": res.client_id,
            # Behind API Gateway the app sees plain HTTP from the proxy: say it is HTTPS.
            f"{P}WEB_COOKIE_SECURE": "always",
        }
    return env
