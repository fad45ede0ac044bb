"""The app: two stacks named by the prefix, the control plane depending on the data."""

from __future__ import annotations

from tests.cdk.conftest import Synthesized


def test_stacks_are_named_by_the_prefix(synth: Synthesized) -> None:
    names = {s.stack_name for d in synth.deployments for s in (d.data, d.control)}
    assert names == {"EdgesyncData", "EdgesyncControlPlane", "CustomData", "CustomControlPlane"}


def test_control_plane_depends_on_data(synth: Synthesized) -> None:
    for deployment in synth.deployments:
        assert deployment.data in deployment.control.dependencies


def test_control_plane_holds_no_stateful_resource(synth: Synthesized) -> None:
    # Deleting the ControlPlane stack must never take data with it.
    for deployment in synth.deployments:
        kinds = {r["Type"] for r in deployment.control_json["Resources"].values()}
        assert not kinds & {
            "AWS::DynamoDB::Table",
            "AWS::SecretsManager::Secret",
            "AWS::Cognito::UserPool",
            "AWS::S3::Bucket",
        }


def test_every_data_resource_is_retained(synth: Synthesized) -> None:
    for deployment in synth.deployments:
        for logical, resource in deployment.data_json["Resources"].items():
            if resource["Type"] in {
                "AWS::CDK::Metadata",
                "AWS::Cognito::UserPoolClient",
                "AWS::Cognito::UserPoolGroup",
            }:
                continue  # remade from the pool at no loss: no data of their own
            assert resource.get("DeletionPolicy") == "Retain", logical


def test_control_plane_outputs_what_operators_need(synth: Synthesized) -> None:
    outputs = synth.default.control_json["Outputs"]
    assert {"PublicUrl", "DeliveryQueueUrl", "DeliveryDeadLetterQueueUrl", "AlarmTopicArn"} <= set(
        outputs
    )


def test_per_deploy_values_are_parameters(synth: Synthesized) -> None:
    parameters = synth.default.control_json["Parameters"]
    assert {"AlertSender", "SmsMonthlySpendLimit"} <= set(parameters)
    assert "Default" not in parameters["AlertSender"]  # no sensible default: must be given
