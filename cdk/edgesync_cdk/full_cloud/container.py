"""The node's container image and environment.

The image is the project's own Dockerfile, built by ``cdk deploy`` (cdk-assets runs Docker
then); synthesis only copies the build context into the cloud assembly and hashes it, so
``cdk synth`` needs no Docker. The context is what the Dockerfile copies and nothing else
(read from its COPY lines): tests, the venv, cdk.out, .git, docs, bench and any local data
never reach the image or its hash, so an edit outside the node's code redeploys nothing.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from aws_cdk import IgnoreMode
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs

REPO_ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = "Dockerfile"
# Left out even inside what the Dockerfile copies (the .dockerignore says the same).
JUNK = ("**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache", "**/.ruff_cache")
DATA_DIR = "/data"
IMAGE_STORE_SCHEME = "s3://"

_COPY = re.compile(r"^\s*(COPY|ADD)\s+(.*)$", re.IGNORECASE)


def build_context_sources(dockerfile: str) -> list[str]:
    """The build-context paths the Dockerfile's COPY/ADD lines read (not ``--from`` stages,
    not URLs), in order of appearance."""
    sources: list[str] = []
    for line in dockerfile.splitlines():
        match = _COPY.match(line)
        if not match:
            continue
        words = shlex.split(match.group(2))
        if any(w.startswith("--from=") for w in words):
            continue
        paths = [w for w in words if not w.startswith("--")][:-1]  # the last is the target
        sources += [p.rstrip("/") for p in paths if "://" not in p and p.rstrip("/") != "."]
    return list(dict.fromkeys(sources))


def context_excludes(dockerfile: str) -> list[str]:
    """Docker-style patterns keeping only the Dockerfile's sources (and itself) in context."""
    keep = [DOCKERFILE, *build_context_sources(dockerfile)]
    return ["*", *(f"!{path}" for path in keep), *JUNK]


def node_image() -> ecs.ContainerImage:
    """The image asset of the repository's Dockerfile (x86_64, as the tasks)."""
    dockerfile = (REPO_ROOT / DOCKERFILE).read_text()
    return ecs.ContainerImage.from_asset(
        str(REPO_ROOT),
        file=DOCKERFILE,
        exclude=context_excludes(dockerfile),
        ignore_mode=IgnoreMode.DOCKER,
        platform=ecr_assets.Platform.LINUX_AMD64,
    )


def node_environment(
    *, bucket_name: str, prefix: str, secret_arn: str, region: str, api: bool, vpc_cidr: str
) -> dict[str, str]:
    """The ``EDGESYNC_NODE_*`` settings of an API task (``api``) or of the agent task.

    No secret value: the database secret goes by ARN and the node reads it at start.
    """
    env = {
        "EDGESYNC_NODE_IMAGE_STORE": f"{IMAGE_STORE_SCHEME}{bucket_name}/{prefix}",
        "EDGESYNC_NODE_DATABASE_SECRET_ARN": secret_arn,
        "EDGESYNC_NODE_DATA_DIR": DATA_DIR,
        # boto3 finds no region of its own on Fargate.
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    if api:
        # Behind the ALB: listen on the task's interface; the agent runs in its own task.
        env |= {"EDGESYNC_NODE_HOST": "0.0.0.0", "EDGESYNC_NODE_SYNC_AGENT": "false"}
        # The ALB ends TLS and forwards plain HTTP: the session cookies are Secure anyway.
        env["EDGESYNC_NODE_WEB_COOKIE_SECURE"] = "always"
        # The ALB's X-Forwarded-For names the client (audit log, sign-in back-off); only the
        # VPC's addresses can reach a task (its security group admits the ALB alone).
        env["EDGESYNC_NODE_FORWARDED_ALLOW_IPS"] = vpc_cidr
    else:
        # RDS's automated backups (7 days, point-in-time) replace the node's nightly dump.
        env["EDGESYNC_NODE_BACKUP_ENABLED"] = "false"
    return env
