"""One synthesis per test session, shared by every CDK test (synthesis takes seconds).

Two deployments in one app: the defaults (what a company deploys first) and one with
every structural option on (custom domain, alarm email), so both shapes are checked
from a single synthesis. Bundling is skipped: the templates are the same, only the
Lambda asset is not built (tests/cdk/test_asset_build.py builds and checks it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App, cx_api
from aws_cdk.assertions import Template
from edgesync_cdk.config import DeployConfig, cdk_json_context
from edgesync_cdk.nag import check_app
from edgesync_cdk.stacks import ControlPlaneStack, DataStack, build_app

CUSTOM = DeployConfig(
    prefix="Custom",
    domain_name="edgesync.example.com",
    certificate_arn="arn:aws:acm:eu-west-1:111122223333:certificate/abc",
    alarm_email="ops@example.com",
    detection_retention_days=None,
)


@dataclass(frozen=True)
class Deployment:
    """One deployment's stacks and their synthesized templates."""

    config: DeployConfig
    data: DataStack
    control: ControlPlaneStack
    data_json: dict[str, Any]
    control_json: dict[str, Any]

    @property
    def data_template(self) -> Template:
        return Template.from_json(self.data_json)

    @property
    def control_template(self) -> Template:
        return Template.from_json(self.control_json)

    def resources(self, kind: str, *, stack: str = "control") -> dict[str, dict[str, Any]]:
        """The resources of CloudFormation type ``kind`` by logical id."""
        template = self.control_json if stack == "control" else self.data_json
        return {logical: r for logical, r in template["Resources"].items() if r["Type"] == kind}

    def function(self, role: str) -> tuple[str, dict[str, Any]]:
        """(logical id, resource) of the function running ``cloud_plane.aws.<role>``."""
        return next(
            (logical, r)
            for logical, r in self.resources("AWS::Lambda::Function").items()
            if r["Properties"].get("Handler") == f"cloud_plane.aws.{role}.handler"
        )


@dataclass(frozen=True)
class Synthesized:
    app: App
    assembly: cx_api.CloudAssembly
    outdir: Path
    default: Deployment
    custom: Deployment

    @property
    def deployments(self) -> tuple[Deployment, Deployment]:
        return (self.default, self.custom)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Both deployments synthesized once, with the app's feature flags and cdk-nag."""
    context = {**cdk_json_context(), "aws:cdk:bundling-stacks": []}
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(context=context, outdir=str(outdir))
    built = {config: build_app(app, config) for config in (DeployConfig(), CUSTOM)}
    check_app(app)
    assembly = app.synth()

    def deployment(config: DeployConfig) -> Deployment:
        data, control = built[config]
        return Deployment(
            config=config,
            data=data,
            control=control,
            data_json=json.loads((outdir / data.template_file).read_text()),
            control_json=json.loads((outdir / control.template_file).read_text()),
        )

    return Synthesized(app, assembly, outdir, deployment(DeployConfig()), deployment(CUSTOM))


@pytest.fixture(scope="session")
def default(synth: Synthesized) -> Deployment:
    """The deployment with every default."""
    return synth.default
