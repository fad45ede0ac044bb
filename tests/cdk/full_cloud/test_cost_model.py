"""`edgesync cloud cost --full-cloud` prices the stack that is synthesized, not another one."""

from __future__ import annotations

from cloud_plane.costing.full_cloud import Stack
from tests.cdk.full_cloud.conftest import Site


def task_sizes(site: Site) -> dict[str, tuple[float, float]]:
    """vCPU and GiB of each task definition, by family name part (Api, Agent)."""
    sizes = {}
    for logical, task in site.resources("AWS::ECS::TaskDefinition").items():
        props = task["Properties"]
        role = "Api" if logical.startswith("Api") else "Agent"
        sizes[role] = (int(props["Cpu"]) / 1024, int(props["Memory"]) / 1024)
    return sizes


def test_the_task_sizes_priced_are_the_task_sizes_deployed(site: Site) -> None:
    priced = Stack()
    assert task_sizes(site) == {
        "Api": (priced.api_vcpu, priced.api_gib),
        "Agent": (priced.agent_vcpu, priced.agent_gib),
    }


def test_the_task_counts_priced_are_the_minimum_deployed(site: Site) -> None:
    priced = Stack()
    counts = {
        logical.split("Service")[0]: int(s["Properties"]["DesiredCount"])
        for logical, s in site.resources("AWS::ECS::Service").items()
    }
    assert counts == {"Api": priced.api_tasks, "Agent": priced.agent_tasks}
    _, target = site.one("AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["Properties"]["MinCapacity"] == priced.api_tasks


def test_the_database_priced_is_the_database_deployed(site: Site) -> None:
    priced = Stack()
    _, db = site.one("AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["DBInstanceClass"] == "db.t4g.small"  # the class the estimate prices
    assert float(props["AllocatedStorage"]) == priced.rds_allocated_gib
    assert float(props["MaxAllocatedStorage"]) == priced.rds_max_allocated_gib
    assert props["BackupRetentionPeriod"] == priced.rds_backup_days
