"""The Data stack's table and secret: built from the store's schema, protected, retained."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from cloud_plane.aws.secrets import MASTER_KEY, MIN_MASTER_CHARS
from cloud_plane.store.dynamo.schema import TTL_ATTRIBUTE, create_table_request
from tests.cdk.conftest import Deployment


def _table(default: Deployment) -> dict:
    (table,) = default.resources("AWS::DynamoDB::Table", stack="data").values()
    return table


def test_table_has_point_in_time_recovery(default: Deployment) -> None:
    spec = _table(default)["Properties"]["PointInTimeRecoverySpecification"]
    assert spec["PointInTimeRecoveryEnabled"] is True


def test_table_is_deletion_protected_and_retained(default: Deployment) -> None:
    table = _table(default)
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_table_expires_items_on_the_schema_ttl_attribute(default: Deployment) -> None:
    ttl = _table(default)["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_table_keys_indexes_and_billing_equal_the_store_schema(default: Deployment) -> None:
    request = create_table_request("x")
    props = _table(default)["Properties"]
    assert props["BillingMode"] == request["BillingMode"]
    assert props["KeySchema"] == request["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(
        request["AttributeDefinitions"], key=str
    )
    assert props["GlobalSecondaryIndexes"] == request["GlobalSecondaryIndexes"]


def test_table_name_is_left_to_cloudformation(default: Deployment) -> None:
    assert "TableName" not in _table(default)["Properties"]


def test_secret_is_generated_as_the_master_json_and_retained(default: Deployment) -> None:
    (secret,) = default.resources("AWS::SecretsManager::Secret", stack="data").values()
    generated = secret["Properties"]["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {}
    assert generated["GenerateStringKey"] == MASTER_KEY
    assert generated["PasswordLength"] >= MIN_MASTER_CHARS
    assert generated["ExcludePunctuation"] is True
    assert secret["DeletionPolicy"] == "Retain"


def test_secret_is_not_rotated(default: Deployment) -> None:
    default.data_template.resource_count_is("AWS::SecretsManager::RotationSchedule", 0)


def test_data_stack_outputs_what_operators_need(default: Deployment) -> None:
    outputs = default.data_template.find_outputs("*", Match.any_value())
    assert {"TableName", "UserPoolId", "UserPoolClientId", "SecretArn"} <= set(outputs)
