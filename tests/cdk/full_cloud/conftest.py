"""One synthesis of the real app (``cdk/app.py``) with two full-cloud sites, shared by every
full-cloud test (synthesis takes seconds).

``depot-north`` has every default; ``depot-south`` turns each structural option on through
its per-site context (NAT egress, Multi-AZ, versioned and object-locked images), so both
shapes and the per-site override come from the one run. The app runs as ``make synth`` runs
it, bundling skipped, with a ``docker`` first on PATH that only records being called:
synthesis must never need Docker (the image is built by ``cdk deploy``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template
from edgesync_cdk.asset_build import PROJECT_ROOT

APP = PROJECT_ROOT / "cdk" / "app.py"
REGION = "eu-west-2"
DEFAULT_SITE, OPTIONS_SITE = "depot-north", "depot-south"
CONTEXT = {
    "aws:cdk:bundling-stacks": [],  # the control plane's Lambda asset is not built here
    "fullCloudSites": f"{DEFAULT_SITE},{OPTIONS_SITE}",
    "fullCloud.region": REGION,
    f"fullCloud.{OPTIONS_SITE}.egress": "nat",
    f"fullCloud.{OPTIONS_SITE}.multiAz": "true",
    f"fullCloud.{OPTIONS_SITE}.imagesVersioned": "true",
    f"fullCloud.{OPTIONS_SITE}.imagesLockDays": "30",
}
FAKE_DOCKER = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/called"
exit 1
"""


@dataclass(frozen=True)
class Site:
    """One site stack's synthesized template and its synthesis messages."""

    name: str
    stack_name: str
    template_json: dict[str, Any]
    messages: list[cx_api.SynthesisMessage]

    @property
    def template(self) -> Template:
        return Template.from_json(self.template_json)

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """The resources of CloudFormation type ``kind`` by logical id."""
        found = self.template_json["Resources"].items()
        return {logical: r for logical, r in found if r["Type"] == kind}

    def one(self, kind: str) -> tuple[str, dict[str, Any]]:
        """(logical id, resource) of the only resource of type ``kind``."""
        ((logical, resource),) = self.resources(kind).items()
        return logical, resource

    def logical_id(self, path_part: str, kind: str) -> str:
        """The logical id of the ``kind`` resource whose id starts with ``path_part``."""
        (logical,) = [k for k in self.resources(kind) if k.startswith(path_part)]
        return logical


@dataclass(frozen=True)
class SiteSynth:
    outdir: Path
    docker_calls: Path
    assembly: cx_api.CloudAssembly
    default: Site
    options: Site

    @property
    def sites(self) -> tuple[Site, Site]:
        return (self.default, self.options)


@pytest.fixture(scope="session")
def site_synth(tmp_path_factory: pytest.TempPathFactory) -> SiteSynth:
    """``cdk/app.py`` with two sites, as ``make synth`` runs it (cdk-nag on)."""
    outdir = tmp_path_factory.mktemp("site-cdk.out")
    bin_dir = tmp_path_factory.mktemp("fake-bin")
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(CONTEXT),
        "CDK_DOCKER": str(bin_dir / "docker"),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("CDK_DEFAULT_REGION", None)
    done = subprocess.run(
        [sys.executable, str(APP)],
        cwd=PROJECT_ROOT / "cdk",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    assembly = cx_api.CloudAssembly(str(outdir))

    def site(name: str) -> Site:
        stack_name = f"EdgesyncSite-{name}"
        artifact = assembly.get_stack_by_name(stack_name)
        return Site(
            name=name,
            stack_name=stack_name,
            template_json=json.loads((outdir / artifact.template_file).read_text()),
            messages=list(artifact.messages),
        )

    return SiteSynth(
        outdir=outdir,
        docker_calls=bin_dir / "called",
        assembly=assembly,
        default=site(DEFAULT_SITE),
        options=site(OPTIONS_SITE),
    )


@pytest.fixture(scope="session")
def site(site_synth: SiteSynth) -> Site:
    """The site with every default."""
    return site_synth.default


@pytest.fixture(scope="session")
def options_site(site_synth: SiteSynth) -> Site:
    """The site with NAT egress, Multi-AZ, versioned and locked images."""
    return site_synth.options
