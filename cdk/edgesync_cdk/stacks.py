"""The two stacks and the app that holds them.

``<prefix>Data`` is the stateful part (table, secret, images bucket, user pool), retained and
protected, so ``cdk destroy <prefix>ControlPlane`` never loses data; ``<prefix>ControlPlane`` is
everything that can be rebuilt (API, functions, queues, schedule, alarms). The second
refers to the first through CDK's cross-stack references.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cloud_plane.aws.requirements import ROLES, Role
from edgesync_cdk import alerts, observability, permissions
from edgesync_cdk.api import API_TIMEOUT, public_api
from edgesync_cdk.auth import staff_directory
from edgesync_cdk.config import DeployConfig
from edgesync_cdk.data import images_bucket, master_secret, store_table
from edgesync_cdk.environment import Resources, function_environment
from edgesync_cdk.full_cloud.stack import add_site_stacks
from edgesync_cdk.functions import edgesync_function
from edgesync_cdk.lambda_asset import lambda_code
from edgesync_cdk.monitor import MONITOR_TIMEOUT, schedule_monitor
from edgesync_cdk.parameters import deploy_parameters


class DataStack(Stack):
    """The table, the master secret, the images bucket and the staff user pool: retained,
    never replaced."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(
            scope,
            construct_id,
            description="edgesync cloud: data (DynamoDB table, master secret, images bucket, "
            "staff users); retained on delete",
        )
        self.table = store_table(self, "Table")
        self.secret = master_secret(self, "MasterSecret")
        self.images = images_bucket(self, "Images")
        self.staff = staff_directory(self, "Staff")
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "UserPoolId", value=self.staff.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.staff.client.user_pool_client_id)
        # Its ARN, not its value: operators' `edgesync cloud` commands derive the keys as the
        # functions do (EDGESYNC_CLOUD_SECRETS_ARN).
        CfnOutput(self, "SecretArn", value=self.secret.secret_arn)
        CfnOutput(self, "ImagesBucketName", value=self.images.bucket_name)


class ControlPlaneStack(Stack):
    """The API, the three functions, delivery queues, schedule, alarms and dashboard."""

    def __init__(
        self, scope: Construct, construct_id: str, *, data: DataStack, config: DeployConfig
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="edgesync cloud: control plane (HTTP API, Lambda functions, alert "
            "delivery, monitor schedule, alarms)",
        )
        params = deploy_parameters(self)
        sender = params.alert_sender.value_as_string
        queues = alerts.delivery_queues(self)
        code = lambda_code()
        self.functions: dict[Role, lambda_.Function] = {
            "api": edgesync_function(
                self,
                "ApiFunction",
                role="api",
                code=code,
                environment={},
                config=config,
                description="edgesync cloud: HTTP API and dashboard",
                memory_mb=config.api_memory_mb,
                timeout=API_TIMEOUT,
            ),
            "delivery": edgesync_function(
                self,
                "DeliveryFunction",
                role="delivery",
                code=code,
                environment={},
                config=config,
                description="edgesync cloud: alert delivery (SQS batches)",
                memory_mb=config.worker_memory_mb,
                timeout=alerts.DELIVERY_TIMEOUT,
            ),
            "monitor": edgesync_function(
                self,
                "MonitorFunction",
                role="monitor",
                code=code,
                environment={},
                config=config,
                description="edgesync cloud: site health, escalation, delivery sweep",
                memory_mb=config.worker_memory_mb,
                timeout=MONITOR_TIMEOUT,
            ),
        }
        api_fn, delivery_fn = self.functions["api"], self.functions["delivery"]
        for fn in self.functions.values():
            permissions.grant_store(fn, data.table)
            permissions.grant_secret(fn, data.secret)
            permissions.grant_announce(fn, queues.queue)
        permissions.grant_dead_letter_depth(api_fn, queues.dlq)
        permissions.grant_user_admin(api_fn, data.staff.user_pool)
        permissions.grant_images(api_fn, data.images)
        permissions.grant_forget_images(self.functions["monitor"], data.images)
        permissions.grant_send_alerts(delivery_fn, sender)

        alerts.consume_deliveries(delivery_fn, queues.queue)
        schedule_monitor(self, self.functions["monitor"])
        alerts.sender_identity(self, sender)
        alerts.sms_spend_limit(self, params.sms_monthly_spend_limit.value_as_string, config)

        self.api = public_api(
            self,
            handler=api_fn,
            user_pool=data.staff.user_pool,
            client=data.staff.client,
            config=config,
        )
        resources = Resources(
            table_name=data.table.table_name,
            secrets_arn=data.secret.secret_arn,
            user_pool_id=data.staff.user_pool.user_pool_id,
            client_id=data.staff.client.user_pool_client_id,
            queue_url=queues.queue.queue_url,
            dlq_url=queues.dlq.queue_url,
            ses_from=sender,
            public_url=self.api.url,
            detection_retention_days=config.detection_retention_days,
            images_bucket=data.images.bucket_name,
        )
        for role in ROLES:
            for name, value in function_environment(role, resources).items():
                self.functions[role].add_environment(name, value)

        topic = observability.alarm_topic(self, config)
        observability.alarms(
            self, topic=topic, functions=self.functions, dlq=queues.dlq, http_api=self.api.http_api
        )
        observability.dashboard(
            self,
            name=config.prefix,
            http_api=self.api.http_api,
            functions=self.functions,
            queue=queues.queue,
            dlq=queues.dlq,
            table=data.table,
        )
        CfnOutput(self, "PublicUrl", value=self.api.url, description="Staff and nodes use this")
        if self.api.domain is not None:
            CfnOutput(
                self,
                "ApiDomainTarget",
                value=self.api.domain.regional_domain_name,
                description=f"Point {config.domain_name} here (CNAME, or Route 53 alias)",
            )
        CfnOutput(self, "DeliveryQueueUrl", value=queues.queue.queue_url)
        CfnOutput(self, "DeliveryDeadLetterQueueUrl", value=queues.dlq.queue_url)
        CfnOutput(self, "AlarmTopicArn", value=topic.topic_arn)


def build_app(app: App, config: DeployConfig) -> tuple[DataStack, ControlPlaneStack]:
    """Add both stacks of ``config`` to ``app``, and a full-cloud site stack for each site
    ``config.full_cloud_sites`` names (none by default)."""
    data = DataStack(app, f"{config.prefix}Data", config=config)
    control = ControlPlaneStack(app, f"{config.prefix}ControlPlane", data=data, config=config)
    add_site_stacks(app, config)
    return data, control
