"""The Data stack's table, secret and images bucket: built from the store's schema (the
bucket from the images settings), protected, retained."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from cloud_plane.aws.secrets import MASTER_KEY, MIN_MASTER_CHARS
from cloud_plane.image_settings import ImageSettings
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


def _bucket(default: Deployment) -> dict:
    (bucket,) = default.resources("AWS::S3::Bucket", stack="data").values()
    return bucket


def test_images_bucket_is_encrypted_with_s3_managed_keys(default: Deployment) -> None:
    encryption = _bucket(default)["Properties"]["BucketEncryption"]
    (rule,) = encryption["ServerSideEncryptionConfiguration"]
    # AES256: what the blob store's own puts ask for (cloud_plane/images/blobs.py).
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_images_bucket_blocks_all_public_access(default: Deployment) -> None:
    block = _bucket(default)["Properties"]["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_images_bucket_refuses_requests_without_tls(default: Deployment) -> None:
    (policy,) = default.resources("AWS::S3::BucketPolicy", stack="data").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(statement["Resource"]) == 2  # the bucket and its objects


def test_images_expire_a_day_after_the_clouds_default_keep(default: Deployment) -> None:
    (rule,) = _bucket(default)["Properties"]["LifecycleConfiguration"]["Rules"]
    keep_days = ImageSettings.model_fields["keep_s"].default / 86_400
    assert rule["Status"] == "Enabled"
    assert keep_days < rule["ExpirationInDays"] <= keep_days + 1
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_images_bucket_is_unversioned_so_a_delete_forgets(default: Deployment) -> None:
    assert "VersioningConfiguration" not in _bucket(default)["Properties"]


def test_images_bucket_is_retained_and_named_by_cloudformation(default: Deployment) -> None:
    bucket = _bucket(default)
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert "BucketName" not in bucket["Properties"]


def test_data_stack_outputs_the_images_bucket(default: Deployment) -> None:
    (bucket_id,) = default.resources("AWS::S3::Bucket", stack="data")
    outputs = default.data_template.find_outputs("ImagesBucketName", Match.any_value())
    assert outputs["ImagesBucketName"]["Value"] == {"Ref": bucket_id}
