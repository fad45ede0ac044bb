"""The fallback's tables: hits that may need a local alert, and the ledger of every attempt.

Every attempt is a row of ``local_alert_deliveries``, written *before* the send (``ok``
NULL, in flight) and settled after it. ``claim`` refuses a recipient that already has an
ok or in-flight row, and the unique (hit, channel, recipient, attempt) key lets only one
of two racing senders take an attempt number: a hit reaches a recipient once, across
restarts and processes. The one exception is a node that stops *during* a send: the row
stays in flight, ``abandon_in_flight`` marks it failed with an "outcome unknown" error at
the next start, and the hit is sent again (at most that one message repeats, and the
ledger says so).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from local_node.alerts.channels import SendOutcome
from local_node.db.tables import Camera, Detection, Hit, LocalAlertDelivery

Target = tuple[str, str]
"""(channel, recipient): one place a hit's alert goes."""

D = LocalAlertDelivery

UNKNOWN_OUTCOME = "outcome unknown: the node stopped during this attempt (it may have arrived)"


@dataclass(frozen=True)
class Claim:
    """An attempt this sender owns: settle it with ``settle``."""

    row_id: int
    attempt: int


def _targets_clause(targets: Sequence[Target]):
    if not targets:
        return false()
    return or_(*(and_(D.channel == c, D.recipient == r) for c, r in targets))


def candidates(
    conn: Connection,
    *,
    after_hit_id: int,
    min_priority: int,
    not_before: datetime,
    targets: Sequence[Target],
    skip: Collection[int] = (),
    limit: int = 100,
) -> list[Mapping[str, Any]]:
    """Hits the cloud has not stored (id > ``after_hit_id``) that some target still lacks.

    Oldest first, with their detection and camera name. A target counts as served when it
    has an ok or an in-flight row.
    """
    served = (
        select(func.count())
        .select_from(D)
        .where(D.hit_id == Hit.id, or_(D.ok.is_(True), D.ok.is_(None)), _targets_clause(targets))
        .scalar_subquery()
    )
    query = (
        select(
            Hit.id,
            Hit.detection_id,
            Hit.list_name,
            Hit.entry_plate,
            Hit.match_kind,
            Hit.priority,
            Hit.reason,
            Hit.created_at,
            Detection.plate,
            Detection.camera_id,
            Detection.captured_at,
            Detection.confidence,
            Camera.name.label("camera_name"),
        )
        .join(Detection, Detection.id == Hit.detection_id)
        .outerjoin(Camera, Camera.id == Detection.camera_id)
        .where(
            Hit.id > after_hit_id,
            Hit.historical.is_(False),  # past reads (retro_hits.py, imports) page nobody
            Hit.priority >= min_priority,
            Hit.created_at >= not_before,
            served < len(set(targets)),
        )
        .order_by(Hit.id)
        .limit(limit)
    )
    if skip:
        query = query.where(Hit.id.not_in(list(skip)))
    return list(conn.execute(query).mappings())


def claim(
    engine: Engine,
    *,
    hit_id: int,
    detection_id: str,
    target: Target,
    now: datetime,
) -> Claim | None:
    """Take the next attempt for ``target`` in a transaction of its own.

    Returns None if the target already has an ok or in-flight row, or if another sender
    took this attempt number first (unique key).
    """
    channel, recipient = target
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                select(D.attempt, D.ok).where(
                    D.hit_id == hit_id, D.channel == channel, D.recipient == recipient
                )
            ).all()
            if any(r.ok is None or r.ok for r in rows):
                return None
            attempt = max((r.attempt for r in rows), default=0) + 1
            row_id = conn.execute(
                insert(D)
                .values(
                    hit_id=hit_id,
                    detection_id=detection_id,
                    channel=channel,
                    recipient=recipient,
                    attempt=attempt,
                    attempted_at=now,
                    ok=None,
                )
                .returning(D.id)
            ).scalar_one()
    except IntegrityError:
        return None  # another sender took this attempt
    return Claim(row_id, attempt)


def settle(conn: Connection, claim_: Claim, outcome: SendOutcome) -> None:
    """Record how a claimed attempt ended."""
    conn.execute(
        update(D)
        .where(D.id == claim_.row_id)
        .values(
            ok=outcome.ok,
            provider_message_id=(outcome.provider_message_id or "")[:500] or None,
            error=None if outcome.ok else (outcome.error or "failed")[:500],
        )
    )


def abandon_in_flight(conn: Connection) -> int:
    """Mark attempts left in flight by a stopped node as failed (outcome unknown)."""
    result = conn.execute(update(D).where(D.ok.is_(None)).values(ok=False, error=UNKNOWN_OUTCOME))
    return result.rowcount or 0


def attempts(conn: Connection, hit_id: int) -> list[Mapping[str, Any]]:
    """Every attempt for one hit, in order (status pages and tests)."""
    return list(
        conn.execute(
            select(D.__table__).where(D.hit_id == hit_id).order_by(D.attempted_at, D.id)
        ).mappings()
    )


def max_age_start(now: datetime, max_age_s: float) -> datetime:
    """The oldest hit time the fallback still alerts."""
    return now - timedelta(seconds=max_age_s)
