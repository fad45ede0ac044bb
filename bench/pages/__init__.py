"""`python -m bench.pages`: how fast the dashboards' pages answer at the seed's scale.

One run, with real processes on loopback (`edgesync cloud serve` on its SQLite store and an
enrolled `edgesync node serve`, both with default settings):

1. seeds two sites with a day of the seed site's reads each (20 cameras x 10 reads/min =
   288,000), in the cloud through its sync use case and in site A's node database as the
   ingest writer stores them (`bench/pages/seed.py` says how), with a 200-entry hotlist, so
   hits and alerts are there as in the field;
2. signs in to each app as a browser does (GET the form, POST it with its CSRF token, keep
   the cookies) and requests, one at a time: the cloud overview, search (exact, prefix,
   fuzzy), the alerts page and its live feed fragment; the node's Live page, its live feed
   fragment and search (each mode its form offers);
3. reports per page the server time (the apps' `Server-Timing: app;dur`) p50/p95 and the
   wall time p95, and as a baseline measured in the same run each server's `/healthz` wall
   time, with the ratio. Target: server p95 under 200 ms (PASS/MISS, never asserted).

Progress goes to stderr, the table to stdout, the figures to `bench/out/pages.json`.
"""
