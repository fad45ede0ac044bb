"""cfn-lint on both site templates: no error; only explained warnings."""

from __future__ import annotations

import pytest
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

from tests.cdk.full_cloud.conftest import SiteSynth

EXPLAINED_WARNINGS = {
    # CDK writes a DependsOn that a Ref or GetAtt already implies (the target group before
    # the service, the custom resource's role before its function): redundant, harmless.
    "W3005",
    # EngineVersion "16" (major only): RDS creates the current default 16.x and the
    # instance's automatic minor upgrades move it on; cfn-lint's list holds exact minors,
    # which would pin the template to one that AWS later deprecates.
    "W3691",
}


@pytest.mark.parametrize("which", ["default", "options"])
def test_site_template_has_no_cfn_lint_error_or_unexplained_warning(
    site_synth: SiteSynth, which: str
) -> None:
    site = getattr(site_synth, which)
    artifact = site_synth.assembly.get_stack_by_name(site.stack_name)
    text = (site_synth.outdir / artifact.template_file).read_text()
    matches = lint(text, config=ManualArgs(regions=["eu-west-2"]))
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    unexplained = [
        f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in EXPLAINED_WARNINGS
    ]
    assert unexplained == []
