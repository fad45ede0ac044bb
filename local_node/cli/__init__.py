"""`edgesync node ...`: run the node and manage its cameras, tokens, users and database.

This package only assembles the `node` group; each command group lives in its own module
(`serve`, `access`, `cameras`, `tokens`, `users`, `export`, `importing`, `audit`, `retention`, `db`,
`sync`, `backup`) with the
flags they share in `options`.
The commands import what they run lazily, so `--help` stays fast.
"""

from __future__ import annotations

import click

from local_node.cli.access import add_camera, create_token
from local_node.cli.audit import audit
from local_node.cli.backup import backup, restore
from local_node.cli.cameras import cameras
from local_node.cli.db import db
from local_node.cli.export import export
from local_node.cli.importing import import_reads
from local_node.cli.retention import retention
from local_node.cli.serve import serve
from local_node.cli.sync import agent, enroll
from local_node.cli.tokens import tokens
from local_node.cli.users import create_user, users


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
def node() -> None:
    """The local node at a site: camera API, detection log, hotlist, sync agent."""


for command in (
    serve,
    add_camera,
    create_token,
    create_user,
    users,
    cameras,
    tokens,
    export,
    import_reads,
    audit,
    retention,
    db,
    enroll,
    agent,
    backup,
    restore,
):
    node.add_command(command)

__all__ = ["node"]
