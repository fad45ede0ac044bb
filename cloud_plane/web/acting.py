"""Who acts in a dashboard request, as the audit log names them (issue 13)."""

from __future__ import annotations

from cloud_plane.auth.staff import Staff
from cloud_plane.records.audit import Actor, staff_acting
from cloud_plane.services import CloudServices


def dashboard_actor(services: CloudServices, staff: Staff, reason: str | None = None) -> Actor:
    """The signed-in staff member acting through the dashboard now (the cloud's clock)."""
    return staff_acting(staff.username, services.clock(), "dashboard", reason)
