"""Templates: one Jinja environment (own folder, then the shared layout and macros), autoescaped.

``page`` renders a full page with the layout's context (nav for the caller's role, the CSRF
token, a flash); ``fragment`` renders a piece a ``data-poll`` element swaps in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from cloud_plane.auth.staff import Staff
from cloud_plane.records.audit import AUDIT_ROLES
from cloud_plane.web.zones import site_time
from sync_protocol import web_assets
from sync_protocol.web_security import SESSION_ENDED

APP_NAME = "edgesync"
HERE = Path(__file__).with_name("templates")

NAV_ALL = (
    ("Overview", "/"),
    ("Sites", "/sites"),
    ("Search", "/search"),
    ("Hotlist", "/hotlist"),
    ("Alerts", "/alerts"),
)
NAV_ADMIN = (("Recipients", "/recipients"), ("Users", "/users"))
NAV_AUDIT = (("Audit", "/audit"),)  # admins and managers (``records.audit.AUDIT_ROLES``)

# ``?notice=<code>`` after a redirect: fixed wordings, so a link cannot put its own text here.
NOTICES = {
    "session-ended": SESSION_ENDED,
    "signed-out": "You are signed out.",
    "saved": "Saved.",
    "removed": "Removed.",
    "acknowledged": "Acknowledged.",
}

env = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(HERE), jinja2.FileSystemLoader(web_assets.TEMPLATES)]
    ),
    autoescape=True,  # every template, whatever its name: camera strings are data
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals["site_time"] = site_time  # a site's time on its own clock (``web/zones.py``)


def nav_for(staff: Staff | None) -> list[tuple[str, str]]:
    """The navigation links the caller may follow."""
    if staff is None:
        return []
    audit = NAV_AUDIT if staff.role in AUDIT_ROLES else ()
    return [*NAV_ALL, *audit, *(NAV_ADMIN if staff.role == "admin" else ())]


def page(
    request: Request,
    template: str,
    *,
    title: str,
    staff: Staff | None,
    active: str | None = None,
    status_code: int = 200,
    flash: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A full page in the shared layout."""
    html = env.get_template(template).render(
        title=title,
        app_name=APP_NAME,
        nav=nav_for(staff),
        active=active,
        user=staff,
        csrf=request.state.csrf_token,
        flash=flash if flash is not None else NOTICES.get(request.query_params.get("notice", "")),
        sign_out="/sign-out",
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def fragment(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A piece of a page (no layout), for ``data-poll``."""
    html = env.get_template(template).render(csrf=request.state.csrf_token, **context)
    return HTMLResponse(html)
