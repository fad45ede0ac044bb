"""``/users`` (admins, self-hosted mode): list, create (the password shown once), disable or
enable, change role and sites; through ``staff_admin`` as the CLI and the API. In Cognito mode
users live in Cognito: the page says how to manage them (the CLI, the API, the console it links
to) and its forms are refused with that message (decided for issue 9: the page stays
read-only there rather than grow a second Cognito admin UI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cloud_plane import staff_admin
from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.errors import Conflict, InvalidInput, NotFound
from cloud_plane.records.users import ROLES, Role
from cloud_plane.services import CloudServices
from cloud_plane.web.acting import dashboard_actor
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import Csrf, PageAdmin

router = APIRouter(route_class=PageRoute)

Username = Annotated[str, Path(min_length=1, max_length=254)]
RoleField = Annotated[str, Form(max_length=16)]
SitesField = Annotated[list[str], Form(max_length=1000)]


def cognito_console(services: CloudServices) -> str | None:
    """The Cognito console page of the user pool (Cognito mode), else None."""
    s = services.settings
    if services.issuer is not None or not s.cognito_user_pool_id:
        return None
    region = s.aws_region or ""
    return (
        f"https://{region}.console.aws.amazon.com/cognito/v2/idp/user-pools/"
        f"{s.cognito_user_pool_id}/users?region={region}"
    )


def _users_page(
    request: Request,
    services: CloudServices,
    staff: Staff,
    *,
    error: str | None = None,
    created: tuple[str, str] | None = None,
    reset: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    local = services.issuer is not None
    sites = services.store.sites.list_sites()
    return page(
        request,
        "users.html",
        title="Users",
        staff=staff,
        active="Users",
        local=local,
        console=cognito_console(services),
        users=services.store.users.list_users() if local else [],
        sites=[s for s in sites if not s.archived],
        site_names={s.site_id: s.name for s in sites},
        roles=ROLES,
        error=error,
        created=created,
        reset=reset,
        status_code=status_code,
    )


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, services: Services, staff: PageAdmin) -> HTMLResponse:
    """Staff users, and the create form."""
    return _users_page(request, services, staff)


def _self_hosted(services: CloudServices) -> None:
    if services.issuer is None:
        raise NotFound(
            "users live in Cognito: manage them with `edgesync cloud users ...`, "
            "/api/v1/users or the Cognito console"
        )


def _role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise InvalidInput("Role must be admin, manager or viewer")


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    username: Annotated[str, Form(max_length=254)] = "",
    role: RoleField = "viewer",
    sites: SitesField = [],  # noqa: B006 (FastAPI copies defaults)
) -> HTMLResponse:
    """Create a user; the page shows their generated password once."""
    _self_hosted(services)
    try:
        user, password = staff_admin.create_user(
            services.store,
            username,
            _role(role),
            sites,
            now=services.clock(),
            by=dashboard_actor(services, staff),
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        return _users_page(request, services, staff, error=exc.detail, status_code=exc.status_code)
    return _users_page(request, services, staff, created=(user.username, password))


@router.post("/users/{username}")
def change_user(
    username: Username,
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    role: RoleField = "",
    sites: SitesField = [],  # noqa: B006
) -> Response:
    """Change role and sites (applies at the user's next page)."""
    _self_hosted(services)
    try:
        staff_admin.change_user(
            services.store,
            username,
            role=_role(role),
            sites=sites,
            by=dashboard_actor(services, staff),
        )
    except InvalidInput as exc:
        return _users_page(request, services, staff, error=exc.detail, status_code=422)
    return RedirectResponse("/users?notice=saved", status_code=303)


@router.post("/users/{username}/disable")
def disable_user(username: Username, services: Services, staff: PageAdmin, _: Csrf) -> Response:
    """Disable the user (their sessions end at once)."""
    _self_hosted(services)
    staff_admin.change_user(
        services.store, username, disabled=True, by=dashboard_actor(services, staff)
    )
    return RedirectResponse("/users?notice=saved", status_code=303)


@router.post("/users/{username}/enable")
def enable_user(username: Username, services: Services, staff: PageAdmin, _: Csrf) -> Response:
    """Enable the user again."""
    _self_hosted(services)
    staff_admin.change_user(
        services.store, username, disabled=False, by=dashboard_actor(services, staff)
    )
    return RedirectResponse("/users?notice=saved", status_code=303)


@router.post("/users/{username}/reset-password", response_class=HTMLResponse)
def reset_password(
    username: Username, request: Request, services: Services, staff: PageAdmin, _: Csrf
) -> HTMLResponse:
    """A new random password, shown once; the user's sessions end."""
    _self_hosted(services)
    user, password = staff_admin.reset_password(
        services.store, username, by=dashboard_actor(services, staff)
    )
    return _users_page(request, services, staff, created=(user.username, password), reset=True)
