"""`edgesync camera ...`: tools that act as cameras."""

from __future__ import annotations

import click

from edgesync.simulator.cli import simulate


@click.group()
def camera() -> None:
    """Simulated cameras: realistic plate reads with real JPEGs, posted to a node."""


camera.add_command(simulate)
