"""The delivery worker as a Lambda handler: one SQS batch of delivery ids.

The event source mapping must have ``FunctionResponseTypes: [ReportBatchItemFailures]``:
the reply names only the messages to redeliver (``batchItemFailures``), so one bad
message never brings back the others. Which messages fail, and why a "retry later" is a
new delayed message rather than a failure: ``cloud_plane.alerts.queue_worker``. The
queue's visibility timeout should exceed the function timeout and the delivery lease
(``EDGESYNC_CLOUD_ALERT_LEASE_S``), so a redelivered message finds the lease expired.
"""

from __future__ import annotations

import logging
from typing import Any

from cloud_plane.aws.runtime import container

log = logging.getLogger(__name__)


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Handle the batch; return the ids of the messages SQS should deliver again."""
    records = event.get("Records") or []
    current = container()
    current.require("delivery")
    failed = current.queue_worker().handle(records)
    if failed:
        log.warning("%d of %d message(s) failed", len(failed), len(records))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
