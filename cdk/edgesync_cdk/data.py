"""The stateful store: the DynamoDB table (built from the store's own schema), the secret and
the bucket of images sites upload on demand.

All are retained when their stack is deleted, and the table has deletion protection on:
deleting the ControlPlane stack, or even the Data stack, never loses a detection. The
bucket's lifecycle rule keeps emptying it after that too.
"""

from __future__ import annotations

import math
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cloud_plane.aws.secrets import MASTER_KEY
from cloud_plane.image_settings import ImageSettings
from cloud_plane.store.dynamo.schema import TTL_ATTRIBUTE, create_table_request
from edgesync_cdk.nag import suppress

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}
_BILLING = {
    "PAY_PER_REQUEST": dynamodb.BillingMode.PAY_PER_REQUEST,
    "PROVISIONED": dynamodb.BillingMode.PROVISIONED,
}
MASTER_CHARS = 64
DAY_S = 86_400
# The cloud deletes an image once it is kept past EDGESYNC_CLOUD_IMAGES_KEEP_S (the monitor's
# run); S3 expires what is left a day after that at the latest: a backstop, not the timer.
IMAGE_EXPIRY_DAYS = math.ceil(ImageSettings.model_fields["keep_s"].default / DAY_S) + 1
ABORT_UPLOADS_DAYS = 1


def _keys(
    schema: list[dict[str, str]], types: dict[str, str]
) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
    """The (partition, sort) keys of a KeySchema, typed from AttributeDefinitions."""
    by_kind = {k["KeyType"]: k["AttributeName"] for k in schema}
    attribute = {
        kind: dynamodb.Attribute(name=name, type=_TYPES[types[name]])
        for kind, name in by_kind.items()
    }
    return attribute["HASH"], attribute.get("RANGE")


def store_table(scope: Construct, construct_id: str) -> dynamodb.Table:
    """The store's table: keys, indexes and billing from ``create_table_request``.

    Encryption stays the AWS-owned key (free): a customer-managed KMS key costs $1/month
    plus requests and buys key-policy control nobody has asked for.
    """
    # The name is CloudFormation's (the Lambdas get it): two deployments never collide.
    request: dict[str, Any] = create_table_request("unused")
    types = {a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]}
    partition, sort = _keys(request["KeySchema"], types)
    table = dynamodb.Table(
        scope,
        construct_id,
        partition_key=partition,
        sort_key=sort,
        billing_mode=_BILLING[request["BillingMode"]],
        time_to_live_attribute=TTL_ATTRIBUTE,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    for index in request.get("GlobalSecondaryIndexes", []):
        index_partition, index_sort = _keys(index["KeySchema"], types)
        projection = index["Projection"]
        table.add_global_secondary_index(
            index_name=index["IndexName"],
            partition_key=index_partition,
            sort_key=index_sort,
            projection_type=_PROJECTIONS[projection["ProjectionType"]],
            non_key_attributes=projection.get("NonKeyAttributes"),
        )
    return table


def master_secret(scope: Construct, construct_id: str) -> secretsmanager.Secret:
    """The one random secret the Lambdas derive their keys from (cloud_plane.aws.secrets)."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        description="edgesync cloud: master secret; the Lambdas derive the Fernet key "
        "sealing webhook secrets and the dashboard's CSRF key from it (HKDF)",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template="{}",
            generate_string_key=MASTER_KEY,
            exclude_punctuation=True,
            password_length=MASTER_CHARS,
        ),
        # Losing it makes every sealed webhook secret unreadable.
        removal_policy=RemovalPolicy.RETAIN,
    )
    suppress(
        secret,
        "SMG4",
        "Not rotated on purpose: the Fernet key derived from it seals webhook secrets at "
        "rest, and a rotated master could no longer open them (cloud_plane/aws/secrets.py)",
    )
    return secret


def images_bucket(scope: Construct, construct_id: str) -> s3.Bucket:
    """The images sites upload (presigned PUTs, ``cloud_plane/images/blobs.py``): private,
    encrypted, HTTPS only, expired by S3 after ``IMAGE_EXPIRY_DAYS``.

    S3-managed keys, like the table's AWS-owned key (and the blob store's own puts ask for
    AES256, which a KMS default would be overridden by). No versioning: an image is a copy
    held for a day at most (the node keeps the original), and with versions a delete would
    keep the image as a noncurrent version instead of forgetting it. Retained like the rest
    of the Data stack; the lifecycle rule empties a retained bucket within days anyway.
    """
    bucket = s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        versioned=False,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ExpireImages",
                expiration=Duration.days(IMAGE_EXPIRY_DAYS),
                # Uploads are single presigned PUTs; a multipart one left behind is billed.
                abort_incomplete_multipart_upload_after=Duration.days(ABORT_UPLOADS_DAYS),
            )
        ],
        removal_policy=RemovalPolicy.RETAIN,
    )
    # enforce_ssl made it: a retained bucket keeps refusing plain HTTP.
    assert bucket.policy is not None
    bucket.policy.apply_removal_policy(RemovalPolicy.RETAIN)
    suppress(
        bucket,
        "S1",
        "No server access logs: every view of an image is already in the store's audit log "
        "(IMAGE_VIEW, with the viewer and the image's SHA-256), objects live a day or two, "
        "and only the functions' roles can reach the bucket (no public access, HTTPS only)",
    )
    return bucket
