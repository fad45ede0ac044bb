"""`edgesync node tokens list|revoke`: the API tokens of `create-token` (never their secret)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)
from local_node.manage import iso as _iso
from local_node.manage import token_json


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
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.db import access
    from sync_protocol.audit import AuditAction

    now = utc_now()
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    row = access.revoke_token(engine, token_id, now)
    if row is None:
        raise click.ClickException(f"no token {token_id!r} (see: edgesync node tokens list)")
    cli_auditor(engine, utc_now).record(
        AuditAction.KEY_REVOKE, target=f"token:{row.id}", detail={"role": row.role}
    )
    if as_json:
        click.echo(json.dumps(token_json(row, now)))
    else:
        click.echo(f"token {row.id} revoked at {_iso(row.revoked_at)}")
