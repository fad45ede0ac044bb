"""Scheduled, verified database backups (issue 13, D5).

One run (``job.run_backup``): dump the database consistently (``dump``), write its manifest
with the checksum and row counts (``manifest``), restore it into a scratch database and
compare the counts (``verify``), put both files at the destination (``destinations``: a
folder such as a NAS mount, or S3) and drop the backups the rotation no longer keeps
(``plan``). Every run is recorded in ``backup_runs``; the last outcome is the node's backup
health (``health``), reported locally and in the heartbeat. ``schedule`` runs the job on a
crontab line in the process that runs the sync agent.
"""
