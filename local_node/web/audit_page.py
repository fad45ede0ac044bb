"""The audit log for admins: entries newest first, filters by action and actor, a CSV download,
and the retention job's recent deletion runs. Viewers get 403."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from local_node.audit import queries
from local_node.audit.export import export_lines
from local_node.audit.recorder import user_actor
from local_node.deps import Services, request_auditor
from local_node.retention import recent_runs
from local_node.users import SessionUser
from local_node.web.context import Web
from local_node.web.render import PageProblem, page
from local_node.web.session import PageUser
from sync_protocol.audit import EXPORT_MEDIA_TYPES as MEDIA_TYPES
from sync_protocol.audit import AuditAction

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
RUNS_SHOWN = 10
ADMINS_ONLY_AUDIT = "Only an admin can read the audit log; you are signed in as a viewer."
ACTIONS = [("", "All actions")] + [(a.value, a.value) for a in AuditAction]
Actor = Annotated[str, Query(max_length=200)]
Action = Annotated[str, Query(max_length=64)]


def _admin(user: SessionUser) -> None:
    if user.role != "admin":
        raise PageProblem(403, ADMINS_ONLY_AUDIT, title="Not allowed")


def _filter(action: str, actor: str) -> queries.AuditFilter:
    return queries.AuditFilter(action=action.strip() or None, actor=actor.strip() or None)


@router.get("/audit")
def audit_page(
    request: Request,
    services: Services,
    web: Web,
    user: PageUser,
    action: Action = "",
    actor: Actor = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """Audit entries newest first (50 a page), filtered, with the recent retention runs."""
    _admin(user)
    rows, next_before = queries.page(
        services.engine, _filter(action, actor), before_id=before, limit=PAGE_SIZE
    )
    form = {"action": action, "actor": actor}
    next_url = "/audit?" + urlencode({**form, "before": next_before}) if next_before else None
    return page(
        request,
        web,
        "audit.html",
        title="Audit",
        active="Audit",
        form=form,
        actions=ACTIONS,
        rows=rows,
        next_url=next_url,
        download_url="/audit.csv?" + urlencode(form),
        runs=recent_runs(services.engine, RUNS_SHOWN),
    )


@router.get("/audit.csv")
def audit_csv(
    request: Request,
    services: Services,
    user: PageUser,
    action: Action = "",
    actor: Actor = "",
) -> StreamingResponse:
    """Every matching entry as CSV, oldest first; the download is recorded (audit.export)."""
    _admin(user)
    auditor = request_auditor(request, services, user_actor(user.username))
    lines = export_lines(services.engine, _filter(action, actor), "csv", auditor)
    return StreamingResponse(
        lines,
        media_type=MEDIA_TYPES["csv"],
        headers={
            "Content-Disposition": 'attachment; filename="audit.csv"',
            "Cache-Control": "no-store",
        },
    )
