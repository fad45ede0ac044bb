"""Every call the cloud makes to Cognito (cognito-idp), behind one small class.

``CognitoClient`` is chosen at start-up (``services.build_auth``) when
``EDGESYNC_CLOUD_AUTH=cognito``, and by the ``edgesync cloud`` user commands. Sign-in:
``login`` (InitiateAuth ``USER_PASSWORD_AUTH``) and ``refresh`` (``REFRESH_TOKEN_AUTH``);
the app client must allow both flows and have **no client secret** (a browser-facing
client; no ``SECRET_HASH`` is sent). User admin: ``create_user``, ``set_role``,
``set_disabled``, ``reset_password``, ``list_users``, through the Admin* APIs (the caller
needs IAM rights on the pool, not a staff token).

Conventions the rest of the cloud relies on:

- the Cognito username is the user's email address (lower-cased), also set as the ``email``
  attribute; the pool must not use ``UsernameAttributes`` (an email alias would make the
  access token's ``username`` a generated id);
- the role is membership of the group ``admin``, ``manager`` or ``viewer``; site scope is
  membership of ``site:<site_id>`` groups (``auth/tokens.py`` reads both from the access
  token); site groups are created on first use.

Errors: ``login``/``refresh`` raise ``LoginRefused`` (``kind`` wrong / disabled / challenge /
expired) for what the person must fix, and every method raises ``CognitoUnavailable`` when
Cognito cannot be reached or refuses the cloud itself (permissions, unknown pool). Admin
methods raise the cloud's domain errors: NotFound (no such user), Conflict (user exists),
InvalidInput (a password the pool's policy refuses).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cloud_plane.auth.tokens import site_group, site_scope
from cloud_plane.errors import CloudError, Conflict, InvalidInput, NotFound, ServiceUnavailable
from cloud_plane.records.users import ROLES, Role, User

LoginFailure = Literal["wrong", "disabled", "challenge", "expired"]
COGNITO_UNAVAILABLE = "the call to Cognito failed ({reason}); try again"


@dataclass(frozen=True)
class CognitoTokens:
    """What a successful InitiateAuth returns (a refresh gives no new refresh token)."""

    access_token: str
    expires_in: int
    refresh_token: str | None


@dataclass(frozen=True)
class CognitoUser(User):
    """A pool's user as the cloud shows users; ``has_role`` False: in no role group (their
    tokens are refused 403, and ``role`` is only a placeholder: show ``role_of`` instead)."""

    has_role: bool = True


def role_of(user: User) -> Role | None:
    """The user's role, or None for a Cognito user in no role group."""
    return None if isinstance(user, CognitoUser) and not user.has_role else user.role


class LoginRefused(Exception):
    """Cognito refused a sign-in or refresh; ``challenge`` names a challenge it asked for."""

    def __init__(self, kind: LoginFailure, challenge: str | None = None) -> None:
        super().__init__(challenge or kind)
        self.kind = kind
        self.challenge = challenge


class CognitoUnavailable(ServiceUnavailable):
    """Cognito could not be reached, or refused the cloud's own call (503)."""


def cognito_password() -> str:
    """A random password Cognito's default policy accepts (~128 random bits, all 4 classes)."""
    # token_urlsafe alone may lack a digit, an upper-case letter or a symbol; the fixed tail
    # adds one of each without weakening the random part.
    return secrets.token_urlsafe(16) + "-Aa1"


class CognitoClient:
    """Sign-in and user admin against one user pool and app client."""

    def __init__(
        self, *, user_pool_id: str, client_id: str, region: str, client: Any | None = None
    ) -> None:
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self.region = region
        self._client = client

    @property
    def idp(self) -> Any:
        """The boto3 cognito-idp client (made on first use; AWS_ENDPOINT_URL is honoured)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("cognito-idp", region_name=self.region)
        return self._client

    # -- sign-in ---------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> CognitoTokens:
        """Trade a password for tokens; raise LoginRefused or CognitoUnavailable."""
        params = {"USERNAME": username, "PASSWORD": password}
        return self._auth("USER_PASSWORD_AUTH", params)

    def refresh(self, refresh_token: str) -> CognitoTokens:
        """A new access token from a refresh token; raise LoginRefused("expired") if refused."""
        try:
            return self._auth("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})
        except LoginRefused as exc:
            if exc.kind == "challenge":
                raise
            raise LoginRefused("expired") from None

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token and the access tokens it issued; raise CognitoUnavailable."""
        try:
            self.idp.revoke_token(Token=refresh_token, ClientId=self.client_id)
        except Exception as exc:  # botocore's errors
            raise _unavailable(exc) from None

    def _auth(self, flow: str, params: dict[str, str]) -> CognitoTokens:
        try:
            answer = self.idp.initiate_auth(
                ClientId=self.client_id, AuthFlow=flow, AuthParameters=params
            )
        except Exception as exc:  # botocore's errors, told apart by code below
            code, message = _error(exc)
            if code == "NotAuthorizedException" and "disabled" in message.lower():
                raise LoginRefused("disabled") from None
            if code in ("NotAuthorizedException", "UserNotFoundException"):
                raise LoginRefused("wrong") from None
            if code == "PasswordResetRequiredException":
                raise LoginRefused("challenge", "PASSWORD_RESET_REQUIRED") from None
            if code == "UserNotConfirmedException":
                raise LoginRefused("challenge", "USER_NOT_CONFIRMED") from None
            raise _unavailable(exc) from None
        if answer.get("ChallengeName"):
            raise LoginRefused("challenge", str(answer["ChallengeName"]))
        result = answer.get("AuthenticationResult") or {}
        if not result.get("AccessToken"):
            raise CognitoUnavailable(COGNITO_UNAVAILABLE.format(reason="no access token"))
        return CognitoTokens(
            access_token=result["AccessToken"],
            expires_in=int(result.get("ExpiresIn", 3600)),
            refresh_token=result.get("RefreshToken"),
        )

    # -- user admin ------------------------------------------------------------------------------
    def create_user(self, username: str, password: str, role: Role, sites: Iterable[str]) -> None:
        """A confirmed user with a permanent password, in ``role``'s group and site groups."""
        try:
            self.idp.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                UserAttributes=[
                    {"Name": "email", "Value": username},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",  # the admin hands the password over; no Cognito email
            )
        except Exception as exc:
            if _error(exc)[0] == "UsernameExistsException":
                raise Conflict(f"user {username!r} already exists in Cognito") from None
            raise _unavailable(exc) from None
        try:
            self._set_password(username, password)
            self._set_groups(username, role, sites, current=[])
        except BaseException:
            # Half a user (no password, or no role) would look broken: take it back out. If
            # even that fails, the first error is the one worth reporting.
            with contextlib.suppress(CloudError):
                self._call("admin_delete_user", Username=username)
            raise

    def set_role(self, username: str, role: Role, sites: Iterable[str]) -> CognitoUser:
        """Make ``role`` and ``sites`` the user's only role and site groups; NotFound."""
        self._set_groups(username, role, sites, current=self._groups(username))
        return self.get_user(username)

    def set_disabled(self, username: str, disabled: bool) -> CognitoUser:
        """Disable (and sign out everywhere: refresh tokens stop) or enable a user; NotFound."""
        if disabled:
            self._call("admin_disable_user", Username=username)
            self._call("admin_user_global_sign_out", Username=username)
        else:
            self._call("admin_enable_user", Username=username)
        return self.get_user(username)

    def reset_password(self, username: str) -> tuple[CognitoUser, str]:
        """A new random permanent password (shown once); signs the user out everywhere."""
        password = cognito_password()
        self._set_password(username, password)
        self._call("admin_user_global_sign_out", Username=username)
        return self.get_user(username), password

    def get_user(self, username: str) -> CognitoUser:
        """The user as the cloud shows users (role and sites from groups); NotFound."""
        found = self._call("admin_get_user", Username=username)
        return self._user(found["Username"], found, self._groups(username))

    def list_users(self) -> list[CognitoUser]:
        """Every user of the pool, by username (one group lookup per user)."""
        users: list[CognitoUser] = []
        token: str | None = None
        while True:
            page = self._call("list_users", **({"PaginationToken": token} if token else {}))
            for entry in page.get("Users", []):
                name = entry["Username"]
                users.append(self._user(name, entry, self._groups(name)))
            token = page.get("PaginationToken")
            if not token:
                return sorted(users, key=lambda u: u.username)

    # -- helpers ---------------------------------------------------------------------------------
    def _set_password(self, username: str, password: str) -> None:
        try:
            self.idp.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
            )
        except Exception as exc:
            code, message = _error(exc)
            if code == "InvalidPasswordException":
                raise InvalidInput(f"Cognito refused the password: {message}") from None
            if code == "UserNotFoundException":
                raise NotFound(f"no user {username!r}") from None
            raise _unavailable(exc) from None

    def _groups(self, username: str) -> list[str]:
        names: list[str] = []
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            page = self._call("admin_list_groups_for_user", Username=username, **extra)
            names += [g["GroupName"] for g in page.get("Groups", [])]
            token = page.get("NextToken")
            if not token:
                return names

    def _set_groups(
        self, username: str, role: Role, sites: Iterable[str], current: list[str]
    ) -> None:
        wanted = {role, *(site_group(s) for s in sites)}
        ours = [g for g in current if g in ROLES or site_scope([g])]  # leave other groups be
        for group in sorted(wanted - set(current)):
            self._ensure_group(group)
            self._call("admin_add_user_to_group", Username=username, GroupName=group)
        for group in sorted(set(ours) - wanted):
            self._call("admin_remove_user_from_group", Username=username, GroupName=group)

    def _ensure_group(self, group: str) -> None:
        """Create a missing group (site groups appear with their first user)."""
        try:
            self.idp.create_group(UserPoolId=self.user_pool_id, GroupName=group)
        except Exception as exc:
            if _error(exc)[0] != "GroupExistsException":
                raise _unavailable(exc) from None

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.idp, operation)(UserPoolId=self.user_pool_id, **kwargs)
        except Exception as exc:
            if _error(exc)[0] == "UserNotFoundException":
                raise NotFound(f"no user {kwargs.get('Username')!r} in Cognito") from None
            raise _unavailable(exc) from None

    @staticmethod
    def _user(username: str, entry: dict[str, Any], groups: list[str]) -> CognitoUser:
        role = next((r for r in ROLES if r in groups), None)
        created = entry.get("UserCreateDate")
        return CognitoUser(
            username=username,
            role=role or "viewer",  # a placeholder when has_role is False (see role_of)
            sites=site_scope(groups),
            created_at=created if isinstance(created, datetime) else datetime.fromtimestamp(0, UTC),
            disabled=not entry.get("Enabled", True),
            has_role=role is not None,
        )


def _error(exc: Exception) -> tuple[str, str]:
    """(code, message) of a botocore ClientError; ("", str) for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return str(error.get("Code", "")), str(error.get("Message", ""))
    return "", str(exc)


def _unavailable(exc: Exception) -> CognitoUnavailable:
    code, _ = _error(exc)
    return CognitoUnavailable(COGNITO_UNAVAILABLE.format(reason=code or type(exc).__name__))
