"""The HTTP API in front of the API function: routes, the staff JWT authorizer, the stage.

Routes (``cloud_plane/api/surface.py`` is the map): every staff API prefix P gets
``ANY P`` and ``ANY P/{proxy+}`` behind a JWT authorizer on the Cognito pool; the nodes'
signed routes get explicit routes without one (the app checks their HMAC signatures, a
JWT authorizer would refuse them); everything else (dashboard pages with their cookie
session, /static, /docs, /healthz, /metrics, /api/v1/auth/*) is the ``$default`` route,
without an authorizer, and the app authenticates it.

The JWT authorizer reads ``Authorization``; API Gateway accepts the token alone or
prefixed with "Bearer " (developer guide, "Controlling access to HTTP APIs with JWT
authorizers": "The identitySource can include only the token, or the token prefixed with
Bearer"), which is what the app's clients send. Cognito *access* tokens carry no ``aud``;
the authorizer then checks ``client_id`` against the audience list, so the audience is
the app client's id. The app verifies the token again (groups, disabled users).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import jsii
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cloud_plane.api.surface import NODE_ROUTES, STAFF_API_PREFIXES
from edgesync_cdk.config import DeployConfig
from edgesync_cdk.nag import suppress

API_TIMEOUT = Duration.seconds(29)
"""Under the HTTP API's 30 s integration limit, so the function's own timeout reports first."""

# One JSON object per request (CloudWatch Logs Insights reads the fields directly).
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "path": "$context.path",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "userAgent": "$context.identity.userAgent",
}


@dataclass(frozen=True)
class PublicApi:
    """The API and the URL staff and nodes reach it at."""

    http_api: apigwv2.HttpApi
    stage: apigwv2.HttpStage
    url: str
    domain: apigwv2.DomainName | None = None


def staff_routes() -> list[str]:
    """The paths that take the JWT authorizer (each prefix and everything under it)."""
    return [path for prefix in STAFF_API_PREFIXES for path in (prefix, f"{prefix}/{{proxy+}}")]


def public_api(
    scope: Construct,
    *,
    handler: lambda_.IFunction,
    user_pool: cognito.IUserPool,
    client: cognito.IUserPoolClient,
    config: DeployConfig,
) -> PublicApi:
    """Create the API, its routes and its stage (on the custom domain when configured)."""
    # One permission for the whole API instead of one per route (19 routes, one function).
    integration = integrations.HttpLambdaIntegration(
        "ApiFunction",
        handler,
        payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        scope_permission_to_route=False,
    )
    custom = config.domain_name is not None
    http_api = apigwv2.HttpApi(
        scope,
        "HttpApi",
        description="edgesync cloud: staff API, dashboard and node sync",
        default_integration=integration,  # the $default route, no authorizer
        create_default_stage=False,
        # With a custom domain it is the only way in (certificate, name in links).
        disable_execute_api_endpoint=custom,
    )
    stack = Stack.of(scope)
    issuer = f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{user_pool.user_pool_id}"
    authorizer = authorizers.HttpJwtAuthorizer(
        "StaffJwt",
        issuer,
        jwt_audience=[client.user_pool_client_id],
        identity_source=["$request.header.Authorization"],
    )
    for path in staff_routes():
        http_api.add_routes(
            path=path,
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=authorizer,
        )
    for method, path in NODE_ROUTES:
        http_api.add_routes(
            path=path, methods=[apigwv2.HttpMethod(method)], integration=integration
        )
    _no_gateway_auth(http_api)

    access_logs = logs.LogGroup(
        scope,
        "ApiAccessLogs",
        retention=config.log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    domain = _custom_domain(scope, config)
    stage = apigwv2.HttpStage(
        scope,
        "DefaultStage",
        http_api=http_api,
        stage_name="$default",
        auto_deploy=True,
        throttle=apigwv2.ThrottleSettings(
            rate_limit=config.throttle_rate, burst_limit=config.throttle_burst
        ),
        access_log_settings=_AccessLogs(access_logs),
        domain_mapping=apigwv2.DomainMappingOptions(domain_name=domain) if domain else None,
    )
    url = f"https://{config.domain_name}" if custom else http_api.api_endpoint
    return PublicApi(http_api=http_api, stage=stage, url=url, domain=domain)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """The stage's access log: one JSON object per request into ``log_group``."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))


def _custom_domain(scope: Construct, config: DeployConfig) -> apigwv2.DomainName | None:
    if config.domain_name is None or config.certificate_arn is None:
        return None
    return apigwv2.DomainName(
        scope,
        "ApiDomain",
        domain_name=config.domain_name,
        certificate=acm.Certificate.from_certificate_arn(
            scope, "ApiCertificate", config.certificate_arn
        ),
        security_policy=apigwv2.SecurityPolicy.TLS_1_2,
    )


def _no_gateway_auth(http_api: apigwv2.HttpApi) -> None:
    """Say on each route without an authorizer why the gateway does not authenticate it."""
    reasons = {
        "$default": "The $default route serves the dashboard (a cookie session the app "
        "verifies on every page), its sign-in, /static, /docs, /healthz and /metrics "
        "(token or trusted network, checked by the app)",
        **{
            f"{method} {path}": "A node route: requests are HMAC-signed with the site's key "
            "(enrolment: a one-time code), which only the app can verify; a JWT "
            "authorizer would refuse every node"
            for method, path in NODE_ROUTES
        },
    }
    for child in http_api.node.find_all():
        if isinstance(child, apigwv2.CfnRoute) and child.route_key in reasons:
            suppress(child, "APIG4", reasons[child.route_key])
