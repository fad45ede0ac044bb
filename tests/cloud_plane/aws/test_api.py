"""``cloud_plane.aws.api.handler``: API Gateway HTTP API v2 events through Mangum."""

from __future__ import annotations

import base64
import json
from typing import Any

from cloud_plane.aws import api, runtime
from tests.cloud_plane.aws.conftest import FakeContext, LambdaWorld, http_event


def body_of(reply: dict[str, Any]) -> Any:
    raw = reply["body"]
    return json.loads(base64.b64decode(raw) if reply.get("isBase64Encoded") else raw)


def admin_token() -> str:
    services = runtime.container().app().state.services
    user = services.store.users.create_user(
        "admin@example.com", None, "admin", [], now=services.clock()
    )
    return services.issuer.issue(user.username, "admin", version=user.token_version)


def test_the_health_check_answers_without_a_token(lambda_world: LambdaWorld) -> None:
    reply = api.handler(http_event("GET", "/healthz"), FakeContext())
    assert reply["statusCode"] == 200
    assert body_of(reply) == {"status": "ok"}


def test_a_staff_call_needs_a_token(lambda_world: LambdaWorld) -> None:
    reply = api.handler(http_event("GET", "/api/v1/status"), FakeContext())
    assert reply["statusCode"] == 401


def test_an_authenticated_call_reports_the_cloud_status(lambda_world: LambdaWorld) -> None:
    token = admin_token()
    reply = api.handler(
        http_event("GET", "/api/v1/status", headers={"authorization": f"Bearer {token}"}),
        FakeContext(),
    )
    assert reply["statusCode"] == 200, reply
    status = body_of(reply)
    assert status["store"] == lambda_world.env["EDGESYNC_CLOUD_STORE"]
    assert status["alert_delivery"] == {"queue": "sqs", "dead_letters": 0}


def test_the_dead_letter_depth_is_in_status_and_metrics(lambda_world: LambdaWorld) -> None:
    for body in ("lost-1", "lost-2"):
        lambda_world.sqs.send_message(QueueUrl=lambda_world.dlq_url, MessageBody=body)
    auth = {"authorization": f"Bearer {admin_token()}"}
    status = api.handler(http_event("GET", "/api/v1/status", headers=auth), FakeContext())
    assert body_of(status)["alert_delivery"]["dead_letters"] == 2
    metrics = api.handler(http_event("GET", "/metrics", headers=auth), FakeContext())
    assert metrics["statusCode"] == 200
    text = (
        base64.b64decode(metrics["body"]).decode()
        if metrics["isBase64Encoded"]
        else metrics["body"]
    )
    assert "edgesync_cloud_delivery_dead_letters 2.0" in text


def test_a_json_post_reaches_the_app(lambda_world: LambdaWorld) -> None:
    auth = {"authorization": f"Bearer {admin_token()}"}
    reply = api.handler(
        http_event(
            "PUT",
            "/api/v1/recipients/duty",
            headers=auth,
            body={"name": "Duty officer", "email": "duty@example.com"},
        ),
        FakeContext(),
    )
    assert reply["statusCode"] == 200, reply
    assert body_of(reply)["name"] == "Duty officer"
