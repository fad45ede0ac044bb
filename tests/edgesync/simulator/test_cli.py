"""The `simulate` command's interface: options, variables, refusals."""

from __future__ import annotations

from click.testing import CliRunner

from edgesync.simulator.cli import simulate


def test_help_lists_every_option_with_its_environment_variable() -> None:
    result = CliRunner().invoke(simulate, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for option, variable in [
        ("--node", "EDGESYNC_CAMERA_NODE"),
        ("--key", "EDGESYNC_CAMERA_KEY"),
        ("--keys-file", "EDGESYNC_CAMERA_KEYS_FILE"),
        ("--cameras", "EDGESYNC_CAMERA_CAMERAS"),
        ("--rate", "EDGESYNC_CAMERA_RATE"),
        ("--image-size", "EDGESYNC_CAMERA_IMAGE_SIZE"),
        ("--ack-log", "EDGESYNC_CAMERA_ACK_LOG"),
        ("--max-rate", "EDGESYNC_CAMERA_MAX_RATE"),
    ]:
        assert option in result.output and variable in result.output


def test_simulate_is_a_command_not_a_group() -> None:
    assert simulate.name == "simulate"
    assert not hasattr(simulate, "commands")


def test_missing_key_is_a_usage_error() -> None:
    result = CliRunner().invoke(simulate, ["--node", "http://127.0.0.1:9"], env={})
    assert result.exit_code == 2
    assert "--key" in result.output


def test_a_share_outside_0_to_1_is_refused() -> None:
    result = CliRunner().invoke(
        simulate, ["--node", "http://x", "--key", "k", "--hotlist-share", "2"]
    )
    assert result.exit_code == 2
    assert "between 0 and 1" in result.output


def test_unknown_plate_format_is_refused() -> None:
    result = CliRunner().invoke(
        simulate, ["--node", "http://x", "--key", "k", "--plate-formats", "uk,xx"]
    )
    assert result.exit_code == 2
