"""Writing audit entries: who did what, to what, from where, and why (append-only).

An entry is written in the caller's transaction when it passes one (``within``), so that an
action and its record commit or roll back together; otherwise in a transaction of its own,
right after the action. Caller-supplied text is bounded (``sync_protocol.audit.bounded``):
an audit write never fails because a query or a reason was long or odd. Secrets (keys,
tokens, passwords) are never given to the recorder: only ids and names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from local_node.clock import Clock
from local_node.db.tables import AuditEntry
from sync_protocol.audit import AuditAction, AuditRecord, bounded, detail_json

CLI = "cli"
"""Actor and source of what is done with `edgesync node ...` on the node's own machine."""


def token_actor(token_id: str | None) -> str:
    """The actor of a request made with an API token (its id, never its secret)."""
    return f"token:{token_id or 'unknown'}"


def user_actor(username: str) -> str:
    """The actor of a web app user's action."""
    return f"user:{username}"


def record(
    target: Engine | Connection | Session,
    entry: AuditRecord,
) -> None:
    """Store one entry: in ``target``'s transaction (Connection, Session) or its own (Engine)."""
    clean = bounded(entry)
    values = {
        "at": clean.at,
        "actor": clean.actor,
        "action": str(clean.action),
        "target": clean.target,
        "reason": clean.reason,
        "source": clean.source,
        "detail_json": detail_json(clean.detail),
    }
    statement = insert(AuditEntry.__table__).values(**values)  # type: ignore[attr-defined]
    if isinstance(target, Engine):
        with target.begin() as conn:
            conn.execute(statement)
    else:
        target.execute(statement)


@dataclass(frozen=True)
class Auditor:
    """Records entries for one caller (an HTTP request's token or user, or the CLI)."""

    engine: Engine
    actor: str
    source: str | None
    clock: Clock

    def record(
        self,
        action: AuditAction,
        *,
        target: str | None = None,
        reason: str | None = None,
        detail: Mapping[str, Any] | None = None,
        within: Connection | Session | None = None,
    ) -> None:
        """Store one entry for this caller (in ``within``'s transaction when given)."""
        record(
            within if within is not None else self.engine,
            AuditRecord(
                at=self.clock(),
                actor=self.actor,
                action=action,
                target=target,
                reason=reason,
                source=self.source,
                detail=dict(detail or {}),
            ),
        )


def cli_auditor(engine: Engine, clock: Clock) -> Auditor:
    """The auditor of an `edgesync node ...` command."""
    return Auditor(engine=engine, actor=CLI, source=CLI, clock=clock)


def query_detail(**fields: Any) -> dict[str, Any]:
    """A search's or an export's parameters as detail: only those given, times as ISO text."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or value == "" or value is False:
            continue
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
