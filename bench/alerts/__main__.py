"""Entry point of `python -m bench.alerts`."""

from bench.alerts.run import main

if __name__ == "__main__":
    raise SystemExit(main())
