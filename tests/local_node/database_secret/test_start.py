"""Starting the node from the database secret: clear errors, TLS asked for, no password shown."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node.config import NodeSettings
from local_node.services import build_services
from tests.local_node.database_secret.conftest import RDS_SECRET

pytestmark = pytest.mark.usefixtures("secrets")

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone-AbCdEf"


def run_node(tmp_path, *args: str, **env: str):
    base = {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node"), "EDGESYNC_NODE_DATABASE_URL": ""}
    return CliRunner().invoke(main, ["node", *args], env={**base, **env})


def test_a_command_names_the_unreadable_secret_in_one_line(tmp_path):
    result = run_node(tmp_path, "tokens", "list", EDGESYNC_NODE_DATABASE_SECRET_ARN=ARN)
    assert result.exit_code == 2
    assert "EDGESYNC_NODE_DATABASE_SECRET_ARN" in result.stderr
    assert "no such secret" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.postgres
def test_tls_is_really_asked_for_of_the_database(tmp_path, local_postgres_secret):
    # This machine's PostgreSQL has no TLS: a node that asks for it must be refused.
    result = run_node(
        tmp_path,
        "tokens",
        "list",
        EDGESYNC_NODE_DATABASE_SECRET_ARN=local_postgres_secret,
        EDGESYNC_NODE_DATABASE_SSLMODE="require",
    )
    assert result.exit_code == 2, result.output
    assert "SSL" in result.stderr and "check EDGESYNC_NODE_DATABASE_SECRET_ARN" in result.stderr
    assert RDS_SECRET["password"] not in result.stderr


@pytest.mark.postgres
def test_the_node_starts_from_the_secret_without_logging_the_password(
    tmp_path, local_postgres_secret, caplog
):
    caplog.set_level(logging.DEBUG)
    settings = NodeSettings(
        data_dir=tmp_path, database_secret_arn=local_postgres_secret, database_sslmode="disable"
    )
    services = build_services(settings)
    try:
        assert services.engine.dialect.name == "postgresql"
    finally:
        services.close()
    assert caplog.records and RDS_SECRET["password"] not in caplog.text
