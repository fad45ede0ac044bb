"""Sign in (GET and POST /sign-in) and sign out (POST /sign-out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from local_node import users
from local_node.deps import Services
from local_node.web.context import Web
from local_node.web.render import page
from local_node.web.session import CsrfField, check_csrf, session_cookie, session_id
from sync_protocol.login_limiter import LoginThrottled
from sync_protocol.web_security import SESSION_ENDED, safe_next

router = APIRouter(include_in_schema=False)

WRONG = "Wrong username or password."


def _form(
    request: Request,
    web: Web,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    # A browser still holding a session cookie was signed in: its session ended.
    ended = error is None and session_id(request) is not None
    response = page(
        request,
        web,
        "sign_in.html",
        title="Sign in",
        status=status,
        flash=SESSION_ENDED if ended else None,
        next_path=next_path,
        username=username,
        error=error,
    )
    if session_id(request) is not None:
        response.delete_cookie(session_cookie(request), path="/")
    return response


@router.get("/sign-in")
def sign_in_page(
    request: Request, services: Services, web: Web, next: str | None = None
) -> Response:
    """The sign-in form (a browser already signed in goes on to ``next``)."""
    target = safe_next(next)
    sid = session_id(request)
    if users.session_user(services.engine, sid, services.clock(), web.sessions) is not None:
        return RedirectResponse(target, status_code=303)
    return _form(request, web, next_path=target)


@router.post("/sign-in")
def sign_in(
    request: Request,
    services: Services,
    web: Web,
    csrf_token: CsrfField = None,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the password; on success start a session and go to ``next``."""
    check_csrf(request, web, csrf_token)
    target = safe_next(next)
    address = request.client.host if request.client else "unknown"
    name = username.strip()
    try:
        web.limiter.begin(address, name.lower())
    except LoginThrottled as exc:
        refused = _form(
            request,
            web,
            next_path=target,
            username=username,
            error=f"Too many failed sign-ins; try again in {exc.retry_after_s} s.",
            status=429,
        )
        refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    sid = users.sign_in(services.engine, name, password, services.clock(), web.sessions)
    if sid is None:
        return _form(request, web, next_path=target, username=username, error=WRONG, status=401)
    web.limiter.succeeded(address, name.lower())
    response = RedirectResponse(target, status_code=303)
    policy = request.state.cookie_policy
    response.set_cookie(
        session_cookie(request),
        sid,
        **policy.attributes(int(web.sessions.max_age.total_seconds())),
    )
    return response


@router.post("/sign-out")
def sign_out(
    request: Request, services: Services, web: Web, csrf_token: CsrfField = None
) -> Response:
    """End this browser's session and go to the sign-in form."""
    check_csrf(request, web, csrf_token)
    users.sign_out(services.engine, session_id(request))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(session_cookie(request), path="/")
    return response
