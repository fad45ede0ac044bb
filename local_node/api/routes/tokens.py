"""API tokens for an admin: list (never the secret) and revoke (its next request gets 401).

Thin over `local_node.manage` and `local_node.db.access`, like `edgesync node tokens ...`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from local_node import manage
from local_node.db import access
from local_node.deps import AdminAudit, AdminAuth, Services
from local_node.errors import NotFound
from sync_protocol.audit import AuditAction

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or an unknown, revoked or expired one"},
    403: {"description": "The token is not an admin token"},
}


class TokenOut(BaseModel):
    """A token without its secret (only its digest is stored)."""

    token_id: str
    name: str | None
    role: str
    status: str = Field(description="active, expired or revoked")
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None = Field(description="To the minute")


class TokenListOut(BaseModel):
    tokens: list[TokenOut]


@router.get("", response_model=TokenListOut, responses=_ERRORS)
def list_tokens(services: Services, _: AdminAuth) -> TokenListOut:
    """Every token, revoked ones too, oldest first (as `node tokens list`)."""
    now = services.clock()
    return TokenListOut(
        tokens=[TokenOut(**manage.token_json(t, now)) for t in access.list_tokens(services.engine)]
    )


@router.delete(
    "/{token_id}",
    response_model=TokenOut,
    responses={**_ERRORS, 404: {"description": "No such token"}},
)
def revoke_token(
    token_id: Annotated[str, Path(min_length=1, max_length=128)],
    services: Services,
    audit: AdminAudit,
) -> dict:
    """Revoke a token: its next request gets 401 (revoking twice keeps the first time)."""
    now = services.clock()
    row = access.revoke_token(services.engine, token_id, now)
    if row is None:
        raise NotFound(f"no token {token_id!r}")
    audit.record(AuditAction.KEY_REVOKE, target=f"token:{row.id}", detail={"role": row.role})
    return manage.token_json(row, now)
