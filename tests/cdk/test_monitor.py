"""The monitor runs every minute, without reserved concurrency."""

from __future__ import annotations

from tests.cdk.conftest import Deployment


def test_schedule_runs_the_monitor_every_minute(default: Deployment) -> None:
    (rule,) = default.resources("AWS::Events::Rule").values()
    props = rule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert props["State"] == "ENABLED"
    (target,) = props["Targets"]
    monitor_id = default.function("monitor")[0]
    assert target["Arn"] == {"Fn::GetAtt": [monitor_id, "Arn"]}


def test_monitor_may_be_invoked_by_events_only_from_its_rule(default: Deployment) -> None:
    monitor_id = default.function("monitor")[0]
    (rule_id,) = default.resources("AWS::Events::Rule")
    grants = [
        p["Properties"]
        for p in default.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert grants == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [monitor_id, "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        }
    ]


def test_no_function_reserves_concurrency(default: Deployment) -> None:
    # New accounts (concurrency quota 10) refuse any reservation; see monitor.py.
    for fn in default.resources("AWS::Lambda::Function").values():
        assert "ReservedConcurrentExecutions" not in fn["Properties"]


def test_monitor_finishes_within_its_minute(default: Deployment) -> None:
    assert default.function("monitor")[1]["Properties"]["Timeout"] < 60
