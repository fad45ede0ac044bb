"""End to end in AWS mode, against moto's server: DynamoDB, Cognito, SQS, SES and SNS.

The cloud plane runs as a real process (`edgesync cloud serve`) with every AWS client pointed
at a ``ThreadedMotoServer`` through ``AWS_ENDPOINT_URL``; what `cloud aws-dev-setup` printed is
its whole configuration. A real node enrols and syncs through a proxy that cuts replies.
The server runs in this test's process, so what SES recorded is read from moto's backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import (
    PASSWORD,
    Hybrid,
    aws_dev_env,
    email_stolen_hits_to,
    sent_emails,
    wait_for,
)
from tests.faults.chaos_proxy import ChaosProxy

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REGION = "eu-west-1"
SENDER = "alerts@edgesync.example"


@pytest.fixture
def aws_hybrid(tmp_path: Path, moto_endpoint: str) -> Iterator[Hybrid]:
    """The cloud plane in AWS mode (settings from `aws-dev-setup`), started; no nodes yet."""
    cloud_env = aws_dev_env(moto_endpoint, region=REGION, sender=SENDER)
    assert cloud_env["EDGESYNC_CLOUD_STORE"] == "dynamodb"
    cloud_env["EDGESYNC_CLOUD_ALERT_RETRY_BASE_S"] = "0.2"
    system = Hybrid(tmp_path, cloud_env=cloud_env)
    system.start_cloud()
    try:
        yield system
    finally:
        system.stop()


def test_cognito_login_sync_through_cuts_hotlist_hit_alert_email_ack(aws_hybrid: Hybrid):
    cloud = aws_hybrid.cloud
    # A Cognito user (made by `cloud create-user` in the fixture) signs in like a local one.
    login = httpx.post(
        f"{cloud.url}/api/v1/auth/login", json={"username": "admin@e2e", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    assert login.json()["refresh_token"]
    wrong = httpx.post(
        f"{cloud.url}/api/v1/auth/login", json={"username": "admin@e2e", "password": "nope-nope"}
    )
    assert wrong.status_code == 401

    proxy = ChaosProxy(cloud.port, seed=7, fault_rate=0.5)
    proxy.start()
    try:
        node = aws_hybrid.add_node("site-a", cloud_url=proxy.url)
        with cloud.api() as api:
            email_stolen_hits_to(api, "duty@edgesync.example", "ST01LEN")
        proxy.enabled = True
        for i in range(40):
            node.read(f"AW{i:03d}SX", event_id=f"aw-{i}")
        aws_hybrid.assert_cloud_holds_exactly(node, timeout=120)
        assert proxy.fates["drop_after"] > 0, proxy.fates  # replies were cut after the cloud acted
        with node.admin() as admin:  # the cloud's entry reached the node through the cuts
            wait_for(
                lambda: any(e["plate"] == "ST01LEN" for e in admin.get("/api/v1/hotlist").json()),
                timeout=60,
                what="the cloud's hotlist entry at the node",
            )
        assert node.read("ST01LEN", event_id="hit-1")["hits"][0]["list"] == "stolen"
        with cloud.api() as api:
            alert = wait_for(
                lambda: api.get("/api/v1/alerts").json()["items"],
                timeout=60,
                what="the hit's alert",
            )[0]
            email = wait_for(
                lambda: [m for m in sent_emails(REGION) if "ST01LEN" in str(vars(m))],
                timeout=60,
                what="SES to record the alert's email",
            )[0]
            assert "duty@edgesync.example" in str(email.destinations)
            assert email.source == SENDER
            acked = api.post(f"/api/v1/alerts/{alert['alert_id']}/ack")
            assert acked.status_code == 200, acked.text
            assert acked.json()["acked_by"] == "admin@e2e"
    finally:
        proxy.stop()
