"""The MQTT flags of `edgesync node serve` and their environment variables."""

from __future__ import annotations

import click
import pytest

from local_node.cli.serve import _mqtt_settings
from local_node.config import NodeSettings


def flags(**given: object) -> dict:
    options = {
        "mqtt_url": None,
        "mqtt_cameras": (),
        "mqtt_default_camera": None,
        "mqtt_topic_prefix": None,
    }
    return _mqtt_settings(**{**options, **given})


def test_repeated_camera_flags_become_the_mapping():
    overrides = flags(
        mqtt_url="mqtt://broker:1883",
        mqtt_cameras=("driveway_cam=driveway", " gate_lpr = gate 1 "),
    )

    settings = NodeSettings(**{k: v for k, v in overrides.items() if v is not None})

    assert settings.mqtt.url == "mqtt://broker:1883"
    assert settings.mqtt.cameras == {"driveway_cam": "driveway", "gate_lpr": "gate 1"}
    assert settings.mqtt.topic_prefix == "frigate" and settings.mqtt.default_camera is None


def test_mapping_comes_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("EDGESYNC_NODE_MQTT_URL", "mqtt://broker")
    monkeypatch.setenv("EDGESYNC_NODE_MQTT_CAMERAS", '{"driveway_cam": "driveway"}')
    monkeypatch.setenv("EDGESYNC_NODE_MQTT_DEFAULT_CAMERA", "gate")
    monkeypatch.setenv("EDGESYNC_NODE_MQTT_TOPIC_PREFIX", "site-a/frigate")

    settings = NodeSettings()

    assert settings.mqtt.cameras == {"driveway_cam": "driveway"}
    assert (settings.mqtt.default_camera, settings.mqtt.topic_prefix) == (
        "gate",
        "site-a/frigate",
    )
    assert flags()["mqtt_cameras"] is None  # no flag: the environment's mapping stands


@pytest.mark.parametrize("pair", ["driveway", "=driveway", "driveway_cam="])
def test_camera_flag_without_both_names_is_refused(pair):
    with pytest.raises(click.BadParameter, match="FRIGATE_NAME=NODE_CAMERA"):
        flags(mqtt_cameras=(pair,))


def test_broker_url_of_another_scheme_is_refused():
    with pytest.raises(click.BadParameter, match="mqtt://"):
        flags(mqtt_url="http://broker:1883")


def test_openalpr_frames_are_off_unless_asked(monkeypatch):
    assert NodeSettings().ingest.openalpr_store_frames is False
    monkeypatch.setenv("EDGESYNC_NODE_OPENALPR_STORE_FRAMES", "true")
    assert NodeSettings().ingest.openalpr_store_frames is True
