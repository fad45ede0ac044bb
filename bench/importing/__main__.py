"""Entry point of `python -m bench.importing`."""

from bench.importing.run import main

if __name__ == "__main__":
    raise SystemExit(main())
