"""Who is signed in, and the checks every page, fragment and form goes through.

- ``PageUser``: a page; no live session -> 303 to ``/sign-in?next=<this page>``.
- ``FragmentUser``: a polled fragment or an image; no live session -> 401 with
  ``X-Sign-In: /sign-in?next=<the page it is on>`` (edgesync.js follows it).
- ``FormUser`` / ``AdminForm``: a POST by a signed-in user (any role / an admin); the form
  token must match the browser's CSRF seed (403 "missing or wrong CSRF token") and a viewer
  gets 403 on an admin form.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, Request

from local_node import users
from local_node.deps import Services
from local_node.users import SessionUser
from local_node.web.context import Web, WebContext
from local_node.web.render import PageProblem
from sync_protocol.web_security import BAD_CSRF, CSRF_HEADER, csrf_ok, safe_next

SESSION_COOKIE = "edgesync_node_session"
ADMINS_ONLY = "Only an admin can change this; you are signed in as a viewer."


class SignInRequired(Exception):
    """No live session: the browser is sent to sign in (a page) or told to (a fragment)."""

    def __init__(self, next_path: str, *, fragment: bool) -> None:
        super().__init__(next_path)
        self.location = "/sign-in?next=" + quote(safe_next(next_path), safe="/")
        self.fragment = fragment


def session_cookie(request: Request) -> str:
    """The session cookie's name for this request (``__Host-`` prefixed when Secure)."""
    return request.state.cookie_policy.name(SESSION_COOKIE)


def session_id(request: Request) -> str | None:
    """The session id the browser presented, if any."""
    return request.cookies.get(session_cookie(request))


def _user(request: Request, services: Services, web: WebContext) -> SessionUser | None:
    user = users.session_user(services.engine, session_id(request), services.clock(), web.sessions)
    request.state.user = user
    return user


def page_user(request: Request, services: Services, web: Web) -> SessionUser:
    """The signed-in user of a page."""
    user = _user(request, services, web)
    if user is None:
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        else:  # back to the page the form was on, not to a POST-only URL
            here = _referring_page(request)
        raise SignInRequired(here, fragment=False)
    return user


def fragment_user(request: Request, services: Services, web: Web) -> SessionUser:
    """The signed-in user of a fragment or image (sign-in returns to the page it is on)."""
    user = _user(request, services, web)
    if user is None:
        raise SignInRequired(_referring_page(request), fragment=True)
    return user


def _referring_page(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    return referer.path if referer.netloc == request.headers.get("host") else "/"


def check_csrf(request: Request, web: WebContext, presented: str | None) -> None:
    """Refuse (403) a form whose token does not match the browser's CSRF seed."""
    token = presented or request.headers.get(CSRF_HEADER)
    if not csrf_ok(web.key, request.state.csrf_seed, token):
        raise PageProblem(403, BAD_CSRF, title="Refused")


CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def form_user(
    request: Request, services: Services, web: Web, csrf_token: CsrfField = None
) -> SessionUser:
    """A signed-in user posting a form with a good token."""
    user = page_user(request, services, web)
    check_csrf(request, web, csrf_token)
    return user


def admin_form(user: Annotated[SessionUser, Depends(form_user)]) -> SessionUser:
    """An admin posting a form with a good token (a viewer: 403)."""
    if user.role != "admin":
        raise PageProblem(403, ADMINS_ONLY, title="Not allowed")
    return user


PageUser = Annotated[SessionUser, Depends(page_user)]
FragmentUser = Annotated[SessionUser, Depends(fragment_user)]
FormUser = Annotated[SessionUser, Depends(form_user)]
AdminForm = Annotated[SessionUser, Depends(admin_form)]
