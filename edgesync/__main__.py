"""`python -m edgesync` is the `edgesync` command."""

from edgesync.cli import main

main()
