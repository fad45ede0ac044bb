"""Sites: list and detail (health from the last heartbeat), scoped to the caller; for admins,
create, rename, set how long its reads are kept, re-issue an enrolment code and archive (as
`edgesync cloud sites ...`); for admins and the site's managers, its time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from cloud_plane import staff_admin
from cloud_plane.deps import AdminAuth, Services, StaffAuth, api_actor
from cloud_plane.errors import Forbidden, InvalidInput, NotFound
from cloud_plane.records.retention import MAX_DAYS, MIN_DAYS, effective_days
from cloud_plane.records.sites import Site, site_zone, status_of
from sync_protocol.wire_types import Printable

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


class CameraOut(BaseModel):
    camera_id: str
    name: str | None = None  # from the node's heartbeat (older nodes send none)
    last_seen: datetime | None
    detections_last_interval: int
    errors: int = Field(description="what the camera did wrong at its node within errors_window_s")
    errors_by_reason: dict[str, int] = Field(
        default_factory=dict,
        description="errors by reason (sync_protocol.messages.CameraErrorReason); "
        "empty from nodes that do not count them",
    )
    clock_offset_s: float | None


class BacklogOut(BaseModel):
    count: int
    oldest_age_s: float | None


class SiteOut(BaseModel):
    site_id: str
    name: str
    status: str  # online, offline, never_seen, revoked
    created_at: datetime
    enrolled_at: datetime | None
    revoked_at: datetime | None
    archived_at: datetime | None = None
    last_heartbeat_at: datetime | None
    timezone: str | None = Field(
        default=None, description="The site's own IANA time zone; null: the cloud's default"
    )
    zone_in_use: str = Field(
        default="UTC",
        description="The zone its times are shown and judged in (its own, else "
        "the cloud's alert_timezone)",
    )
    read_retention_days: int | None = Field(
        default=None,
        description="Days the cloud keeps the site's reads; null: the cloud-wide "
        "detection_retention_days",
    )
    retention_days_in_use: int | None = Field(
        default=None, description="Days its reads are kept (its own, else the default); null: kept"
    )


class SiteDetailOut(SiteOut):
    node_version: str | None
    uptime_s: float | None
    disk_used_bytes: int | None
    disk_total_bytes: int | None
    db_size_bytes: int | None
    backlog: BacklogOut | None
    cameras: list[CameraOut]
    errors_window_s: float | None = Field(
        default=None, description="the window camera errors count over (None: not counted)"
    )
    unattributed_errors: dict[str, int] = Field(
        default_factory=dict,
        description="refused camera posts that named no camera (missing or unknown key), "
        "by reason, within errors_window_s",
    )


def _out(site: Site, services: Services) -> dict:
    return {
        "site_id": site.site_id,
        "name": site.name,
        "status": status_of(site, services.clock(), services.settings.health.offline_after_s),
        "created_at": site.created_at,
        "enrolled_at": site.enrolled_at,
        "revoked_at": site.revoked_at,
        "archived_at": site.archived_at,
        "last_heartbeat_at": site.last_heartbeat_at,
        "timezone": site.timezone,
        "zone_in_use": site_zone(site, services.settings.alerts.timezone),
        "read_retention_days": site.read_retention_days,
        "retention_days_in_use": effective_days(
            site.read_retention_days, services.settings.detection_retention_days
        ),
    }


@router.get("", response_model=list[SiteOut])
def list_sites(services: Services, staff: StaffAuth) -> list[SiteOut]:
    """Return the sites the caller may see."""
    return [SiteOut(**_out(s, services)) for s in services.store.sites.list_sites(staff.sites)]


@router.get("/{site_id}", response_model=SiteDetailOut)
def get_site(site_id: str, services: Services, staff: StaffAuth) -> SiteDetailOut:
    """Return one site's health: last heartbeat, status, cameras, sync backlog."""
    if not staff.can_see(site_id):
        raise NotFound(f"no site {site_id!r}")  # out of scope looks like absent
    site = services.store.sites.get_site(site_id)
    hb = site.heartbeat
    return SiteDetailOut(
        **_out(site, services),
        node_version=hb.node_version if hb else None,
        uptime_s=hb.uptime_s if hb else None,
        disk_used_bytes=hb.disk_used_bytes if hb else None,
        disk_total_bytes=hb.disk_total_bytes if hb else None,
        db_size_bytes=hb.db_size_bytes if hb else None,
        backlog=BacklogOut(count=hb.backlog_count, oldest_age_s=hb.backlog_oldest_age_s)
        if hb
        else None,
        cameras=[CameraOut(**c.model_dump()) for c in hb.cameras] if hb else [],
        errors_window_s=hb.errors_window_s if hb else None,
        unattributed_errors=dict(hb.unattributed_errors) if hb else {},
    )


# Admin only: the same use cases as `edgesync cloud create-site` and `cloud sites ...`.

NO_STORE = {"Cache-Control": "no-store"}
_ADMIN_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or an invalid, expired or revoked one"},
    403: {"description": "Not an admin"},
}
_NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such site"}}
_TAKEN: dict[int | str, dict[str, str]] = {409: {"description": "A live site has this name"}}


class SiteNameIn(BaseModel):
    """A site's name (unique among sites not archived)."""

    name: Annotated[str, Printable] = Field(min_length=1, max_length=200)  # no NUL: PostgreSQL


ZoneName = Annotated[str, Printable, Field(max_length=64, description="IANA, e.g. Europe/Berlin")]


class SiteCreateIn(SiteNameIn):
    """A new site: its name and, optionally, its IANA time zone (unset: the cloud's default,
    until its node reports one at enrolment)."""

    timezone: ZoneName | None = None


class SitePatchIn(BaseModel):
    """What to change; fields left out stay. ``timezone: null`` returns the site to the
    cloud's default zone, ``read_retention_days: null`` to the cloud's default retention."""

    name: Annotated[str, Printable] | None = Field(
        default=None, min_length=1, max_length=200, description="Admins only"
    )
    timezone: ZoneName | None = Field(default=None, description="Admins and the site's managers")
    read_retention_days: int | None = Field(
        default=None,
        ge=MIN_DAYS,
        le=MAX_DAYS,
        strict=True,
        description="Admins only: days the cloud keeps the site's reads (older ones are "
        "deleted by the hourly retention job); null: the cloud-wide default",
    )


class SiteCreatedOut(BaseModel):
    site_id: str
    enrollment_code: str = Field(description="One-time; shown once (`node enroll --code`)")


class EnrollmentCodeOut(BaseModel):
    site_id: str
    enrollment_code: str = Field(description="One-time; earlier unused codes stop working")


class ArchivedOut(BaseModel):
    site_id: str
    status: str = Field(description="deleted (it never enrolled) or archived")


@router.post(
    "", status_code=201, response_model=SiteCreatedOut, responses={**_ADMIN_ERRORS, **_TAKEN}
)
def create_site(
    body: SiteCreateIn, services: Services, staff: AdminAuth, response: Response
) -> SiteCreatedOut:
    """Create a site and its one-time enrolment code (in this answer only); 422 for an
    unknown time zone."""
    site, code = staff_admin.create_site(
        services.store,
        body.name,
        now=services.clock(),
        ttl_s=services.settings.enrollment_code_ttl_s,
        by=api_actor(services, staff),
        timezone=body.timezone,
    )
    response.headers.update(NO_STORE)
    return SiteCreatedOut(site_id=site.site_id, enrollment_code=code)


@router.patch(
    "/{site_id}",
    response_model=SiteOut,
    responses={
        401: _ADMIN_ERRORS[401],
        403: {
            "description": "A rename or retention change by a non-admin, or a viewer changing "
            "the zone"
        },
        404: {"description": "No such site, or not in the caller's sites"},
        **_TAKEN,
        422: {
            "description": "Nothing to change, an unknown time zone, or a retention out of "
            "1..3650 days"
        },
    },
)
def change_site(site_id: str, body: SitePatchIn, services: Services, staff: StaffAuth) -> SiteOut:
    """Rename a site (admins; 409 if a live site has the name), set how long its reads are
    kept (admins) or set its time zone (admins and the site's managers; 422 for an unknown
    zone)."""
    if not staff.can_see(site_id):
        raise NotFound(f"no site {site_id!r}")  # out of scope looks like absent
    given = body.model_fields_set
    if not given & {"name", "timezone", "read_retention_days"}:
        raise InvalidInput("give a name, a timezone or read_retention_days")
    if "name" in given:
        if staff.role != "admin":
            raise Forbidden("renaming a site needs the admin role")
        if body.name is None:
            raise InvalidInput("name cannot be null")
    if "read_retention_days" in given and staff.role != "admin":
        raise Forbidden("changing a site's read retention needs the admin role")
    if "timezone" in given:
        if staff.role == "viewer":
            raise Forbidden("viewers cannot change a site's time zone")
        if body.timezone is not None:
            staff_admin.site_timezone(body.timezone)  # 422 before anything changes
    site = services.store.sites.get_site(site_id)
    if body.name is not None:
        site = staff_admin.rename_site(
            services.store, site_id, body.name, by=api_actor(services, staff)
        )
    if "timezone" in given:
        site = staff_admin.set_site_timezone(
            services.store, site_id, body.timezone, by=api_actor(services, staff)
        )
    if "read_retention_days" in given:
        site = staff_admin.set_site_read_retention(
            services.store, site_id, body.read_retention_days, by=api_actor(services, staff)
        )
    return SiteOut(**_out(site, services))


@router.post(
    "/{site_id}/enrollment-code",
    response_model=EnrollmentCodeOut,
    responses={**_ADMIN_ERRORS, **_NOT_FOUND, 409: {"description": "Revoked or archived"}},
)
def new_enrollment_code(
    site_id: str, services: Services, staff: AdminAuth, response: Response
) -> EnrollmentCodeOut:
    """A new one-time enrolment code (in this answer only); earlier unused ones stop working."""
    code = staff_admin.new_enrollment_code(
        services.store,
        site_id,
        now=services.clock(),
        ttl_s=services.settings.enrollment_code_ttl_s,
        by=api_actor(services, staff),
    )
    response.headers.update(NO_STORE)
    return EnrollmentCodeOut(site_id=site_id, enrollment_code=code)


@router.post(
    "/{site_id}/archive", response_model=ArchivedOut, responses={**_ADMIN_ERRORS, **_NOT_FOUND}
)
def archive_site(site_id: str, services: Services, staff: AdminAuth) -> ArchivedOut:
    """Retire a site: deleted if it never enrolled, else archived (its node stops syncing,
    its data stays, its name is free)."""
    site = staff_admin.archive_site(
        services.store, site_id, now=services.clock(), by=api_actor(services, staff)
    )
    return ArchivedOut(site_id=site_id, status="deleted" if site is None else "archived")
