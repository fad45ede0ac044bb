"""`edgesync node tokens list|revoke`: the API tokens of `create-token` (never their secret)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_of(token: Any, now: datetime) -> str:
    """revoked, expired or active."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def token_json(token: Any, now: datetime) -> dict[str, Any]:
    """What may be shown of a token: everything but its secret (only its digest is stored)."""
    return {
        "token_id": token.id,
        "name": token.name,
        "role": token.role,
        "status": status_of(token, now),
        "created_at": _iso(token.created_at),
        "expires_at": _iso(token.expires_at),
        "revoked_at": _iso(token.revoked_at),
        "last_used_at": _iso(token.last_used_at),
    }


@click.group()
def tokens() -> None:
    """List and revoke API tokens (make one with `node create-token`)."""


@tokens.command("list")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def list_tokens(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """List tokens: id, name, role, status, created, expiry, last used (to the minute)."""
    from local_node.clock import utc_now
    from local_node.db import access

    now = utc_now()
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    rows = [token_json(t, now) for t in access.list_tokens(engine)]
    if as_json:
        click.echo(json.dumps({"tokens": rows}))
        return
    if not rows:
        click.echo("no tokens (make one with: edgesync node create-token --role viewer)")
    for r in rows:
        click.echo(
            f"{r['token_id']}  {r['role']:<6} {r['status']:<7} {r['name'] or '-':<20} "
            f"created {r['created_at']}, expires {r['expires_at'] or 'never'}, "
            f"last used {r['last_used_at'] or 'never'}"
        )


@tokens.command("revoke")
@click.argument("token_id")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def revoke(token_id: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Revoke TOKEN_ID (from `node tokens list`): its next request gets 401."""
    from local_node.clock import utc_now
    from local_node.db import access

    now = utc_now()
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    row = access.revoke_token(engine, token_id, now)
    if row is None:
        raise click.ClickException(f"no token {token_id!r} (see: edgesync node tokens list)")
    if as_json:
        click.echo(json.dumps(token_json(row, now)))
    else:
        click.echo(f"token {row.id} revoked at {_iso(row.revoked_at)}")
