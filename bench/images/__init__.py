"""Images on demand: latency from a staff request in the cloud to the image served.

A real cloud process (SQLite) and a real node process (the shipped defaults: push and command
poll every 2 s) on loopback. The node stores reads with images and syncs them; then, while
the node is idle, each of N requests is made at a random moment (so it lands at a random
phase of the node's poll): ``POST /api/v1/detections/{id}/image`` then ``GET ...?wait=10``
until the bytes arrive. The figure is the time from the POST to the bytes served (p50, p95,
max), each image checked against the SHA-256 of what the camera sent.

    python -m bench.images [--requests 40] [--gap 0.5 2.5]
"""
