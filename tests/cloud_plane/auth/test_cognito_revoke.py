"""Revoking a refresh token at Cognito (the dashboard's sign-out).

moto implements no RevokeToken, so the client here records the call (the edge this machine
cannot run); the sign-out test in tests/cloud_plane/web drives it through the dashboard.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloud_plane.auth.cognito import CognitoClient, CognitoUnavailable


class RecordingIdp:
    """A cognito-idp client that records revoke_token calls, or refuses them."""

    def __init__(self, error_code: str | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error_code = error_code

    def revoke_token(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error_code:
            raise ClientError({"Error": {"Code": self.error_code, "Message": "no"}}, "RevokeToken")
        return {}


def client(idp: RecordingIdp) -> CognitoClient:
    made = CognitoClient(user_pool_id="eu-west-1_pool", client_id="app-client", region="eu-west-1")
    made._client = idp
    return made


def test_revoke_names_the_token_and_the_app_client() -> None:
    idp = RecordingIdp()
    client(idp).revoke("refresh-token-1")
    assert idp.calls == [{"Token": "refresh-token-1", "ClientId": "app-client"}]


def test_a_refused_revocation_is_cognito_unavailable_naming_the_code() -> None:
    with pytest.raises(CognitoUnavailable, match="UnsupportedTokenTypeException"):
        client(RecordingIdp("UnsupportedTokenTypeException")).revoke("refresh-token-1")
