"""The cloud store: exactly the bundle of its roles, one attribute per aggregate.

Callers name the role they use (``store.detections.put_batch(...)``) and use cases that
need one or two roles take just those (typed by the role Protocol). The roles of one
store share its database, so ``with store.meta.atomic():`` spans calls to any of them.
"""

from __future__ import annotations

from typing import Protocol

from cloud_plane.store.alert_roles import AlertStore, DeliveryQueue, RecipientStore
from cloud_plane.store.audit_roles import AuditLog
from cloud_plane.store.image_roles import ImageRequestStore
from cloud_plane.store.rate_roles import RateLimitStore
from cloud_plane.store.retention_roles import ReadRetentionStore
from cloud_plane.store.roles import (
    DetectionStore,
    HitStore,
    HotlistStore,
    MetaStore,
    SiteStore,
    UserStore,
)


class CloudStore(Protocol):
    """Everything the cloud persists, by role (contracts in ``roles.py``, ``*_roles.py``)."""

    @property
    def meta(self) -> MetaStore: ...
    @property
    def sites(self) -> SiteStore: ...
    @property
    def detections(self) -> DetectionStore: ...
    @property
    def hits(self) -> HitStore: ...
    @property
    def hotlist(self) -> HotlistStore: ...
    @property
    def users(self) -> UserStore: ...
    @property
    def alerts(self) -> AlertStore: ...
    @property
    def recipients(self) -> RecipientStore: ...
    @property
    def deliveries(self) -> DeliveryQueue: ...
    @property
    def rate_limits(self) -> RateLimitStore: ...
    @property
    def retention(self) -> ReadRetentionStore: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def images(self) -> ImageRequestStore: ...
