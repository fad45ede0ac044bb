"""The site's images bucket (the node's S3 image store) and the bucket of access logs.

The same conventions as the control plane's images bucket (``edgesync_cdk/data.py``): S3
managed keys, public access blocked, objects owned by the bucket owner, TLS only. Unlike
that one, these images are the site's evidence: retained with the stack, logged, expired
by S3 only as a backstop a week after the node's longest keep (the node deletes by row).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from cdk_nag import RegexAppliesTo
from constructs import Construct

from edgesync_cdk.data import ABORT_UPLOADS_DAYS
from edgesync_cdk.full_cloud.site_config import SiteConfig
from edgesync_cdk.nag import suppress

IMAGE_PREFIX = "images"
NONCURRENT_DAYS = 7
# The node's S3 image store: put (with a checksum), get, delete (batches of keys, which S3
# authorises per key as DeleteObject) and list under its prefix. Nothing else.
IMAGE_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
IMAGE_LIST_ACTIONS = ("s3:ListBucket",)


def _private(scope: Construct, construct_id: str, **props: object) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
        **props,  # type: ignore[arg-type]
    )


def logs_bucket(scope: Construct, config: SiteConfig) -> s3.Bucket:
    """Access logs of the ALB and the images bucket (SSE-S3: ALB logs cannot use KMS)."""
    bucket = _private(
        scope,
        "AccessLogs",
        lifecycle_rules=[
            s3.LifecycleRule(id="ExpireLogs", expiration=Duration.days(config.log_retention_days))
        ],
    )
    suppress(
        bucket,
        "S1",
        "This is the access-log bucket itself: logging its own accesses into it would log "
        "each log delivery again, without end",
    )
    return bucket


def images_bucket(scope: Construct, config: SiteConfig, logs: s3.IBucket) -> s3.Bucket:
    """The images: lifecycle backstop, optional versioning and object lock."""
    locked = config.images_lock_days > 0
    rules = [
        s3.LifecycleRule(
            id="AbortIncompleteUploads",
            abort_incomplete_multipart_upload_after=Duration.days(ABORT_UPLOADS_DAYS),
        ),
        s3.LifecycleRule(
            id="ExpireOrphanImages",
            prefix=f"{IMAGE_PREFIX}/",
            expiration=Duration.days(config.image_expiry_days),
        ),
    ]
    versioned = config.images_versioned or locked  # object lock needs versions
    if versioned:
        rules.append(
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
            )
        )
    return _private(
        scope,
        "Images",
        versioned=versioned,
        object_lock_enabled=locked or None,
        object_lock_default_retention=(
            s3.ObjectLockRetention.governance(Duration.days(config.images_lock_days))
            if locked
            else None
        ),
        lifecycle_rules=rules,
        server_access_logs_bucket=logs,
        server_access_logs_prefix="images-bucket/",
    )


def grant_images(role: iam.IRole, bucket: s3.IBucket) -> None:
    """The node's image-store calls, on objects under ``IMAGE_PREFIX`` only."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(IMAGE_OBJECT_ACTIONS),
            resources=[bucket.arn_for_objects(f"{IMAGE_PREFIX}/*")],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(IMAGE_LIST_ACTIONS),
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{IMAGE_PREFIX}/*"]}},
        )
    )
    suppress(
        role,
        "IAM5",
        "Objects under the images prefix: the node names each image by its own key (date "
        "shards and the read's id), so the role must reach any key under the prefix, and "
        "no key outside it",
        applies_to=[RegexAppliesTo(regex=f"/^Resource::<.*Images.*\\.Arn>/{IMAGE_PREFIX}/\\*$/g")],
        children=True,
    )
