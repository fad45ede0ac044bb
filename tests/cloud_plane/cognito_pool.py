"""A Cognito user pool in moto server (real HTTP), and a cloud in Cognito mode against it.

moto server rather than in-process ``mock_aws``: the cloud fetches the pool's JWKS with httpx,
which ``mock_aws`` cannot intercept. moto signs tokens with its own RSA key (``kid`` "dummy")
and puts groups in access tokens, as Cognito does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.cloud_plane.conftest import RunningCloud
from tests.conftest import free_port

REGION = "eu-west-1"
PASSWORD = "Cognito-pass-123"


@dataclass
class CognitoPool:
    """One user pool and app client (USER_PASSWORD_AUTH and refresh allowed, no secret)."""

    endpoint: str
    pool_id: str
    client_id: str
    idp: Any

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    def settings(self) -> dict[str, Any]:
        """The cloud settings of Cognito mode against this pool."""
        return {
            "auth": "cognito",
            "cognito_user_pool_id": self.pool_id,
            "cognito_client_id": self.client_id,
            "cognito_jwks_url": self.jwks_url,
            "aws_region": REGION,
        }

    def add_user(
        self, username: str, groups: list[str], password: str = PASSWORD, *, temporary: bool = False
    ) -> str:
        """A user with ``password`` (temporary: Cognito will ask NEW_PASSWORD_REQUIRED)."""
        extra = {"TemporaryPassword": password} if temporary else {}
        self.idp.admin_create_user(
            UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS", **extra
        )
        if not temporary:
            self.idp.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
            )
        for group in groups:
            with contextlib.suppress(self.idp.exceptions.GroupExistsException):
                self.idp.create_group(UserPoolId=self.pool_id, GroupName=group)
            self.idp.admin_add_user_to_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )
        return username

    def groups(self, username: str) -> set[str]:
        found = self.idp.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)
        return {g["GroupName"] for g in found["Groups"]}

    def tokens(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        """Sign in directly at Cognito (the AuthenticationResult)."""
        answer = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return answer["AuthenticationResult"]


@pytest.fixture
def cognito_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[CognitoPool]:
    """A fresh pool in a moto server named by AWS_ENDPOINT_URL (boto3 then goes there)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool_id = idp.create_user_pool(PoolName="staff")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="dashboard",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for role in ("admin", "manager", "viewer"):
            idp.create_group(UserPoolId=pool_id, GroupName=role)
        yield CognitoPool(endpoint, pool_id, client_id, idp)
    finally:
        server.stop()


@pytest.fixture
def cognito_cloud(
    cloud_factory: Callable[..., RunningCloud], cognito_pool: CognitoPool
) -> RunningCloud:
    """A cloud whose staff sign in through the moto pool."""
    return cloud_factory(**cognito_pool.settings())


__all__ = ["PASSWORD", "REGION", "CognitoPool", "cognito_cloud", "cognito_pool"]
