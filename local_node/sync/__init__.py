"""The sync agent: pushes the detection log, hits, heartbeats and hotlist edits to the cloud.

Modules: ``client`` (HTTP + signing + codec), ``outbox`` (pure: what to send next, ack
arithmetic), ``store`` (the agent's tables and reads), ``hotlist_sync`` (deltas, snapshots,
site edits as ops), ``heartbeat``, ``agent`` (one exchange), ``scheduler`` (when: ticks,
priority lane, backoff), ``lock`` (one agent per node), ``enroll``, ``keys``, ``backup``.

Outbox and disk budget policy
-----------------------------
The detection log *is* the outbox: nothing is copied. A row is "sent" once the cloud's ack
for its stream covers it; until then:

* images are pruned first, oldest first, by the retention job and by the writer's budget
  check (images never travel, so the sync backlog never holds an image);
* detection rows (and their hits) the cloud has not acked are never deleted by retention,
  whatever their age (``store.deletable_through``); metadata of an acked row is deleted at
  ``metadata_retention_days`` as before;
* when the image budget is exhausted and nothing can be pruned, new reads with images get
  507; rows are small (~200 B) so a site with 20 cameras at 1 read/s grows the database by
  about 350 MB per day of outage, which ``min_free_bytes`` (512 MiB by default) and the
  disk size must cover. The backlog count and the age of its oldest row are in every
  heartbeat and in ``/api/v1/status`` so the cloud alerts long before that.
"""
