"""`cloud serve` with a delivery queue at a moto server, on the SQL store and local auth.

The part of AWS mode this branch owns, end to end in real processes: the settings
`aws-dev-setup` prints (with the store and auth switched to sql/local, which need no
DynamoDB or Cognito), a node's hit becomes an alert, its delivery an SQS message, which the
served process's poller hands to the delivery worker, and moto's SES records the email.
(test_aws_mode.py runs the whole of AWS mode: DynamoDB, Cognito and the queue.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Hybrid, aws_dev_env, email_stolen_hits_to, sent_emails, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REGION = "eu-west-1"
SENDER = "alerts@edgesync.example"


def test_a_hit_is_emailed_through_the_queue_by_the_served_cloud(
    tmp_path: Path, moto_endpoint: str
) -> None:
    cloud_env = {
        **aws_dev_env(moto_endpoint, region=REGION, sender=SENDER),
        "EDGESYNC_CLOUD_STORE": "sql",
        "EDGESYNC_CLOUD_AUTH": "local",
    }
    system = Hybrid(tmp_path, cloud_env=cloud_env)
    system.start_cloud()
    try:
        cloud = system.cloud
        node = system.add_node("site-a")
        with cloud.api() as api:
            email_stolen_hits_to(api, "duty@edgesync.example", "ST01LEN")
        with node.admin() as admin:
            wait_for(
                lambda: any(e["plate"] == "ST01LEN" for e in admin.get("/api/v1/hotlist").json()),
                timeout=60,
                what="the cloud's hotlist entry at the node",
            )
        assert node.read("ST01LEN", event_id="hit-1")["hits"][0]["list"] == "stolen"
        email = wait_for(
            lambda: [m for m in sent_emails(REGION) if "ST01LEN" in str(vars(m))],
            timeout=60,
            what="SES to record the alert's email",
        )[0]
        assert "duty@edgesync.example" in str(email.destinations) and email.source == SENDER
        with cloud.api() as api:
            status = api.get("/api/v1/status").json()
        assert status["alert_delivery"] == {"queue": "sqs", "dead_letters": 0}
    finally:
        system.stop()
