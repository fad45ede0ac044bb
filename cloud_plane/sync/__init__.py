"""The cloud side of node sync: enrolment and the signed exchange (``/sync/v1/*``)."""
