"""cdk-nag AwsSolutions: no unsuppressed finding, and every suppression says why."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest
from aws_cdk import cx_api

from tests.cdk.conftest import Synthesized


def _nag_messages(synth: Synthesized, level: cx_api.SynthesisMessageLevel) -> list[str]:
    """The AwsSolutions annotations of ``level`` on every stack (from the cloud assembly)."""
    found = []
    for deployment in synth.deployments:
        for stack in (deployment.data, deployment.control):
            artifact = synth.assembly.get_stack_artifact(stack.artifact_id)
            found += [
                f"{stack.stack_name} {m.id}: {m.entry.data}"
                for m in artifact.messages
                if m.level == level and "AwsSolutions-" in str(m.entry.data)
            ]
    return found


def test_no_nag_errors(synth: Synthesized) -> None:
    # cdk-nag reports errors as error annotations, which also fail synthesis outright.
    assert _nag_messages(synth, cx_api.SynthesisMessageLevel.ERROR) == []


def test_no_nag_warnings(synth: Synthesized) -> None:
    assert _nag_messages(synth, cx_api.SynthesisMessageLevel.WARNING) == []


def _suppressions(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical, rule)
        for logical, resource in template["Resources"].items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def test_every_suppression_is_on_a_resource_with_a_reason(synth: Synthesized) -> None:
    found = 0
    for deployment in synth.deployments:
        for template in (deployment.data_json, deployment.control_json):
            assert "cdk_nag" not in json.dumps(template.get("Metadata", {}))  # no stack-wide
            for logical, rule in _suppressions(template):
                found += 1
                assert len(rule["reason"]) >= 40, (logical, rule)
    assert found


@pytest.mark.parametrize("rule", ["AwsSolutions-IAM5"])
def test_wildcard_resource_suppressions_name_the_findings(synth: Synthesized, rule: str) -> None:
    for logical, suppression in _suppressions(synth.default.control_json):
        if suppression["id"] == rule:
            assert suppression.get("applies_to"), logical


def test_nag_report_has_no_non_compliant_rule(synth: Synthesized) -> None:
    reports = sorted(synth.outdir.glob("AwsSolutions-*-NagReport.csv"))
    assert len(reports) == 4  # two stacks of two deployments
    for report in reports:
        with report.open() as f:
            rows = list(csv.DictReader(f))
        assert {r["Compliance"] for r in rows} <= {"Compliant", "Suppressed"}, report.name
        assert any(r["Compliance"] == "Compliant" for r in rows), report.name  # the pack ran
