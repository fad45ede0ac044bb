"""``lambda_code()``: CDK's local bundling hook around ``build_asset`` (the builder is faked
here; ``test_asset_build.py`` builds the real asset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from edgesync_cdk import lambda_asset
from edgesync_cdk.asset_build import AssetBuildError
from edgesync_cdk.functions import RUNTIME, RUNTIME_PYTHON

SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


class FakeBuilder:
    """Stands in for ``build_asset``: records its calls, writes ``content`` as the asset."""

    def __init__(self, content: str = "handler = None\n") -> None:
        self.content = content
        self.calls: list[dict[str, Any]] = []

    def __call__(self, out_dir: Path, **options: Any) -> None:
        self.calls.append({"out_dir": out_dir, **options})
        (out_dir / "index.py").write_text(self.content)


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch) -> FakeBuilder:
    fake = FakeBuilder()
    monkeypatch.setattr(lambda_asset, "build_asset", fake)
    return fake


def synth(tmp_path: Path, context: dict[str, Any] | None = None, functions: int = 3) -> set[str]:
    """Synthesize a stack of ``functions`` functions, each given its own ``lambda_code()``;
    return the S3 keys of their code."""
    app = cdk.App(
        context=context or {}, outdir=str(tmp_path / f"out-{len(list(tmp_path.iterdir()))}")
    )
    stack = cdk.Stack(app, "AssetProbe")
    for n in range(functions):
        lambda_.Function(
            stack,
            f"Fn{n}",
            runtime=RUNTIME,
            handler="index.handler",
            code=lambda_asset.lambda_code(),
        )
    template = app.synth().get_stack_by_name("AssetProbe").template
    return {
        resource["Properties"]["Code"]["S3Key"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    }


def test_skipped_bundling_builds_nothing(builder: FakeBuilder, tmp_path: Path) -> None:
    keys = synth(tmp_path, SKIP_BUNDLING)
    assert builder.calls == []
    assert len(keys) == 1  # the template still names one asset for the functions


def test_three_functions_share_one_build(builder: FakeBuilder, tmp_path: Path) -> None:
    keys = synth(tmp_path)
    assert len(builder.calls) == 1
    assert len(keys) == 1


def test_the_build_is_for_the_runtime_python(builder: FakeBuilder, tmp_path: Path) -> None:
    synth(tmp_path, functions=1)
    assert (
        builder.calls[0]["python_version"] == RUNTIME_PYTHON == RUNTIME.name.removeprefix("python")
    )


def test_the_asset_hash_is_stable_when_the_output_is(builder: FakeBuilder, tmp_path: Path) -> None:
    assert synth(tmp_path, functions=1) == synth(tmp_path, functions=1)


def test_the_asset_hash_follows_the_output(builder: FakeBuilder, tmp_path: Path) -> None:
    before = synth(tmp_path, functions=1)
    builder.content = "handler = 'changed'\n"
    assert synth(tmp_path, functions=1) != before


def test_a_failed_build_fails_the_synthesis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(out_dir: Path, **_: Any) -> None:
        raise AssetBuildError("pip install failed: no wheel for cp312")

    monkeypatch.setattr(lambda_asset, "build_asset", broken)
    with pytest.raises(Exception, match="no wheel for cp312"):  # jsii re-raises its own type
        synth(tmp_path, functions=1)
