"""Alarms on dead letters, function errors and throttles, API 5xx; the topic; the dashboard."""

from __future__ import annotations

import json
from typing import Any

from cloud_plane.aws.requirements import ROLES
from tests.cdk.conftest import Deployment, Synthesized


def _alarms(default: Deployment) -> list[dict[str, Any]]:
    return [a["Properties"] for a in default.resources("AWS::CloudWatch::Alarm").values()]


def _alarm_on(default: Deployment, namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        a for a in _alarms(default) if a["Namespace"] == namespace and a["MetricName"] == metric
    ]


def test_dead_letters_raise_an_alarm(default: Deployment) -> None:
    (alarm,) = _alarm_on(default, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    (dlq_id,) = [
        k
        for k, q in default.resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" not in q["Properties"]
    ]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}
    ]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_every_function_has_error_and_throttle_alarms(default: Deployment) -> None:
    for metric in ("Errors", "Throttles"):
        alarmed = {json.dumps(a["Dimensions"]) for a in _alarm_on(default, "AWS/Lambda", metric)}
        for role in ROLES:
            logical = default.function(role)[0]
            dims = [{"Name": "FunctionName", "Value": {"Ref": logical}}]
            assert json.dumps(dims) in alarmed, (role, metric)


def test_api_5xx_raises_an_alarm(default: Deployment) -> None:
    (alarm,) = _alarm_on(default, "AWS/ApiGateway", "5xx")
    (api_id,) = default.resources("AWS::ApiGatewayV2::Api")
    assert alarm["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": api_id}}]


def test_every_alarm_notifies_the_alarm_topic(default: Deployment) -> None:
    (topic_id,) = default.resources("AWS::SNS::Topic")
    for alarm in _alarms(default):
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], alarm["AlarmDescription"]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_alarm_topic_refuses_plain_http(default: Deployment) -> None:
    (policy,) = default.resources("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


def test_alarm_email_is_subscribed_only_when_configured(synth: Synthesized) -> None:
    assert not synth.default.resources("AWS::SNS::Subscription")
    (sub,) = synth.custom.resources("AWS::SNS::Subscription").values()
    assert sub["Properties"]["Protocol"] == "email"
    assert sub["Properties"]["Endpoint"] == synth.custom.config.alarm_email


def test_one_dashboard_shows_api_functions_queues_and_table(default: Deployment) -> None:
    (board,) = default.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(board["Properties"]["DashboardBody"])
    for metric in (
        "AWS/ApiGateway",
        "Latency",
        "5xx",
        "AWS/Lambda",
        "Errors",
        "Duration",
        "ApproximateNumberOfMessagesVisible",
        "ConsumedWriteCapacityUnits",
        "ConsumedReadCapacityUnits",
    ):
        assert metric in body, metric


def test_every_log_group_has_a_retention(synth: Synthesized) -> None:
    for deployment in synth.deployments:
        groups = deployment.resources("AWS::Logs::LogGroup")
        assert len(groups) == 5  # three functions, the access log, the SMS limit's provider
        for logical, group in groups.items():
            assert group["Properties"]["RetentionInDays"] == 90, logical


def test_every_function_logs_to_its_own_group(default: Deployment) -> None:
    for role in ROLES:
        config = default.function(role)[1]["Properties"]["LoggingConfig"]
        assert config["LogFormat"] == "JSON"
        assert default.control_json["Resources"][config["LogGroup"]["Ref"]]["Type"] == (
            "AWS::Logs::LogGroup"
        )
