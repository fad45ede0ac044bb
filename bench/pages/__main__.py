"""Entry point of `python -m bench.pages`."""

from bench.pages.run import main

if __name__ == "__main__":
    raise SystemExit(main())
