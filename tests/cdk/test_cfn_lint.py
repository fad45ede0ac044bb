"""cfn-lint on every synthesized template: no error; only explained warnings."""

from __future__ import annotations

import pytest
from cfnlint.api import ManualArgs, lint

from tests.cdk.conftest import Synthesized

# Regions a company is likely to deploy in; the rules check resource availability per region.
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"]
EXPLAINED_WARNINGS = {
    # CDK writes DependsOn on a function's role policy although a GetAtt already orders
    # the role: the policy must exist before the function is first invoked, which the
    # GetAtt alone does not ensure. Redundant for the role itself, harmless.
    "W3005",
}


@pytest.mark.parametrize("deployment", ["default", "custom"])
@pytest.mark.parametrize("stack", ["data", "control"])
def test_template_has_no_cfn_lint_error_or_unexplained_warning(
    synth: Synthesized, deployment: str, stack: str
) -> None:
    chosen = getattr(synth, deployment)
    template = chosen.data if stack == "data" else chosen.control
    text = (synth.outdir / template.template_file).read_text()
    matches = lint(text, config=ManualArgs(regions=REGIONS))
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    unexplained = [
        f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in EXPLAINED_WARNINGS
    ]
    assert unexplained == []
