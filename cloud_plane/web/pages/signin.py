"""Sign in (the form posts here), sign out (clears the session cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cloud_plane.deps import Services
from cloud_plane.errors import CloudError, TooManyRequests
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import (
    Csrf,
    caller_address,
    forget_session,
    remember_session,
    revoke_refresh_token,
    sign_in_for,
)
from sync_protocol.web_security import safe_next

router = APIRouter(route_class=PageRoute)

MAX_FIELD = 256


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, services: Services, next: str = "/") -> HTMLResponse:
    """The sign-in form (the same in both auth modes)."""
    return _form(request, services, next_path=safe_next(next))


def _form(
    request: Request,
    services: Services,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "sign_in.html",
        title="Sign in",
        staff=None,
        next=next_path,
        username=username,
        error=error,
        status_code=status_code,
    )


@router.post("/sign-in")
async def sign_in(
    request: Request,
    services: Services,
    _: Csrf,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the credentials; on success set the session cookie and go where the user was."""
    target = safe_next(next)
    if not username.strip() or not password:
        return _form(
            request,
            services,
            next_path=target,
            username=username,
            error="Enter your username and password.",
            status_code=422,
        )
    signer = sign_in_for(services)
    try:
        issued = await run_in_threadpool(
            signer.sign_in, username, password, address=caller_address(request, services)
        )
    except CloudError as exc:  # wrong, disabled, a Cognito challenge, throttled, unavailable
        response = _form(
            request,
            services,
            next_path=target,
            username=username,
            error=exc.detail,
            status_code=exc.status_code,
        )
        if isinstance(exc, TooManyRequests):
            response.headers.update(exc.headers or {})  # Retry-After
        return response
    done = RedirectResponse(target, status_code=303)
    remember_session(request, done, issued, services.web_key)
    return done


@router.post("/sign-out")
async def sign_out(request: Request, services: Services, _: Csrf) -> Response:
    """Forget the session in this browser (both cookies).

    Cognito mode: the refresh token is also revoked at Cognito (RevokeToken), with the
    access tokens it issued; ``users disable`` signs a user out everywhere.
    """
    await run_in_threadpool(revoke_refresh_token, request, services)
    response = RedirectResponse("/sign-in?notice=signed-out", status_code=303)
    forget_session(request, response)
    return response
