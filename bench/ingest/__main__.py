"""Entry point of `python -m bench.ingest`."""

from bench.ingest.run import main

if __name__ == "__main__":
    raise SystemExit(main())
