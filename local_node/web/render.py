"""Rendering pages (in the shared layout) and fragments, and the pages' error types."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from local_node.web.context import WebContext

APP_NAME = "edgesync site"
NAV = [
    ("Live", "/"),
    ("Search", "/search"),
    ("Hotlist", "/hotlist"),
    ("Cameras", "/cameras"),
    ("Sync", "/sync"),
]
ADMIN_NAV = [("Audit", "/audit")]


class PageProblem(Exception):
    """A request the page cannot do, shown as an HTML page with this status and message."""

    def __init__(self, status: int, message: str, title: str = "Not possible") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title


def page(
    request: Request,
    web: WebContext,
    template: str,
    *,
    title: str,
    active: str | None = None,
    status: int = 200,
    flash: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A full page in the shared layout (admins also see the Audit link)."""
    user = getattr(request.state, "user", None)
    admin = user is not None and getattr(user, "role", None) == "admin"
    html = web.templates.get_template(template).render(
        title=title,
        app_name=APP_NAME,
        nav=NAV + ADMIN_NAV if admin else NAV,
        active=active,
        user=user,
        csrf=request.state.csrf_token,
        flash=flash,
        sign_out="/sign-out",
        **context,
    )
    return HTMLResponse(html, status_code=status)


def fragment(web: WebContext, template: str, **context: Any) -> HTMLResponse:
    """A piece of a page that `data-poll` swaps in."""
    return HTMLResponse(web.templates.get_template(template).render(**context))
