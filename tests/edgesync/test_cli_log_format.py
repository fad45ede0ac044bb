"""`edgesync --log-format json` (or EDGESYNC_LOG_FORMAT=json) makes every process log JSON."""

from __future__ import annotations

import logging
import os

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from sync_protocol.log_format import JsonFormatter, TextFormatter


@pytest.fixture
def run(monkeypatch):
    """Invoke `edgesync` with a root logger that has no handlers (as in a fresh process)."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.delenv("EDGESYNC_LOG_FORMAT", raising=False)
    monkeypatch.delenv("EDGESYNC_LOG_LEVEL", raising=False)

    def invoke(*args: str, env: dict[str, str] | None = None) -> logging.Formatter | None:
        monkeypatch.setattr(root, "handlers", [])  # pytest's capture handlers come back after
        result = CliRunner().invoke(main, [*args, "camera", "--help"], env=env)
        assert result.exit_code == 0, result.output
        return root.handlers[0].formatter

    return invoke


def test_log_format_json_installs_the_json_formatter(run):
    assert isinstance(run("--log-format", "json"), JsonFormatter)


def test_the_environment_variable_chooses_the_format(run):
    assert isinstance(run(env={"EDGESYNC_LOG_FORMAT": "json"}), JsonFormatter)


def test_text_is_the_default(run):
    assert isinstance(run(), TextFormatter)


def test_processes_started_from_here_inherit_the_format(run):
    run("--log-format", "json")
    assert os.environ["EDGESYNC_LOG_FORMAT"] == "json"


def test_an_unknown_format_is_refused_naming_the_choices():
    result = CliRunner().invoke(main, ["--log-format", "xml", "camera", "--help"])
    assert result.exit_code == 2 and "'text', 'json'" in result.output
