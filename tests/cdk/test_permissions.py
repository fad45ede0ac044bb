"""IAM: no wildcard action anywhere; each function holds only the calls its code makes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from edgesync_cdk.permissions import (
    AUDIT_DENIED_ACTIONS,
    IMAGE_BUCKET_ACTIONS,
    IMAGE_FORGET_ACTIONS,
    IMAGE_OBJECT_ACTIONS,
    TABLE_ACTIONS,
    USER_ADMIN_ACTIONS,
)

from cloud_plane.aws.requirements import ROLES
from tests.cdk.conftest import Deployment, Synthesized

REPO = Path(__file__).resolve().parents[2]


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every IAM policy statement of ``template`` (policies, roles, resource policies)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Statement" in node and isinstance(node["Statement"], list):
                found.extend(node["Statement"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template["Resources"])
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def test_no_statement_allows_a_wildcard_action(synth: Synthesized) -> None:
    for deployment in synth.deployments:
        for template in (deployment.data_json, deployment.control_json):
            for statement in _statements(template):
                if statement["Effect"] != "Allow":
                    continue  # the SSL-only Deny statements name "sqs:*" / "sns:*" on purpose
                for action in _actions(statement):
                    assert action != "*" and not action.endswith(":*"), statement
                    assert "*" not in action, statement


def _role_statements(deployment: Deployment, role: str) -> list[dict[str, Any]]:
    """The statements of the execution role of the ``role`` function."""
    fn_role = deployment.function(role)[1]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in deployment.resources("AWS::IAM::Policy").values()
        if {"Ref": fn_role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions_of(deployment: Deployment, role: str) -> set[str]:
    return {a for s in _role_statements(deployment, role) for a in _actions(s)}


def _grants(deployment: Deployment, role: str, action: str) -> list[dict[str, Any]]:
    return [s for s in _role_statements(deployment, role) if action in _actions(s)]


@pytest.mark.parametrize("role", ROLES)
def test_no_function_may_update_or_delete_audit_entries(default: Deployment, role: str) -> None:
    denied = [s for s in _role_statements(default, role) if s["Effect"] == "Deny"]
    (statement,) = [s for s in denied if "dynamodb:UpdateItem" in _actions(s)]
    assert sorted(_actions(statement)) == sorted(AUDIT_DENIED_ACTIONS)
    leading = statement["Condition"]["ForAnyValue:StringEquals"]["dynamodb:LeadingKeys"]
    assert leading in (["AUDIT"], "AUDIT")


@pytest.mark.parametrize("role", ROLES)
def test_table_statement_lists_explicit_item_actions_on_table_and_indexes(
    default: Deployment, role: str
) -> None:
    (statement,) = _grants(default, role, "dynamodb:Query")
    assert sorted(_actions(statement)) == sorted(TABLE_ACTIONS)
    resources = json.dumps(statement["Resource"])
    assert "ExportsOutputFnGetAttTable" in resources
    assert "/index/*" in resources


def test_table_actions_are_the_calls_the_store_makes() -> None:
    source = (REPO / "cloud_plane/store/dynamo/table.py").read_text()
    calls = set(re.findall(r"self\.client\.(\w+)\(", source))
    expected = {"".join(p.title() for p in c.split("_")) for c in calls} - {"TransactWriteItems"}
    # TransactWriteItems is authorised per action inside it (ConditionCheck, Put, Update, Delete).
    expected |= {"ConditionCheckItem"} if "transact_write_items" in calls else set()
    assert {a.removeprefix("dynamodb:") for a in TABLE_ACTIONS} == expected


def test_user_admin_actions_are_the_calls_the_cognito_client_makes() -> None:
    source = (REPO / "cloud_plane/auth/cognito.py").read_text()
    calls = set(re.findall(r'_call\(\s*"(\w+)"', source))
    calls |= set(re.findall(r"self\.idp\.(\w+)\(", source))
    calls -= {"initiate_auth", "revoke_token"}  # a public client's calls: no IAM permission
    expected = {"cognito-idp:" + "".join(p.title() for p in c.split("_")) for c in calls}
    assert set(USER_ADMIN_ACTIONS) == expected


def test_only_the_api_administers_users_on_its_pool(default: Deployment) -> None:
    (statement,) = _grants(default, "api", "cognito-idp:AdminCreateUser")
    assert sorted(_actions(statement)) == sorted(USER_ADMIN_ACTIONS)
    assert "ExportsOutputFnGetAttStaff" in json.dumps(statement["Resource"])
    for role in ("delivery", "monitor"):
        assert not any(a.startswith("cognito-idp:") for a in _actions_of(default, role))


@pytest.mark.parametrize("role", ROLES)
def test_every_function_reads_the_master_secret_only(default: Deployment, role: str) -> None:
    (statement,) = _grants(default, role, "secretsmanager:GetSecretValue")
    assert _actions(statement) == ["secretsmanager:GetSecretValue"]
    assert "ExportsOutputRefMasterSecret" in json.dumps(statement["Resource"])


@pytest.mark.parametrize("role", ROLES)
def test_every_function_may_send_delivery_messages(default: Deployment, role: str) -> None:
    queue_id = next(
        k
        for k, q in default.resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" in q["Properties"]
    )
    (statement,) = _grants(default, role, "sqs:SendMessage")
    assert statement["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_only_the_api_reads_the_dead_letter_depth(default: Deployment) -> None:
    dlq_id = next(
        k
        for k, q in default.resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" not in q["Properties"]
    )
    (statement,) = _grants(default, "api", "sqs:GetQueueAttributes")
    assert statement["Resource"] == {"Fn::GetAtt": [dlq_id, "Arn"]}


def test_only_delivery_sends_email_and_only_from_the_sender(default: Deployment) -> None:
    (statement,) = _grants(default, "delivery", "ses:SendEmail")
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "AlertSender"}}}
    for role in ("api", "monitor"):
        assert "ses:SendEmail" not in _actions_of(default, role)
        assert "sns:Publish" not in _actions_of(default, role)


def test_only_delivery_publishes_sms(default: Deployment) -> None:
    (statement,) = _grants(default, "delivery", "sns:Publish")
    assert _actions(statement) == ["sns:Publish"]


@pytest.mark.parametrize("role", ROLES)
def test_functions_write_only_their_own_log_group(default: Deployment, role: str) -> None:
    (statement,) = _grants(default, role, "logs:PutLogEvents")
    log_group = default.function(role)[1]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert statement["Resource"] == {"Fn::GetAtt": [log_group, "Arn"]}
    roles = default.resources("AWS::IAM::Role")
    fn_role = default.function(role)[1]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert "ManagedPolicyArns" not in roles[fn_role]["Properties"]


def _s3_statements(deployment: Deployment, role: str) -> list[dict[str, Any]]:
    return [
        s
        for s in _role_statements(deployment, role)
        if any(a.startswith("s3:") for a in _actions(s))
    ]


def _bucket_arn(deployment: Deployment) -> dict[str, Any]:
    (bucket_id,) = deployment.resources("AWS::S3::Bucket", stack="data")
    export = f"{deployment.data.stack_name}:ExportsOutputFnGetAtt{bucket_id}Arn"
    return next(
        {"Fn::ImportValue": name}
        for name in re.findall(r'"Fn::ImportValue": "([^"]+)"', json.dumps(deployment.control_json))
        if name.startswith(export)
    )


def test_the_api_uploads_reads_and_deletes_only_the_images_buckets_objects(
    default: Deployment,
) -> None:
    (objects,) = [s for s in _s3_statements(default, "api") if "s3:GetObject" in _actions(s)]
    assert sorted(_actions(objects)) == sorted(IMAGE_OBJECT_ACTIONS)
    assert objects["Resource"] == {"Fn::Join": ["", [_bucket_arn(default), "/*"]]}


def test_the_api_lists_only_the_images_bucket(default: Deployment) -> None:
    (listing,) = [s for s in _s3_statements(default, "api") if "s3:ListBucket" in _actions(s)]
    assert sorted(_actions(listing)) == sorted(IMAGE_BUCKET_ACTIONS)
    assert listing["Resource"] == _bucket_arn(default)


def test_the_monitor_only_deletes_the_images_buckets_objects(default: Deployment) -> None:
    (statement,) = _s3_statements(default, "monitor")
    assert sorted(_actions(statement)) == sorted(IMAGE_FORGET_ACTIONS)
    assert statement["Resource"] == {"Fn::Join": ["", [_bucket_arn(default), "/*"]]}


def test_the_delivery_function_has_no_s3_access(default: Deployment) -> None:
    assert _s3_statements(default, "delivery") == []


def test_image_actions_cover_the_calls_the_blob_store_makes() -> None:
    source = (REPO / "cloud_plane/images/blobs.py").read_text()
    calls = set(re.findall(r"self\._s3\.(\w+)\(", source))
    # A presigned PUT is authorised as PutObject of the role that signed it.
    calls |= set(re.findall(r'generate_presigned_url\(\s*"(\w+)"', source))
    calls -= {"generate_presigned_url"}  # signed locally: no request to S3
    expected = {"s3:" + "".join(p.title() for p in c.split("_")) for c in calls}
    assert set(IMAGE_OBJECT_ACTIONS) == expected
    assert set(IMAGE_FORGET_ACTIONS) <= expected
