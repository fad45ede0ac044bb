"""The Dockerfile: multi-stage, non-root, a health check, pg_dump in the runtime stage."""

from __future__ import annotations

import json
import re

import pytest

from tests.deploy.conftest import DOCKERFILE


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def runtime_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage (the image that ships)."""
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_the_image_is_built_in_two_stages():
    stages = [args for keyword, args in instructions() if keyword == "FROM"]
    assert len(stages) >= 2
    assert any(k == "COPY" and a.startswith("--from=builder ") for k, a in runtime_stage()), (
        "the runtime stage copies what the builder made"
    )


def test_the_runtime_stage_compiles_and_installs_no_python_package():
    """pip runs in the builder only; the runtime gets the finished virtualenv."""
    assert [a for k, a in runtime_stage() if k == "RUN" and "pip install" in a] == []


def test_the_image_runs_as_a_non_root_user():
    users = [args for keyword, args in runtime_stage() if keyword == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_the_runtime_stage_has_the_postgresql_15_client():
    runs = " ".join(args for keyword, args in runtime_stage() if keyword == "RUN")
    assert re.search(r"apt-get install .*postgresql-client-15\b", runs)


@pytest.mark.parametrize("stage", ["first", "last"])
def test_both_stages_use_the_same_pinned_base(stage: str):
    """The virtualenv's interpreter links must resolve in the runtime: same base, same Debian."""
    bases = [args.split()[0] for keyword, args in instructions() if keyword == "FROM"]
    base = bases[0] if stage == "first" else bases[-1]
    assert base == "python:3.11-slim-bookworm"


def test_the_image_has_a_healthcheck_on_the_node_health_endpoint():
    (check,) = [args for keyword, args in runtime_stage() if keyword == "HEALTHCHECK"]
    command = json.loads(check[check.index("CMD") + 3 :])
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]


def test_the_entrypoint_is_the_edgesync_command():
    (entrypoint,) = [args for keyword, args in runtime_stage() if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["edgesync"]


def test_the_build_context_leaves_out_the_site_secrets_and_the_virtualenv():
    ignored = (DOCKERFILE.parent / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git"} <= set(ignored)


def test_the_runtime_stage_ships_the_rds_ca_bundle_where_the_node_looks_for_it():
    from local_node.config import NodeSettings

    default = str(NodeSettings.model_fields["database_sslrootcert"].default)
    added = [a.split() for k, a in runtime_stage() if k == "ADD"]
    assert ["https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem", default] in added
    runs = " ".join(args for keyword, args in runtime_stage() if keyword == "RUN")
    assert f"chmod 0644 {default}" in runs, (
        "ADD of a URL is root-only (600): the node could not read it"
    )
