"""`python -m edgesync` is the `edgesync` command."""

from edgesync.cli import main

if __name__ == "__main__":  # not again in a worker process started with spawn
    main()
