"""Least privilege for the three functions: each statement names its actions and resources.

The actions are the calls the code makes: the store's (``cloud_plane/store/dynamo/
table.py``), Cognito user admin (``cloud_plane/auth/cognito.py``), SQS
(``cloud_plane/alerts/sqs.py``), SES v2 ``SendEmail`` and SNS ``Publish`` (the channels),
S3 objects of the images bucket (``cloud_plane/images/blobs.py``).
Where a resource must be a pattern, the nag suppression next to it says why.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from cdk_nag import RegexAppliesTo

from cloud_plane.store.keys import AUDIT
from edgesync_cdk.nag import suppress

# TransactWriteItems and the batch calls are authorised per item action.
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
# The audit log is append-only (issue 13): no function may change or remove its items (in the
# ``AUDIT`` partition). TransactWriteItems is authorised per item action, so it is covered;
# BatchWriteItem could delete, and the code never batch-writes the audit log. PutItem stays
# allowed (appending is a put): the store's put is conditional on no item being there.
AUDIT_DENIED_ACTIONS = ("dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem")
# InitiateAuth (sign-in, refresh) and RevokeToken (sign-out) are public-client calls and need
# no IAM permission.
USER_ADMIN_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:CreateGroup",
    "cognito-idp:ListUsers",
)
# The API's calls on image objects: put_object (uploads through the cloud) and the sites'
# presigned PUTs, which S3 authorises as the role that signed them (the API's); get_object;
# delete_object (a bad upload). ListBucket (on the bucket, not its objects) makes S3 answer
# a get of a not-yet-uploaded image NoSuchKey rather than AccessDenied, which the blob store
# reads as "not there yet".
IMAGE_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
IMAGE_BUCKET_ACTIONS = ("s3:ListBucket",)
# The monitor only forgets images kept past their time.
IMAGE_FORGET_ACTIONS = ("s3:DeleteObject",)


def _role(fn: lambda_.Function) -> iam.IRole:
    assert fn.role is not None  # edgesync_function always makes one
    return fn.role


def grant_store(fn: lambda_.Function, table: dynamodb.ITable) -> None:
    """Item reads and writes on the table and its indexes (no table management); never an
    update or delete of an audit entry."""
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=list(TABLE_ACTIONS),
            resources=[table.table_arn, f"{table.table_arn}/index/*"],
        )
    )
    fn.add_to_role_policy(
        iam.PolicyStatement(
            effect=iam.Effect.DENY,
            actions=list(AUDIT_DENIED_ACTIONS),
            resources=[table.table_arn],
            conditions={"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": [AUDIT]}},
        )
    )
    suppress(
        _role(fn),
        "IAM5",
        "The store queries all of the table's indexes (gsi1..gsi3 from its schema); "
        "index/* names exactly those of this one table",
        applies_to=[RegexAppliesTo(regex="/^Resource::.*\\/index\\/\\*$/g")],
        children=True,
    )


def grant_secret(fn: lambda_.Function, secret: secretsmanager.ISecret) -> None:
    """Read the master secret (once per container, to derive the keys)."""
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn]
        )
    )


def grant_announce(fn: lambda_.Function, queue: sqs.IQueue) -> None:
    """Send delivery messages (new deliveries, retries, the sweep's repeats)."""
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn])
    )


def grant_dead_letter_depth(fn: lambda_.Function, dlq: sqs.IQueue) -> None:
    """Read the dead-letter queue's depth (/metrics and /api/v1/status)."""
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["sqs:GetQueueAttributes"], resources=[dlq.queue_arn])
    )


def grant_user_admin(fn: lambda_.Function, pool: cognito.IUserPool) -> None:
    """The Cognito calls of the staff admin (users, passwords, groups) on this pool only."""
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=list(USER_ADMIN_ACTIONS), resources=[pool.user_pool_arn])
    )


def grant_send_alerts(fn: lambda_.Function, sender: str) -> None:
    """Email from ``sender`` through SES; SMS through SNS."""
    stack = Stack.of(fn)
    # SES authorises SendEmail against the identity covering the From address (the address
    # itself, or its domain if the operator verified that instead) and, in the sandbox,
    # against each recipient's identity too. So: every identity of this account and
    # region, with the ses:FromAddress condition holding the function to its one sender.
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["ses:SendEmail"],
            resources=[stack.format_arn(service="ses", resource="identity", resource_name="*")],
            conditions={"StringEquals": {"ses:FromAddress": sender}},
        )
    )
    # SMS to a phone number has no resource ARN to name: SNS authorises it as "*".
    fn.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
    suppress(
        _role(fn),
        "IAM5",
        "SES: SendEmail is authorised against the From identity (address or domain) and, "
        "in the sandbox, the recipients' identities, so the resource is identity/* and the "
        "ses:FromAddress condition pins the one sender. "
        "SNS: Publish to a phone number (SMS) has no resource ARN, only '*'",
        applies_to=[
            RegexAppliesTo(regex="/^Resource::arn:<AWS::Partition>:ses:.*:identity\\/\\*$/g"),
            "Resource::*",
        ],
        children=True,
    )


def grant_images(fn: lambda_.Function, bucket: s3.IBucket) -> None:
    """Upload (presigned or not), read and delete the images bucket's objects."""
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=list(IMAGE_OBJECT_ACTIONS), resources=[bucket.arn_for_objects("*")]
        )
    )
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=list(IMAGE_BUCKET_ACTIONS), resources=[bucket.bucket_arn])
    )
    _suppress_objects(fn)


def grant_forget_images(fn: lambda_.Function, bucket: s3.IBucket) -> None:
    """Delete the images bucket's objects (those kept past ``images_keep_s``)."""
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=list(IMAGE_FORGET_ACTIONS), resources=[bucket.arn_for_objects("*")]
        )
    )
    _suppress_objects(fn)


def _suppress_objects(fn: lambda_.Function) -> None:
    suppress(
        _role(fn),
        "IAM5",
        "Image objects are named by request ids made at run time: the resource is the "
        "images bucket's objects (bucket/*), of this one bucket only",
        applies_to=[RegexAppliesTo(regex="/^Resource::.*Images.*\\/\\*$/g")],
        children=True,
    )
