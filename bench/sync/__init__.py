"""`python -m bench.sync`: how fast a node's sync agent ships its detection log to the cloud.

One run measures, with real processes on loopback (`edgesync cloud serve`, an enrolled
`edgesync node serve` with default settings, the cloud's SQLite store):

1. backlog drain: a day of the seed site (20 cameras x 10 reads/min = 288,000 detections),
   written straight into the node's database while no agent runs, then the time from the
   node's start until the cloud's contiguous high-water mark for the stream reaches the end;
2. wire bytes per detection during that drain: every byte both ways (HTTP headers and
   bodies, requests and replies) counted by a small TCP proxy between node and cloud;
3. hit-to-cloud latency with the default push interval: a camera POST of a read that hits
   a hotlist entry (pulled from the cloud) until the hit row is committed in the cloud,
   p50/p99, with the seed's camera load (`edgesync camera simulate`) in the background.

Targets are printed PASS/MISS beside the figures, never asserted. Progress goes to stderr,
the report to stdout, the figures to `bench/out/sync.json`.
"""
