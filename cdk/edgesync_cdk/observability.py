"""Alarms, the topic they notify, and one CloudWatch dashboard of the whole plane."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cloud_plane.aws.requirements import Role
from edgesync_cdk.config import DeployConfig
from edgesync_cdk.nag import suppress

PERIOD = Duration.minutes(5)


def alarm_topic(scope: Construct, config: DeployConfig) -> sns.Topic:
    """The topic every alarm notifies (and its email subscription when one is configured)."""
    topic = sns.Topic(scope, "AlarmTopic", display_name="edgesync cloud alarms", enforce_ssl=True)
    suppress(
        topic,
        "SNS2",
        "Not encrypted at rest: CloudWatch alarms cannot publish to a topic under the "
        "AWS-managed SNS key (its key policy cannot grant CloudWatch), and a customer-managed "
        "key costs $1/month for messages holding only alarm names and metric values",
    )
    if config.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
    return topic


def _alarm(
    scope: Construct, construct_id: str, metric: cw.IMetric, description: str, topic: sns.ITopic
) -> cw.Alarm:
    """Alarm when ``metric`` is above zero in a period (missing data: fine, nothing happened)."""
    alarm = cw.Alarm(
        scope,
        construct_id,
        metric=metric,
        threshold=0,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
    alarm.add_alarm_action(cw_actions.SnsAction(topic))
    alarm.add_ok_action(cw_actions.SnsAction(topic))
    return alarm


def alarms(
    scope: Construct,
    *,
    topic: sns.ITopic,
    functions: Mapping[Role, lambda_.Function],
    dlq: sqs.IQueue,
    http_api: apigwv2.HttpApi,
) -> list[cw.Alarm]:
    """Dead letters, each function's errors and throttles, and the API's 5xx answers."""
    made = [
        _alarm(
            scope,
            "DeadLettersAlarm",
            dlq.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            "Alert deliveries reached the dead-letter queue: look at them (their delivery "
            "ids) and the delivery function's logs",
            topic,
        ),
        _alarm(
            scope,
            "Api5xxAlarm",
            http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            "The API answered 5xx (function errors or timeouts): see the access and API logs",
            topic,
        ),
    ]
    for role, fn in functions.items():
        name = role.title()
        made.append(
            _alarm(
                scope,
                f"{name}ErrorsAlarm",
                fn.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {role} function failed: see its log group",
                topic,
            )
        )
        made.append(
            _alarm(
                scope,
                f"{name}ThrottlesAlarm",
                fn.metric_throttles(period=PERIOD, statistic="Sum"),
                f"The {role} function was throttled (account concurrency exhausted?)",
                topic,
            )
        )
    return made


def dashboard(
    scope: Construct,
    *,
    name: str,
    http_api: apigwv2.HttpApi,
    functions: Mapping[Role, lambda_.Function],
    queue: sqs.IQueue,
    dlq: sqs.IQueue,
    table: dynamodb.ITable,
) -> cw.Dashboard:
    """One page: API traffic, functions, the delivery queue, the table's consumed capacity."""
    board = cw.Dashboard(scope, "Dashboard", dashboard_name=name)
    fns = list(functions.items())
    board.add_widgets(
        cw.GraphWidget(
            title="API requests and errors",
            left=[
                http_api.metric_count(period=PERIOD),
                http_api.metric_client_error(period=PERIOD),
                http_api.metric_server_error(period=PERIOD),
            ],
        ),
        cw.GraphWidget(
            title="API latency (p50, p99)",
            left=[
                http_api.metric_latency(period=PERIOD, statistic="p50"),
                http_api.metric_latency(period=PERIOD, statistic="p99"),
            ],
        ),
    )
    board.add_widgets(
        cw.GraphWidget(
            title="Function errors and throttles",
            left=[fn.metric_errors(period=PERIOD, label=f"{r} errors") for r, fn in fns],
            right=[fn.metric_throttles(period=PERIOD, label=f"{r} throttles") for r, fn in fns],
        ),
        cw.GraphWidget(
            title="Function duration (p99)",
            left=[fn.metric_duration(period=PERIOD, statistic="p99", label=r) for r, fn in fns],
        ),
    )
    board.add_widgets(
        cw.GraphWidget(
            title="Delivery queue and dead letters",
            left=[
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, label="waiting"),
                queue.metric_approximate_age_of_oldest_message(period=PERIOD, label="oldest (s)"),
            ],
            right=[
                dlq.metric_approximate_number_of_messages_visible(
                    period=PERIOD, label="dead letters"
                )
            ],
        ),
        cw.GraphWidget(
            title="DynamoDB consumed capacity",
            left=[
                table.metric_consumed_write_capacity_units(period=PERIOD, label="write units"),
                table.metric_consumed_read_capacity_units(period=PERIOD, label="read units"),
            ],
        ),
    )
    return board
