"""`python -m bench.dynamo`: DynamoDB capacity units per synced read and per search, counted.

One run, in this process, against moto's DynamoDB (the store's own table, created as
`aws-dev-setup` and the CDK app create it) with the cloud's `DynamoStore`:

1. **steady**: the seed site's traffic (20 cameras x 10 reads/min, 288,000 a day, generated
   as `bench.sync.backlog` generates the node's: formats, repeats, misreads; by default half
   an hour of it, `--reads 288000` for a whole day: the units per read depend on the rate,
   not the length, and moto answers a Query by scanning its whole table) shipped as the
   node ships them while in sync with a DynamoDB cloud: every 5 s (the push period such a
   cloud asks for, `EDGESYNC_CLOUD_SYNC_PUSH_INTERVAL_S`) the reads received since the last
   push, through `DetectionStore.put_batch`, with what each exchange also writes: the
   replay-cache nonce, the node's hotlist version (a read; a write only on change) and a
   heartbeat every 30 s (the agent's default);
2. **unpaced-2s**: a quarter as many reads of a third site pushed every 2 s (the node's own
   period, were the cloud not to pace it): how much of a read's cost is per exchange
   (reported for comparison, no target);
3. **backlog**: a second site's reads shipped as a node drains a backlog after an outage:
   batches of the wire's maximum (5,000 reads or 2 MiB of JSON);
4. **searches** (50 a page, the API's default) over the three sites: exact plate, fuzzy
   plate, prefix pattern (plain and fuzzy), a site's last hour (first and second page) and
   the newest reads of every site.

Capacity is counted by the store's `CapacityMeter` from item sizes by AWS's rules (moto
reports none): write units on the table and on every index an item appears in, read units
per Query page (eventually consistent). Writes are broken down by item kind (the partition
key's prefix). Target (issue 9): at most 1.5 write units per read including indexes, PASS or
MISS (reported, never asserted). Money at on-demand prices: $0.625 per million write and
$0.125 per million read request units (us-east-1 since November 2024; the figure behind the
issue's "$5.40 a month per write unit per read" for the seed site; other regions differ).

Progress goes to stderr, the table to stdout, the figures to `bench/out/dynamo.json`.
"""
