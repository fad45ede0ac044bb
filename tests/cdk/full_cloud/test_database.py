"""RDS PostgreSQL: encrypted, backed up, protected, TLS only, never public; credentials
generated into Secrets Manager."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.cdk.full_cloud.conftest import Site


def test_database_is_encrypted_backed_up_protected_and_private(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::RDS::DBInstance",
        {
            "Engine": "postgres",
            "EngineVersion": Match.string_like_regexp(r"^16"),
            "DBInstanceClass": "db.t4g.small",
            "StorageEncrypted": True,
            "BackupRetentionPeriod": 7,
            "DeletionProtection": True,
            "PubliclyAccessible": False,
            "StorageType": "gp3",
            "AllocatedStorage": "20",
            "MaxAllocatedStorage": 1000,
            "MultiAZ": False,
        },
    )


def test_multi_az_is_an_option(options_site: Site) -> None:
    options_site.template.has_resource_properties("AWS::RDS::DBInstance", {"MultiAZ": True})


def test_deleting_the_stack_snapshots_the_database(site: Site) -> None:
    _, instance = site.one("AWS::RDS::DBInstance")
    assert (instance["DeletionPolicy"], instance["UpdateReplacePolicy"]) == ("Snapshot",) * 2


def test_the_server_refuses_connections_without_tls(site: Site) -> None:
    group, _ = site.one("AWS::RDS::DBParameterGroup")
    site.template.has_resource_properties(
        "AWS::RDS::DBParameterGroup", {"Parameters": {"rds.force_ssl": "1"}}
    )
    site.template.has_resource_properties(
        "AWS::RDS::DBInstance", {"DBParameterGroupName": {"Ref": group}}
    )


def test_the_database_lives_in_the_isolated_subnets(site: Site) -> None:
    _, subnets = site.one("AWS::RDS::DBSubnetGroup")
    refs = [s["Ref"] for s in subnets["Properties"]["SubnetIds"]]
    assert len(refs) == 2 and all(r.startswith("Vpcisolated") for r in refs)


def test_credentials_are_generated_into_a_secret_attached_to_the_instance(site: Site) -> None:
    _, secret = site.one("AWS::SecretsManager::Secret")
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "password"
    # The attachment writes host, port, dbname and engine into it: RDS's JSON shape.
    site.template.has_resource_properties(
        "AWS::SecretsManager::SecretTargetAttachment",
        {"TargetType": "AWS::RDS::DBInstance"},
    )


def test_postgres_logs_are_exported_to_a_log_group_with_retention(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::RDS::DBInstance", {"EnableCloudwatchLogsExports": ["postgresql"]}
    )
    site.template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": "/aws/rds/instance/edgesyncsite-depot-north/postgresql",
            "RetentionInDays": 30,
        },
    )
    site.template.resource_count_is("Custom::LogRetention", 0)  # no Lambda to set it


def test_the_database_is_named_so_the_generated_secret_carries_its_dbname(site: Site) -> None:
    # RDS puts dbname into the generated secret only for a named database; the node needs it
    # (local_node/database_secret.py refuses a secret without one).
    _, instance = site.one("AWS::RDS::DBInstance")
    assert instance["Properties"]["DBName"] == "edgesync"
