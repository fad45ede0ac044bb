"""Hotlist: entries with whether each local edit reached the cloud; admins add, edit, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from local_node.audit.recorder import Auditor, user_actor
from local_node.db import repo
from local_node.deps import Services, request_auditor
from local_node.errors import NodeError
from local_node.hotlist import service
from local_node.retro_hits import historical_counts
from local_node.users import SessionUser
from local_node.web.context import Web, WebContext
from local_node.web.render import PageProblem, page
from local_node.web.session import ADMINS_ONLY, AdminForm, PageUser
from sync_protocol.hotlist_rules import DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form(max_length=600)]
PRIORITY_RANGE = (MIN_PRIORITY, MAX_PRIORITY)


def _page(
    request: Request,
    services: Services,
    web: WebContext,
    *,
    flash: str | None = None,
    problem: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    entries = repo.list_hotlist(services.engine)
    return page(
        request,
        web,
        "hotlist.html",
        title="Hotlist",
        active="Hotlist",
        status=status,
        flash=flash,
        problem=problem,
        entries=[(e, service.sync_state(e)) for e in entries],
        past_reads=historical_counts(services.engine),
        form=form or {"list": "", "plate": "", "reason": "", "priority": str(DEFAULT_PRIORITY)},
        priority_range=PRIORITY_RANGE,
        editing=False,
    )


@router.get("/hotlist")
def hotlist(request: Request, services: Services, web: Web, _: PageUser) -> HTMLResponse:
    """The live hotlist entries and where each stands with the cloud."""
    return _page(request, services, web)


@router.get("/hotlist/edit")
def edit_entry(
    request: Request,
    services: Services,
    web: Web,
    user: PageUser,
    list_name: Annotated[str, Query(alias="list", max_length=100)] = "",
    plate: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """The form to change an entry's reason and priority (admins)."""
    if user.role != "admin":
        raise PageProblem(403, ADMINS_ONLY, title="Not allowed")
    entry = next(
        (
            e
            for e in repo.list_hotlist(services.engine)
            if (e.list_name, e.plate) == (list_name, plate)
        ),
        None,
    )
    if entry is None:
        raise PageProblem(404, f"No live entry {plate!r} on the {list_name!r} list.", "Not found")
    form = {
        "list": entry.list_name,
        "plate": entry.plate,
        "reason": entry.reason or "",
        "priority": str(entry.priority),
    }
    return page(
        request,
        web,
        "hotlist_edit.html",
        title="Edit hotlist entry",
        active="Hotlist",
        form=form,
        priority_range=PRIORITY_RANGE,
        editing=True,
    )


def _priority(value: str) -> int:
    try:
        priority = int(value.strip() or DEFAULT_PRIORITY)
    except ValueError:
        raise ValueError("Priority: a whole number") from None
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise ValueError(f"Priority: from {MIN_PRIORITY} to {MAX_PRIORITY}")
    return priority


@router.post("/hotlist")
def put_entry(
    request: Request,
    services: Services,
    web: Web,
    user: AdminForm,
    list_name: Annotated[str, Form(alias="list", max_length=100)] = "",
    plate: Annotated[str, Form(max_length=100)] = "",
    reason: Field = "",
    priority: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    """Add an entry, or change one (same list and plate); it matches new reads at once."""
    form = {"list": list_name, "plate": plate, "reason": reason, "priority": priority}
    try:
        if len(reason) > 500:
            raise ValueError("Reason: at most 500 characters")
        entry = service.put_entry(
            services.engine,
            list_name=list_name.strip(),
            plate=plate,
            reason=reason.strip() or None,
            priority=_priority(priority),
            expires_at=None,
            by=_who(user),
            now=services.clock(),
            auditor=_auditor(request, services, user),
        )
    except (ValueError, NodeError) as e:
        detail, status = _problem(e)
        return _page(request, services, web, problem=detail, status=status, form=form)
    done = f"{entry.plate} is on the {entry.list_name} list; it reaches the cloud at the next sync."
    return _page(request, services, web, flash=done)


@router.post("/hotlist/remove")
def remove_entry(
    request: Request,
    services: Services,
    web: Web,
    user: AdminForm,
    list_name: Annotated[str, Form(alias="list", max_length=100)] = "",
    plate: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    """Remove an entry (kept as a tombstone so that the removal syncs)."""
    try:
        service.delete_entry(
            services.engine,
            list_name=list_name,
            plate=plate,
            by=_who(user),
            now=services.clock(),
            auditor=_auditor(request, services, user),
        )
    except NodeError as e:
        detail, status = _problem(e)
        return _page(request, services, web, problem=detail, status=status)
    return _page(request, services, web, flash=f"{plate} removed from the {list_name} list.")


def _who(user: SessionUser) -> str:
    return user_actor(user.username)


def _auditor(request: Request, services: Services, user: SessionUser) -> Auditor:
    return request_auditor(request, services, user_actor(user.username))


def _problem(e: ValueError | NodeError) -> tuple[str, int]:
    if isinstance(e, NodeError):
        return e.detail, e.status_code
    return str(e), 400
