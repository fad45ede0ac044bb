"""The Lambda code asset: the project's wheel and its dependencies for Lambda's platform.

Built without Docker: pip installs the wheel with ``--platform``/``--python-version`` for
the runtime's manylinux platform, so compiled wheels are Lambda's, not this machine's.
``cdk synth``/``deploy`` run it as the asset's *local* bundling; the Docker image CDK asks
for as a fallback is never pulled when the local step succeeds.

Tests synthesize with bundling skipped (context ``aws:cdk:bundling-stacks = []``): the
template is the same, only the asset's contents are not built.
"""

from __future__ import annotations

from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def build_asset(out_dir: Path) -> None:
    """Install the project and its runtime dependencies for Lambda into ``out_dir``."""
    raise NotImplementedError("the asset builder is being written (issue 10)")


@jsii.implements(ILocalBundling)
class _LocalBuild:
    """CDK's local bundling hook: build the asset here instead of in Docker."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        build_asset(Path(output_dir))
        return True


def lambda_code() -> lambda_.Code:
    """The code of every edgesync function (one asset, three handlers)."""
    return lambda_.Code.from_asset(
        str(PROJECT_ROOT),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.12"),
            local=_LocalBuild(),
        ),
    )
