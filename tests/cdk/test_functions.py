"""The three functions: handlers, runtime, own roles; the monitor and delivery time limits."""

from __future__ import annotations

import pytest
from edgesync_cdk.functions import HANDLERS

from cloud_plane.aws.requirements import ROLES
from tests.cdk.conftest import Deployment


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_one_function_with_its_handler(default: Deployment, role: str) -> None:
    _, fn = default.function(role)
    assert fn["Properties"]["Handler"] == HANDLERS[role]
    assert fn["Properties"]["Runtime"] == "python3.12"
    assert fn["Properties"]["Architectures"] == ["x86_64"]


def test_functions_are_three_plus_the_custom_resource_provider(default: Deployment) -> None:
    handlers = sorted(
        f["Properties"]["Handler"] for f in default.resources("AWS::Lambda::Function").values()
    )
    assert handlers == sorted([*HANDLERS.values(), "index.handler"])


@pytest.mark.parametrize("role", ROLES)
def test_each_function_has_its_own_role(default: Deployment, role: str) -> None:
    roles = {default.function(r)[1]["Properties"]["Role"]["Fn::GetAtt"][0] for r in ROLES}
    assert len(roles) == len(ROLES)


def test_workers_get_the_worker_memory(default: Deployment) -> None:
    for role in ("delivery", "monitor"):
        memory = default.function(role)[1]["Properties"]["MemorySize"]
        assert memory == default.config.worker_memory_mb
