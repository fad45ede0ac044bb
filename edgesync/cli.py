"""The `edgesync` command: a thin front door that loads each service's commands lazily.

The services never import each other; this module only names where their commands live,
so `edgesync node ...` never loads the cloud plane and vice versa.
"""

from __future__ import annotations

import importlib
import logging
import os

import click

SUBCOMMANDS = {
    "node": ("local_node.cli", "node", "The local node at a site: serve, cameras, tokens."),
    "cloud": ("cloud_plane.cli", "cloud", "The cloud control plane: serve, sites, users."),
    "camera": ("edgesync.camera", "camera", "Simulated cameras for tests and demos."),
    "demo": ("edgesync.demo", "demo", "The whole hybrid system on one machine."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module, attr, _ = SUBCOMMANDS[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(module.split(".")[0]):
                return _unavailable(name, SUBCOMMANDS[name][2])
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in sorted(SUBCOMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _unavailable(name: str, help_: str) -> click.Command:
    @click.command(name=name, help=help_ + " (not built yet)")
    def missing() -> None:
        raise click.ClickException(f"`edgesync {name}` is not available in this build")

    return missing


@click.group(cls=LazyGroup)
@click.option(
    "--log-level",
    default="INFO",
    envvar="EDGESYNC_LOG_LEVEL",
    show_envvar=True,
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much to log (to stderr).",
)
@click.version_option(package_name="edgesync")
def main(log_level: str) -> None:
    """edgesync: licence-plate camera sites synced to one cloud control plane.

    Every option is also an environment variable (shown in each command's --help).
    """
    logging.basicConfig(
        level=log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("EDGESYNC_LOG_LEVEL", log_level.upper())
    if log_level.upper() != "DEBUG":
        # Both narrate routine steps at INFO; our own lines say what matters.
        for noisy in ("alembic", "apscheduler", "httpx"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
