"""How botocore errors become outcomes: "not now" is retryable, "never" is not."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from cloud_plane.alerts.channels.aws import outcome_from_aws_error


def _client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "Publish",
    )


@pytest.mark.parametrize(
    "code",
    [
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "InternalError",
        "InternalFailure",
    ],
)
def test_throttling_and_provider_faults_are_retryable(code: str) -> None:
    assert outcome_from_aws_error(_client_error(code)).retryable


@pytest.mark.parametrize(
    "code",
    [
        "InvalidParameter",
        "InvalidParameterValue",
        "MessageRejected",
        "AuthorizationError",
        "OptedOut",
        "AccessDeniedException",
        "NotFoundException",
    ],
)
def test_bad_requests_are_not_retryable(code: str) -> None:
    outcome = outcome_from_aws_error(_client_error(code))
    assert not outcome.ok and not outcome.retryable
    assert outcome.error == f"{code}: {code} happened"


def test_unknown_code_with_a_5xx_status_is_retryable() -> None:
    assert outcome_from_aws_error(_client_error("SomethingNew", status=502)).retryable


def test_connection_failures_are_retryable() -> None:
    assert outcome_from_aws_error(EndpointConnectionError(endpoint_url="http://x")).retryable
    assert outcome_from_aws_error(ReadTimeoutError(endpoint_url="http://x")).retryable


def test_missing_credentials_is_not_retryable() -> None:
    assert not outcome_from_aws_error(NoCredentialsError()).retryable
