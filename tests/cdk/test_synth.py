"""``make synth`` end to end: the app synthesizes with the real Lambda asset built by the
local bundling hook, and ``cfn-lint`` finds no error in the templates.

``slow``: the asset is built by pip (seconds with a warm pip cache, a minute or two cold).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from edgesync_cdk.asset_build import PROJECT_ROOT
from edgesync_cdk.functions import HANDLERS, RUNTIME
from edgesync_cdk.lambda_asset import lambda_code

pytestmark = pytest.mark.slow

APP = PROJECT_ROOT / "cdk" / "app.py"
CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))  # the venv's, as `make synth`
QUIET_NODE = {"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}


def cfn_lint(templates: list[Path]) -> subprocess.CompletedProcess[str]:
    """cfn-lint as `make synth` runs it: exit code non-zero on errors only."""
    return subprocess.run(
        [CFN_LINT, "--non-zero-exit-code", "error", *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
    )


def bundled_assets(outdir: Path) -> list[Path]:
    """The asset folders in a cloud assembly that hold the Lambda code."""
    return [p for p in outdir.glob("asset.*") if (p / "cloud_plane" / "aws" / "api.py").is_file()]


# --- a one-function app: the hook under real bundling, whatever state cdk/app.py is in ---


@pytest.fixture(scope="module")
def small_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stack of one function with ``lambda_code()``, synthesized with bundling on."""
    outdir = tmp_path_factory.mktemp("small-app")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "AssetSmoke")
    lambda_.Function(stack, "Api", runtime=RUNTIME, handler=HANDLERS["api"], code=lambda_code())
    app.synth()
    return outdir


def test_synthesis_bundles_the_built_asset_into_the_assembly(small_app: Path) -> None:
    assets = bundled_assets(small_app)
    assert len(assets) == 1
    assert not (assets[0] / "local_node").exists()


def test_the_function_s_code_is_the_bundled_asset(small_app: Path) -> None:
    template = json.loads((small_app / "AssetSmoke.template.json").read_text())
    (function,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    ]
    (asset,) = bundled_assets(small_app)
    assert function["Properties"]["Code"]["S3Key"] == f"{asset.name.removeprefix('asset.')}.zip"


def test_cfn_lint_finds_no_error_in_the_small_app(small_app: Path) -> None:
    done = cfn_lint([small_app / "AssetSmoke.template.json"])
    assert done.returncode == 0, done.stdout + done.stderr


# --- the real app, as `make synth` runs it ---


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdk/app.py run as `make synth` runs it, into a temporary CDK_OUTDIR."""
    if not APP.is_file():
        pytest.skip(
            f"{APP.relative_to(PROJECT_ROOT)} is not there yet (the stacks' branch adds it)"
        )
    outdir = tmp_path_factory.mktemp("cdk.out")
    done = subprocess.run(
        [sys.executable, str(APP)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **QUIET_NODE, "CDK_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    return outdir


def test_make_synth_writes_the_templates_and_the_asset(synthesized: Path) -> None:
    assert sorted(synthesized.glob("*.template.json"))
    assert len(bundled_assets(synthesized)) == 1


def test_cfn_lint_finds_no_error_in_the_app_s_templates(synthesized: Path) -> None:
    done = cfn_lint(sorted(synthesized.glob("*.template.json")))
    assert done.returncode == 0, done.stdout + done.stderr
