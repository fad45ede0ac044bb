"""The HTTP API: the authorizer on every staff route and on nothing else; stage and domain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from edgesync_cdk.api import ACCESS_LOG_FIELDS

from cloud_plane.api.surface import NODE_ROUTES, STAFF_API_PREFIXES
from tests.cdk.conftest import Deployment, Synthesized


def _routes(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """Route key -> the route's properties."""
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in deployment.resources("AWS::ApiGatewayV2::Route").values()
    }


def _staff_keys() -> set[str]:
    return {f"ANY {p}" for p in STAFF_API_PREFIXES} | {
        f"ANY {p}/{{proxy+}}" for p in STAFF_API_PREFIXES
    }


def _node_keys() -> set[str]:
    return {f"{method} {path}" for method, path in NODE_ROUTES}


def test_routes_are_exactly_staff_node_and_default(default: Deployment) -> None:
    assert set(_routes(default)) == _staff_keys() | _node_keys() | {"$default"}


def test_every_staff_route_has_the_jwt_authorizer(default: Deployment) -> None:
    (authorizer_id,) = default.resources("AWS::ApiGatewayV2::Authorizer")
    for key in _staff_keys():
        route = _routes(default)[key]
        assert route["AuthorizationType"] == "JWT", key
        assert route["AuthorizerId"] == {"Ref": authorizer_id}, key


@pytest.mark.parametrize("key", sorted(_node_keys() | {"$default"}))
def test_node_routes_and_default_have_no_authorizer(default: Deployment, key: str) -> None:
    route = _routes(default)[key]
    assert route.get("AuthorizationType", "NONE") == "NONE"
    assert "AuthorizerId" not in route


def test_authorizer_trusts_the_pool_for_the_app_client(default: Deployment) -> None:
    (authorizer,) = default.resources("AWS::ApiGatewayV2::Authorizer").values()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    issuer = json.dumps(props["JwtConfiguration"]["Issuer"])
    assert "https://cognito-idp." in issuer
    assert "ExportsOutputRefStaff" in issuer  # the pool id, from the Data stack
    (audience,) = props["JwtConfiguration"]["Audience"]
    assert "StaffDashboard" in json.dumps(audience)  # the app client id


def test_every_route_goes_to_the_api_function_with_payload_2(default: Deployment) -> None:
    (integration_id, integration) = next(
        iter(default.resources("AWS::ApiGatewayV2::Integration").items())
    )
    assert len(default.resources("AWS::ApiGatewayV2::Integration")) == 1
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    assert "ApiFunction" in json.dumps(integration["Properties"]["IntegrationUri"])
    for key, route in _routes(default).items():
        assert route["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}, (
            key
        )


def _stage(deployment: Deployment) -> dict[str, Any]:
    (stage,) = deployment.resources("AWS::ApiGatewayV2::Stage").values()
    return stage["Properties"]


def test_default_stage_is_throttled_by_config(default: Deployment) -> None:
    stage = _stage(default)
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == default.config.throttle_rate
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == default.config.throttle_burst


def test_access_logs_are_json_with_the_request_essentials(default: Deployment) -> None:
    settings = _stage(default)["AccessLogSettings"]
    fields = json.loads(settings["Format"])
    assert fields == ACCESS_LOG_FIELDS
    for name in ("requestId", "ip", "routeKey", "status", "latency"):
        assert name in fields
    logs = settings["DestinationArn"]["Fn::GetAtt"][0]
    assert default.control_json["Resources"][logs]["Type"] == "AWS::Logs::LogGroup"


def test_without_a_domain_the_public_url_is_the_api_endpoint(default: Deployment) -> None:
    default.control_template.resource_count_is("AWS::ApiGatewayV2::DomainName", 0)
    (api_id,) = default.resources("AWS::ApiGatewayV2::Api")
    url = default.control_json["Outputs"]["PublicUrl"]["Value"]
    assert url == {"Fn::GetAtt": [api_id, "ApiEndpoint"]}


def test_with_a_domain_the_stage_is_mapped_and_the_url_is_the_domain(synth: Synthesized) -> None:
    custom = synth.custom
    (domain_id, domain) = next(iter(custom.resources("AWS::ApiGatewayV2::DomainName").items()))
    assert domain["Properties"]["DomainName"] == custom.config.domain_name
    config = domain["Properties"]["DomainNameConfigurations"][0]
    assert config["CertificateArn"] == custom.config.certificate_arn
    assert config["SecurityPolicy"] == "TLS_1_2"
    (mapping,) = custom.resources("AWS::ApiGatewayV2::ApiMapping").values()
    assert mapping["Properties"]["DomainName"] == {"Ref": domain_id}
    outputs = custom.control_json["Outputs"]
    assert outputs["PublicUrl"]["Value"] == f"https://{custom.config.domain_name}"
    target = outputs["ApiDomainTarget"]["Value"]  # where the operator points the DNS name
    assert target == {"Fn::GetAtt": [domain_id, "RegionalDomainName"]}


def test_with_a_domain_the_execute_api_endpoint_is_off(synth: Synthesized) -> None:
    (api,) = synth.custom.resources("AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["DisableExecuteApiEndpoint"] is True
    (plain,) = synth.default.resources("AWS::ApiGatewayV2::Api").values()
    assert plain["Properties"].get("DisableExecuteApiEndpoint", False) is False


def test_api_function_times_out_before_the_gateway(default: Deployment) -> None:
    fn = default.function("api")[1]["Properties"]
    assert fn["Timeout"] < 30  # the HTTP API's integration limit
    assert fn["MemorySize"] == default.config.api_memory_mb


def test_only_this_api_may_invoke_the_api_function_by_one_permission(default: Deployment) -> None:
    (api_id,) = default.resources("AWS::ApiGatewayV2::Api")
    grants = [
        p["Properties"]
        for p in default.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    (grant,) = grants  # one for all routes, not one per route (the policy has a size limit)
    assert grant["FunctionName"] == {"Fn::GetAtt": [default.function("api")[0], "Arn"]}
    assert {"Ref": api_id} in grant["SourceArn"]["Fn::Join"][1]
