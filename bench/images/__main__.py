"""Entry point of `python -m bench.images`."""

from bench.images.run import main

if __name__ == "__main__":
    raise SystemExit(main())
