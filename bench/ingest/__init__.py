"""`python -m bench.ingest`: how many durable camera reads per second one node can take.

One run measures, against a real `edgesync node serve` subprocess on loopback:

1. sustained durable detections/s with ~50 kB JPEGs, closed loop at saturation, with a load
   generator in a separate process (`hey` when present, else a multi-process Python client);
2. p50/p99 latency at the seed's load (open loop, Poisson arrivals) and at saturation;
3. the node's peak memory (VmHWM of it and its children);
4. baseline (a): a bare FastAPI endpoint that only parses the same multipart body;
5. baseline (b): the raw disk limit, one file written and fsynced per iteration.
6. with `--workers 1 2`: the same saturation against `node serve --workers N` for each N,
   as ratios to the bare endpoint and to N=1.
7. with `--image-store file,s3,s3-serial`: the same saturation against a node keeping its
   images in its folder, in an S3 bucket of a moto server, and in that bucket one upload at
   a time, as ratios to the folder store and of concurrent to serial uploads.

Progress goes to stderr, the report to stdout, the figures to `bench/out/ingest.json`.
"""
