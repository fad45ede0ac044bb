"""Every dashboard route is a ``PageRoute``: a domain error becomes a page that says what was
wrong with the error's status (400/403/404/422, never a 500), and a missing or refused
session sends a full page to ``/sign-in?next=<path>`` (303) while a fragment answers 401 with
``X-Sign-In`` (the shared script follows it). A session renewed during the request (Cognito
mode: the refresh token traded for a new access token) gets its new cookie on the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from cloud_plane.deps import get_services
from cloud_plane.errors import CloudError
from cloud_plane.web.render import page
from cloud_plane.web.session import (
    FRAGMENT_PREFIX,
    NO_SESSION,
    SessionEnded,
    forget_session,
    page_staff,
    remember_session,
    renewed_session,
)
from sync_protocol.error_text import public_detail


class PageRoute(APIRoute):
    """A dashboard route: errors become pages, an ended session goes back to sign-in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await inner(request)
            except SessionEnded as ended:
                return session_ended(request, ended)
            except CloudError as exc:
                response = await error_page(request, exc.status_code, public_detail(exc.detail))
            except RequestValidationError as exc:
                response = await error_page(request, 422, validation_text(exc))
            renewed = renewed_session(request)
            if renewed is not None:  # the session was renewed with the refresh token
                remember_session(request, response, renewed, get_services(request).web_key)
            return response

        return handler


def validation_text(exc: RequestValidationError) -> str:
    """What was wrong with the form or query, field by field, without echoing the input."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def sign_in_url(next_path: str, *, notice: bool) -> str:
    """``/sign-in?next=<path>`` (with the session-ended notice if asked)."""
    url = f"/sign-in?next={quote(next_path, safe='/')}"
    return url + "&notice=session-ended" if notice else url


def session_ended(request: Request, ended: SessionEnded) -> Response:
    """303 to sign-in for a page (back here after), 401 with X-Sign-In for a fragment."""
    notice = ended.reason != NO_SESSION
    if request.url.path.startswith(FRAGMENT_PREFIX) or request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        back = referer.path if referer.netloc == request.headers.get("host") else "/"
        target = sign_in_url(back or "/", notice=notice)
        if request.method == "GET":
            response: Response = Response(
                "session ended", status_code=401, headers={"X-Sign-In": target}
            )
        else:
            response = RedirectResponse(target, status_code=303)
    else:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(sign_in_url(here, notice=notice), status_code=303)
    if notice:  # a refused token (or refresh token) is of no use to keep sending
        forget_session(request, response)
    return response


async def error_page(request: Request, status_code: int, message: str) -> Response:
    """A page that says what went wrong (with the nav when the caller is signed in)."""
    try:
        staff = await run_in_threadpool(page_staff, request, get_services(request))
    except (SessionEnded, CloudError):
        staff = None
    titles = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict"}
    return page(
        request,
        "error.html",
        title=titles.get(status_code, "Cannot do that"),
        staff=staff,
        status_code=status_code,
        message=message,
    )
