"""Shared by the AWS channels: lazily built boto3 clients and botocore errors as outcomes.

Clients are built on first use, never at import (moto's warning, habit 5).
``endpoint_url=None`` lets botocore honour ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_<SERVICE>`` itself (LocalStack, moto server). Botocore's own
retries are switched off: the dispatcher retries with backoff and records each
attempt in its ledger, which hidden retries would bypass.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from cloud_plane.alerts.model import DeliveryOutcome

RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalErrorException",
        "KMSThrottlingException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
"""Error codes that mean "not now" rather than "never" (SES and SNS ``Throttling`` included)."""

_TRANSIENT_TRANSPORT = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=5,
    read_timeout=10,
)


class LazyClient:
    """A boto3 client made on first use (thread-safe), or the one passed in."""

    def __init__(
        self,
        service: str,
        client: Any | None = None,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Config = CLIENT_CONFIG,
    ) -> None:
        self._service = service
        self._client = client
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._config = config
        self._lock = threading.Lock()

    def get(self) -> Any:
        """Return the client, building it the first time."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3  # deferred: importing a channel must not touch AWS config

                    self._client = boto3.session.Session().client(
                        self._service,
                        region_name=self._region_name,
                        endpoint_url=self._endpoint_url,
                        config=self._config,
                    )
        return self._client


def outcome_from_aws_error(exc: Exception) -> DeliveryOutcome:
    """Return the outcome for a botocore error: throttling, 5xx and network are retryable."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        retryable = code in RETRYABLE_CODES or status >= 500
        return DeliveryOutcome.failed(
            f"{code}: {error.get('Message', '')}".strip(), retryable=retryable
        )
    if isinstance(exc, _TRANSIENT_TRANSPORT):
        return DeliveryOutcome.failed(f"{type(exc).__name__}: {exc}", retryable=True)
    # NoCredentialsError, NoRegionError, ParamValidationError…: configuration or a bad request.
    return DeliveryOutcome.failed(f"{type(exc).__name__}: {exc}", retryable=False)


AWS_ERRORS = (ClientError, BotoCoreError)
"""What to catch around a boto3 call (both roots of botocore's error tree)."""
