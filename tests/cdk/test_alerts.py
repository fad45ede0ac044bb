"""Alert delivery: queue and dead-letter queue, the worker's event source, SES, SMS limit."""

from __future__ import annotations

import json
from typing import Any

from cloud_plane.aws.dev_setup import MAX_RECEIVE_COUNT
from cloud_plane.config import AlertSettings
from tests.cdk.conftest import Deployment

FOURTEEN_DAYS_S = 14 * 24 * 3600


def _queues(default: Deployment) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """((id, queue), (id, dead-letter queue)): the queue is the one with a redrive policy."""
    queues = default.resources("AWS::SQS::Queue")
    (main,) = [(k, q) for k, q in queues.items() if "RedrivePolicy" in q["Properties"]]
    (dlq,) = [(k, q) for k, q in queues.items() if "RedrivePolicy" not in q["Properties"]]
    return main, dlq


def test_queue_dead_letters_to_the_dlq_after_max_receive_count(default: Deployment) -> None:
    (_, queue), (dlq_id, _) = _queues(default)
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == MAX_RECEIVE_COUNT
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}


def test_dead_letters_are_kept_fourteen_days(default: Deployment) -> None:
    (_, dlq) = _queues(default)[1]
    assert dlq["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS_S


def test_queues_are_encrypted_by_sqs(default: Deployment) -> None:
    for queue in default.resources("AWS::SQS::Queue").values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_queues_refuse_plain_http(default: Deployment) -> None:
    policies = default.resources("AWS::SQS::QueuePolicy").values()
    denied = [
        statement
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denied) == 2


def test_visibility_timeout_exceeds_the_function_timeout_and_the_lease(
    default: Deployment,
) -> None:
    (_, queue), _ = _queues(default)
    visibility = queue["Properties"]["VisibilityTimeout"]
    delivery = default.function("delivery")[1]["Properties"]
    assert visibility >= 6 * delivery["Timeout"]
    # The lease the functions use is the default: the stack does not set it.
    assert "EDGESYNC_CLOUD_ALERT_LEASE_S" not in delivery["Environment"]["Variables"]
    assert visibility > AlertSettings().lease_s


def _mapping(default: Deployment) -> dict[str, Any]:
    (mapping,) = default.resources("AWS::Lambda::EventSourceMapping").values()
    return mapping["Properties"]


def test_delivery_function_consumes_the_queue_with_partial_batch_failures(
    default: Deployment,
) -> None:
    mapping = _mapping(default)
    (queue_id, _), _ = _queues(default)
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["FunctionName"] == {"Ref": default.function("delivery")[0]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_delivery_concurrency_and_batch_are_bounded(default: Deployment) -> None:
    mapping = _mapping(default)
    assert mapping["BatchSize"] == 10
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == 2  # SQS's least


def test_alert_sender_parameter_becomes_the_ses_identity(default: Deployment) -> None:
    (identity,) = default.resources("AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == {"Ref": "AlertSender"}


def test_sms_spend_limit_is_set_from_its_parameter_on_create_and_update(
    default: Deployment,
) -> None:
    (limit,) = default.resources("Custom::AWS").values()
    for phase in ("Create", "Update"):
        call = json.dumps(limit["Properties"][phase])
        assert "SetSMSAttributes" in call, phase
        assert "MonthlySpendLimit" in call, phase
        assert '{"Ref":"SmsMonthlySpendLimit"}' in call.replace(" ", ""), phase
    assert "Delete" not in limit["Properties"]  # the account's limit stays as it was set


def test_sms_spend_limit_defaults_to_the_new_account_limit(default: Deployment) -> None:
    parameter = default.control_json["Parameters"]["SmsMonthlySpendLimit"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 1
