"""Mounting the web app on the node's FastAPI app: pages, static files, errors, PageGuard."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from local_node.config import NodeSettings
from local_node.web import (
    audit_page,
    cameras_page,
    hotlist_page,
    live,
    reads,
    search_page,
    sign_in,
    sync_page,
)
from local_node.web.context import build_context
from local_node.web.login_counts import SqlLoginCounts
from local_node.web.render import PageProblem, page
from local_node.web.session import SignInRequired
from sync_protocol import web_assets
from sync_protocol.web_guard import DEFAULT_SKIP, PageGuard


def invalid_fields(exc: RequestValidationError) -> str:
    """What was wrong with a form or query, field by field (never echoing the input)."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][-1]) if error.get("loc") else "input"
        parts.append(f"{field}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request was not valid"


def install_web(app: FastAPI, settings: NodeSettings) -> None:
    """Add the pages at `/` (the JSON API stays as it is).

    Call after the API's error handlers: a bad form or query on a page gets an HTML page
    saying what was wrong, the API's the JSON it always had.
    """
    # Every serving process (--workers, the full cloud's tasks) shares the sign-in back-off.
    web = build_context(settings, SqlLoginCounts(lambda: app.state.services.engine))
    app.state.web = web
    app.mount("/static", StaticFiles(directory=str(web_assets.STATIC)), name="static")
    for module in (
        sign_in,
        live,
        reads,
        search_page,
        hotlist_page,
        cameras_page,
        sync_page,
        audit_page,
    ):
        app.include_router(module.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        # Browsers ask for it on every site; a 404 would be a console error on every page.
        return Response(status_code=204, headers={"Cache-Control": "max-age=86400"})

    @app.exception_handler(SignInRequired)
    async def sign_in_required(_: Request, exc: SignInRequired) -> Response:
        if exc.fragment:
            return Response("sign in again", status_code=401, headers={"X-Sign-In": exc.location})
        return RedirectResponse(exc.location, status_code=303)

    api_invalid = app.exception_handlers.get(RequestValidationError)

    @app.exception_handler(RequestValidationError)
    async def invalid_form(request: Request, exc: RequestValidationError) -> Response:
        if api_invalid is not None and request.url.path.startswith(DEFAULT_SKIP):
            answer = api_invalid(request, exc)  # the JSON API keeps its error shape
            return await answer if inspect.isawaitable(answer) else answer
        return page(
            request,
            web,
            "error.html",
            title="Not possible",
            status=422,
            message=invalid_fields(exc),
        )

    @app.exception_handler(PageProblem)
    async def page_problem(request: Request, exc: PageProblem) -> HTMLResponse:
        return page(
            request, web, "error.html", title=exc.title, status=exc.status, message=exc.message
        )

    app.add_middleware(PageGuard, key=web.key, cookie_secure=settings.web.cookie_secure)
