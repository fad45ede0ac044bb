"""Staff users for an admin: list, change role, sites, disabled; reset password.

The same use cases as `edgesync cloud users ...` (`cloud_plane.staff_admin`), in both auth
modes: in Cognito mode they act on the user pool (role and ``site:<id>`` groups,
AdminDisableUser + global sign-out, a new permanent password), so the cloud's role needs the
Admin* rights on the pool (503 naming Cognito's error if it lacks them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from cloud_plane import staff_admin
from cloud_plane.auth.cognito import role_of
from cloud_plane.deps import AdminAuth, Services, api_actor
from cloud_plane.records.users import Role, User
from sync_protocol.wire_types import Printable

router = APIRouter(prefix="/api/v1/users", tags=["users"])

NO_STORE = {"Cache-Control": "no-store"}
Username = Annotated[str, Path(min_length=1, max_length=254)]
_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or an invalid, expired or revoked one"},
    403: {"description": "Not an admin"},
    404: {"description": "No such user (or site)"},
    503: {"description": "Cognito mode: the call to Cognito failed"},
}


class UserOut(BaseModel):
    username: str
    role: Role | None = Field(
        description="null: a Cognito user in no role group (their tokens are refused)"
    )
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
        role=role_of(user),
        sites=sorted(user.sites),
        disabled=user.disabled,
        created_at=user.created_at,
    )


@router.get("", response_model=UserListOut, responses=_ERRORS)
def list_users(services: Services, _: AdminAuth) -> UserListOut:
    """Staff users: role, sites, disabled (as `cloud users list`)."""
    if services.cognito is not None:
        return UserListOut(users=[_out(u) for u in services.cognito.list_users()])
    return UserListOut(users=[_out(u) for u in services.store.users.list_users()])


@router.patch(
    "/{username}",
    response_model=UserOut,
    responses={**_ERRORS, 422: {"description": "A manager without sites"}},
)
def change_user(
    username: Username, body: UserPatch, services: Services, staff: AdminAuth
) -> UserOut:
    """Change role, sites or disabled; a change applies at the user's next request."""
    if services.cognito is not None:
        user = staff_admin.cognito_change_user(
            services.store,
            services.cognito,
            username,
            role=body.role,
            sites=body.sites,
            disabled=body.disabled,
            by=api_actor(services, staff),
        )
    else:
        user = staff_admin.change_user(
            services.store,
            username,
            role=body.role,
            sites=body.sites,
            disabled=body.disabled,
            by=api_actor(services, staff),
        )
    return _out(user)


@router.post("/{username}/reset-password", response_model=PasswordOut, responses=_ERRORS)
def reset_password(
    username: Username, services: Services, staff: AdminAuth, response: Response
) -> PasswordOut:
    """A new random password (in this answer only); the user's earlier tokens stop working."""
    user: User
    if services.cognito is not None:
        user, password = staff_admin.cognito_reset_password(
            services.store, services.cognito, username, by=api_actor(services, staff)
        )
    else:
        user, password = staff_admin.reset_password(
            services.store, username, by=api_actor(services, staff)
        )
    response.headers.update(NO_STORE)
    return PasswordOut(username=user.username, password=password)
