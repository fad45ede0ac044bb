"""Staff users for an admin (self-hosted mode): list, change role, sites, disabled; reset password.

The same use cases as `edgesync cloud users ...` (`cloud_plane.staff_admin`). In Cognito mode
users live in Cognito: every route answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from cloud_plane import staff_admin
from cloud_plane.deps import AdminAuth, Services
from cloud_plane.errors import NotFound
from cloud_plane.records.users import Role, User
from sync_protocol.wire_types import Printable

router = APIRouter(prefix="/api/v1/users", tags=["users"])

USERS_IN_COGNITO = "users live in Cognito: manage them there"
NO_STORE = {"Cache-Control": "no-store"}
Username = Annotated[str, Path(min_length=1, max_length=254)]
_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or an invalid, expired or revoked one"},
    403: {"description": "Not an admin"},
    404: {"description": "No such user (or site), or Cognito mode: users live in Cognito"},
}


class UserOut(BaseModel):
    username: str
    role: Role
    sites: list[str]
    disabled: bool
    created_at: datetime


class UserListOut(BaseModel):
    users: list[UserOut]


class UserPatch(BaseModel):
    """What to change; fields left out stay. A manager needs at least one site (422)."""

    role: Role | None = None
    sites: list[Annotated[str, Field(min_length=1, max_length=64), Printable]] | None = Field(
        default=None, max_length=1000, description="Site ids (managers and viewers)"
    )
    disabled: bool | None = Field(default=None, description="true also revokes their tokens")


class PasswordOut(BaseModel):
    username: str
    password: str = Field(description="Shown once; their earlier tokens stop working")


def _out(user: User) -> UserOut:
    return UserOut(
        username=user.username,
        role=user.role,
        sites=sorted(user.sites),
        disabled=user.disabled,
        created_at=user.created_at,
    )


def _self_hosted(services: Services) -> None:
    if services.issuer is None:  # Cognito issues the tokens and holds the users
        raise NotFound(USERS_IN_COGNITO)


@router.get("", response_model=UserListOut, responses=_ERRORS)
def list_users(services: Services, _: AdminAuth) -> UserListOut:
    """Staff users: role, sites, disabled (as `cloud users list`)."""
    _self_hosted(services)
    return UserListOut(users=[_out(u) for u in services.store.users.list_users()])


@router.patch(
    "/{username}",
    response_model=UserOut,
    responses={**_ERRORS, 422: {"description": "A manager without sites"}},
)
def change_user(username: Username, body: UserPatch, services: Services, _: AdminAuth) -> UserOut:
    """Change role, sites or disabled; a change applies at the user's next request."""
    _self_hosted(services)
    user = staff_admin.change_user(
        services.store, username, role=body.role, sites=body.sites, disabled=body.disabled
    )
    return _out(user)


@router.post("/{username}/reset-password", response_model=PasswordOut, responses=_ERRORS)
def reset_password(
    username: Username, services: Services, _: AdminAuth, response: Response
) -> PasswordOut:
    """A new random password (in this answer only); the user's earlier tokens stop working."""
    _self_hosted(services)
    user, password = staff_admin.reset_password(services.store, username)
    response.headers.update(NO_STORE)
    return PasswordOut(username=user.username, password=password)
