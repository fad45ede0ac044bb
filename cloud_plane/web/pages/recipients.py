"""``/recipients`` (admins): who gets which alerts, how; add, edit, delete; subscriptions.

Saving goes through ``alerts.recipients_admin``, as the API's routes do.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cloud_plane.alerts import recipients_admin
from cloud_plane.alerts.model import AlertKind, ChannelKind
from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.errors import InvalidInput
from cloud_plane.records.recipients import Subscription
from cloud_plane.services import CloudServices
from cloud_plane.web.acting import dashboard_actor
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import Csrf, PageAdmin
from sync_protocol.hotlist_rules import list_name_problem

router = APIRouter(route_class=PageRoute)

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")]
Text = Annotated[str, Form(max_length=2048)]
Many = Annotated[list[str], Form(max_length=20)]


def _blank(value: str) -> str | None:
    return value.strip() or None


def _recipients_page(
    request: Request,
    services: CloudServices,
    staff: Staff,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    store = services.store
    subs: dict[str, int] = {}
    for s in store.recipients.list_subscriptions():
        subs[s.recipient_id] = subs.get(s.recipient_id, 0) + 1
    return page(
        request,
        "recipients.html",
        title="Recipients",
        staff=staff,
        active="Recipients",
        recipients=store.recipients.list_recipients(),
        subs=subs,
        error=error,
        form=form or {},
        status_code=422 if error else 200,
    )


@router.get("/recipients", response_class=HTMLResponse)
def recipients(request: Request, services: Services, staff: PageAdmin) -> HTMLResponse:
    """Every recipient, and the add form."""
    return _recipients_page(request, services, staff)


def _save(
    services: CloudServices,
    staff: Staff,
    recipient_id: str,
    name: str,
    phone: str,
    email: str,
    webhook_url: str,
    webhook_secret: str,
) -> None:
    if any(ord(c) < 0x20 for c in name):
        raise InvalidInput("Name holds control characters")
    recipients_admin.save_recipient(
        services.store,
        recipient_id,
        name=name.strip(),
        phone=_blank(phone),
        email=_blank(email),
        webhook_url=_blank(webhook_url),
        webhook_secret=_blank(webhook_secret),
        now=services.clock(),
        by=dashboard_actor(services, staff),
    )


@router.post("/recipients", response_class=HTMLResponse)
def add_recipient(
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    name: Text = "",
    phone: Text = "",
    email: Text = "",
    webhook_url: Text = "",
    webhook_secret: Text = "",
) -> Response:
    """Add a recipient (then add their subscriptions on their page)."""
    recipient_id = "r_" + secrets.token_hex(5)
    try:
        _save(services, staff, recipient_id, name, phone, email, webhook_url, webhook_secret)
    except InvalidInput as exc:
        form = {"name": name, "phone": phone, "email": email, "webhook_url": webhook_url}
        return _recipients_page(request, services, staff, error=exc.detail, form=form)
    return RedirectResponse(f"/recipients/{recipient_id}?notice=saved", status_code=303)


def _recipient_page(
    request: Request,
    services: CloudServices,
    staff: Staff,
    recipient_id: str,
    *,
    error: str | None = None,
) -> HTMLResponse:
    store = services.store
    recipient = store.recipients.get_recipient(recipient_id)
    sites = store.sites.list_sites()
    return page(
        request,
        "recipient.html",
        title=recipient.name,
        staff=staff,
        active="Recipients",
        r=recipient,
        subscriptions=store.recipients.list_subscriptions(recipient_id),
        site_names={s.site_id: s.name for s in sites},
        sites=[s for s in sites if not s.archived],
        channels=[c.value for c in ChannelKind],
        kinds=[k.value for k in AlertKind],
        error=error,
        status_code=422 if error else 200,
    )


@router.get("/recipients/{recipient_id}", response_class=HTMLResponse)
def recipient(
    recipient_id: Id, request: Request, services: Services, staff: PageAdmin
) -> HTMLResponse:
    """One recipient: their details and subscriptions."""
    return _recipient_page(request, services, staff, recipient_id)


@router.post("/recipients/{recipient_id}", response_class=HTMLResponse)
def edit_recipient(
    recipient_id: Id,
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    name: Text = "",
    phone: Text = "",
    email: Text = "",
    webhook_url: Text = "",
    webhook_secret: Text = "",
) -> Response:
    """Change a recipient (a blank webhook secret keeps the stored one)."""
    services.store.recipients.get_recipient(recipient_id)  # NotFound: no upsert by URL
    try:
        _save(services, staff, recipient_id, name, phone, email, webhook_url, webhook_secret)
    except InvalidInput as exc:
        return _recipient_page(request, services, staff, recipient_id, error=exc.detail)
    return RedirectResponse(f"/recipients/{recipient_id}?notice=saved", status_code=303)


@router.post("/recipients/{recipient_id}/delete")
def delete_recipient(recipient_id: Id, services: Services, _s: PageAdmin, _: Csrf) -> Response:
    """Delete the recipient and their subscriptions."""
    services.store.recipients.delete_recipient(recipient_id)
    return RedirectResponse("/recipients?notice=removed", status_code=303)


def _subscription(
    services: CloudServices,
    recipient_id: str,
    channels: list[str],
    site_id: str,
    lists: str,
    kinds: list[str],
    min_priority: str,
    tier: str,
) -> Subscription:
    known = {c.value for c in ChannelKind}
    if not channels or any(c not in known for c in channels):
        raise InvalidInput("Channels: pick at least one of " + ", ".join(sorted(known)))
    if any(k not in {k.value for k in AlertKind} for k in kinds):
        raise InvalidInput("Kinds: unknown alert kind")
    if site_id:
        services.store.sites.get_site(site_id)
    names = [n.strip().lower() for n in lists.split(",") if n.strip()]
    for n in names:
        if problem := list_name_problem(n):
            raise InvalidInput(f"Lists: {problem}")
    try:
        level = int(min_priority) if min_priority.strip() else None
        step = int(tier) if tier.strip() else 0
    except ValueError:
        raise InvalidInput("Minimum priority and Tier are whole numbers") from None
    if level is not None and not 0 <= level <= 100:
        raise InvalidInput("Minimum priority must be from 0 to 100")
    if not 0 <= step <= 5:
        raise InvalidInput("Tier must be from 0 to 5")
    return Subscription(
        subscription_id="s_" + secrets.token_hex(5),
        recipient_id=recipient_id,
        channels=tuple(dict.fromkeys(channels)),
        created_at=services.clock(),
        site_id=site_id or None,
        lists=frozenset(names),
        min_priority=level,
        kinds=frozenset(kinds),
        tier=step,
    )


@router.post("/recipients/{recipient_id}/subscriptions", response_class=HTMLResponse)
def add_subscription(
    recipient_id: Id,
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    channels: Many = [],  # noqa: B006 (FastAPI copies defaults)
    site_id: Annotated[str, Form(max_length=64)] = "",
    lists: Annotated[str, Form(max_length=1000)] = "",
    kinds: Many = [],  # noqa: B006
    min_priority: Annotated[str, Form(max_length=8)] = "",
    tier: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Add a subscription: which alerts, by which channels, at which tier."""
    services.store.recipients.get_recipient(recipient_id)
    try:
        sub = _subscription(
            services, recipient_id, channels, site_id, lists, kinds, min_priority, tier
        )
        recipients_admin.save_subscription(services.store, sub)
    except InvalidInput as exc:
        return _recipient_page(request, services, staff, recipient_id, error=exc.detail)
    return RedirectResponse(f"/recipients/{recipient_id}?notice=saved", status_code=303)


@router.post("/recipients/{recipient_id}/subscriptions/{subscription_id}/delete")
def delete_subscription(
    recipient_id: Id, subscription_id: Id, services: Services, _s: PageAdmin, _: Csrf
) -> Response:
    """Delete one of the recipient's subscriptions."""
    recipients_admin.delete_subscription(services.store, recipient_id, subscription_id)
    return RedirectResponse(f"/recipients/{recipient_id}?notice=removed", status_code=303)
