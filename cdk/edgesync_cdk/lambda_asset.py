"""The Lambda code asset: the project's wheel and its dependencies for Lambda's platform.

Built without Docker (``asset_build.build_asset``): pip installs for the runtime's
manylinux platform, so compiled wheels are Lambda's, not this machine's. ``cdk synth`` /
``deploy`` run it as the asset's *local* bundling; the Docker image CDK asks for as a
fallback is never pulled, since the local step either succeeds or raises.

The asset's hash is ``AssetHashType.OUTPUT``: a fingerprint of the built folder, so a new
deployment happens exactly when the code the Lambdas run changes (a source edit, or a
dependency release pip now resolves), and the build is reproducible so an unchanged tree
hashes alike. CDK fingerprints only that output, never ``PROJECT_ROOT`` (with its ``.venv``,
``.git`` and ``cdk.out``). With bundling skipped (tests: context ``aws:cdk:bundling-stacks``
= ``[]``) CDK replaces an OUTPUT hash by one of the construct path and reads no file at all:
the template is the same, only the asset's contents are not built. Functions given
separate ``lambda_code()`` objects still share one build per synthesis: CDK caches a
bundled asset by its source and options.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from edgesync_cdk.asset_build import PROJECT_ROOT, build_asset
from edgesync_cdk.functions import RUNTIME_PYTHON

__all__ = ["PROJECT_ROOT", "build_asset", "lambda_code"]

log = logging.getLogger(__name__)

# Never pulled (see the module docstring); CDK requires an image for every bundling.
_FALLBACK_IMAGE = "public.ecr.aws/sam/build-python3.12"


@jsii.implements(ILocalBundling)
class _LocalBuild:
    """CDK's local bundling hook: build the asset here instead of in Docker."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        with _progress_on_stderr():
            log.info("building the Lambda asset into %s (local bundling, no Docker)", output_dir)
            build_asset(Path(output_dir), python_version=RUNTIME_PYTHON)
        return True


@contextmanager
def _progress_on_stderr() -> Iterator[None]:
    """Show the build's steps beside CDK's own "Bundling asset ..." line, unless the app
    configured logging itself (the build takes from seconds to a minute or two)."""
    package = logging.getLogger("edgesync_cdk")
    if package.hasHandlers():
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    level = package.level
    package.addHandler(handler)
    package.setLevel(logging.INFO)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(level)


def lambda_code() -> lambda_.Code:
    """The code of every edgesync function (one asset, three handlers)."""
    return lambda_.Code.from_asset(
        str(PROJECT_ROOT),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            image=DockerImage.from_registry(_FALLBACK_IMAGE),
            local=_LocalBuild(),
        ),
    )
