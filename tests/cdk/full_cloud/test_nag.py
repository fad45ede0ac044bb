"""cdk-nag AwsSolutions on the site stacks: no unsuppressed finding, each suppression a
reason on its resource."""

from __future__ import annotations

import csv
import json

from aws_cdk import cx_api

from tests.cdk.full_cloud.conftest import SiteSynth


def test_no_nag_error_or_warning_on_either_site(site_synth: SiteSynth) -> None:
    found = [
        f"{site.stack_name} {m.id}: {m.entry.data}"
        for site in site_synth.sites
        for m in site.messages
        if m.level in {cx_api.SynthesisMessageLevel.ERROR, cx_api.SynthesisMessageLevel.WARNING}
        and "AwsSolutions-" in str(m.entry.data)
    ]
    assert found == []


def test_every_rule_is_compliant_or_suppressed(site_synth: SiteSynth) -> None:
    for site in site_synth.sites:
        # cdk-nag names it from the stack's path (a stack with an env: an extra dash).
        (report,) = site_synth.outdir.glob(f"AwsSolutions-*{site.stack_name}-NagReport.csv")
        with report.open() as f:
            rows = list(csv.DictReader(f))
        assert {r["Compliance"] for r in rows} <= {"Compliant", "Suppressed"}, report.name
        assert any(r["Compliance"] == "Compliant" for r in rows)  # the pack ran


def test_every_suppression_is_on_a_resource_with_a_reason(site_synth: SiteSynth) -> None:
    for site in site_synth.sites:
        assert "cdk_nag" not in json.dumps(site.template_json.get("Metadata", {}))
        rules = [
            rule
            for resource in site.template_json["Resources"].values()
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        ]
        assert rules
        assert all(len(rule["reason"]) >= 40 for rule in rules), rules
        wildcards = [r for r in rules if r["id"] == "AwsSolutions-IAM5"]
        assert wildcards and all(r.get("applies_to") for r in wildcards)


def test_single_az_is_the_only_reason_rds3_is_suppressed(site_synth: SiteSynth) -> None:
    def suppressed(site_json: dict) -> set[str]:
        return {
            rule["id"]
            for resource in site_json["Resources"].values()
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        }

    assert "AwsSolutions-RDS3" in suppressed(site_synth.default.template_json)
    assert "AwsSolutions-RDS3" not in suppressed(site_synth.options.template_json)
