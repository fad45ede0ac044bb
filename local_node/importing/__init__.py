"""`edgesync node import`: history from a previous system, stored as the node's own reads.

Formats (``formats``): the node's export (CSV, JSON lines) and Plate Recognizer Stream's
CSV file (``platerecognizer``), told apart by the first line or named with ``--format``.

Decisions, and why:

* **Cameras.** Reads are stored under one *import camera* per camera name of the source
  (``imported:<name>``: the export's ``camera_id``, Stream's camera from the screenshot
  path, or ``--camera``), created on first use, disabled and with a key nobody holds, so
  it can never post a read and is told apart from real cameras by its name.
* **Idempotence.** Every read has a stable event id: the source's own id where it has one
  (the exporting node's detection id), else a digest of what identifies the read (Stream:
  the webhook mapper's ``event_key`` of camera, time and plate). The unique
  ``(camera_id, event_id)`` then makes a re-run store nothing; reads already there are
  counted, checked under the node's write lock so no seq is spent on them.
* **Times.** ``received_at`` is the read's original time (the export's ``received_at``,
  Stream's ``timestamp``), so time filters and retention treat it as the old read it is;
  naive times are in ``--timezone`` (UTC by default). Seqs, however, are given at import:
  a search's "newest first" (by seq) shows imported reads after the reads stored before
  the import.
* **Retention.** A read the next retention run would delete (``received_at`` older than
  ``metadata_retention_days``) is skipped and counted as "older than retention": storing it
  would only make the cloud receive what the node deletes minutes later.
* **Sync.** Imported reads take seqs from the node's stream like live reads, in blocks, in
  the import's transaction (``store.synced_seqs``), so the agent ships them as any other
  read. ``--local-only`` reads must never leave the node: they take seqs **at or below 0**
  (``store.local_only_seqs``), below the base of every sync stream. The outbox plans
  contiguous spans of a stream's seqs (``seq > seq_base``), so these rows are in no span,
  never in a batch, and the stream stays contiguous (a flag filtered out of a span would
  leave a hole the cloud refuses). Their ids derive from a stream name of their own
  (``<stream>:local-only``), which never travels. Their hits are never sent either
  (``local_node.sync.store.pending_hits`` leaves out hits of local-only reads). Retention
  may delete them by age as soon as they are old enough: no cloud waits for them.
* **Hits.** Each read is matched against the live hotlist; matches are stored as
  historical hits (``hits.historical``): no live alert is raised, and the fallback alerter
  leaves them out. Their syncing is the sync code's, unchanged.
* **Search.** The plate dictionary is kept in each batch's transaction
  (``local_node.db.plate_dictionary.upsert_plates``), so imported reads are found by plate.
* **Speed.** Lines are parsed and checked with ingest's rules (``values``) by a forked
  reader process (``pipeline``), which also drops repeats and reads older than retention,
  sorts by time, and hands over plain tuples (on SQLite: written to a staging file,
  ``staging``) and the plate dictionary's per-plate sums; the importing process only
  stores: one ``INSERT ... SELECT`` from the attached staging file on SQLite (COPY on
  PostgreSQL), the dictionary
  upsert in plate order, 50,000 reads a transaction (``--batch-size``), the node's write
  lock held for the batch (a few seconds, which the live writer waits out; lower the batch
  on a busy node). Figures: ``python -m bench.importing``.
"""
