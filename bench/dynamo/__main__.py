"""Entry point of `python -m bench.dynamo`."""

from bench.dynamo.run import main

if __name__ == "__main__":
    raise SystemExit(main())
