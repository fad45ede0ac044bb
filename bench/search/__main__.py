"""Entry point of `python -m bench.search`."""

from bench.search.run import main

if __name__ == "__main__":
    raise SystemExit(main())
