"""Mounting the web app on the node's FastAPI app: pages, static files, errors, PageGuard."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from local_node.config import NodeSettings
from local_node.web import cameras_page, hotlist_page, live, reads, search_page, sign_in, sync_page
from local_node.web.context import build_context
from local_node.web.render import PageProblem, page
from local_node.web.session import SignInRequired
from sync_protocol import web_assets
from sync_protocol.web_guard import PageGuard


def install_web(app: FastAPI, settings: NodeSettings) -> None:
    """Add the pages at `/` (the JSON API stays as it is)."""
    web = build_context(settings)
    app.state.web = web
    app.mount("/static", StaticFiles(directory=str(web_assets.STATIC)), name="static")
    for module in (sign_in, live, reads, search_page, hotlist_page, cameras_page, sync_page):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(_: Request, exc: SignInRequired) -> Response:
        if exc.fragment:
            return Response("sign in again", status_code=401, headers={"X-Sign-In": exc.location})
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(PageProblem)
    async def page_problem(request: Request, exc: PageProblem) -> HTMLResponse:
        return page(
            request, web, "error.html", title=exc.title, status=exc.status, message=exc.message
        )

    app.add_middleware(PageGuard, key=web.key, cookie_secure=settings.web.cookie_secure)
