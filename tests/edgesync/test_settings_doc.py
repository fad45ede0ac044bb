"""docs/settings.md is generated from the settings models and is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from cloud_plane.config import CloudSettings
from edgesync.settings_doc import render
from local_node.config import NodeSettings
from sync_protocol.grouped_settings import flat_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "settings.md"


def _row(variable: str) -> list[str]:
    """The cells of a variable's row in the generated reference."""
    for line in render().splitlines():
        if line.startswith(f"| `{variable}` |"):
            return [cell.strip() for cell in line.strip("|").split(" | ")]
    raise AssertionError(f"{variable} is not in the reference")


def test_checked_in_reference_is_what_the_models_generate():
    assert DOC.read_text() == render(), "docs/settings.md is stale: run `make docs`"


def test_the_command_prints_the_reference():
    out = subprocess.run(
        [sys.executable, "-m", "edgesync.settings_doc"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert out.stdout == render()


def test_every_node_and_cloud_variable_is_listed_once():
    listed = re.findall(r"^\| `(EDGESYNC_(?:NODE|CLOUD)_[A-Z0-9_]+)` \|", render(), re.M)
    expected = [f"EDGESYNC_NODE_{n.upper()}" for n in flat_settings(NodeSettings)] + [
        f"EDGESYNC_CLOUD_{n.upper()}" for n in flat_settings(CloudSettings)
    ]
    assert sorted(listed) == sorted(expected)


def test_every_listed_setting_has_a_description():
    rows = re.findall(r"^\| `EDGESYNC_(?:NODE|CLOUD)_.*\| ([^|]*) \|$", render(), re.M)
    assert rows and all(description.strip() for description in rows)


def test_row_gives_type_bounds_and_default():
    _, kind, default, *_ = _row("EDGESYNC_NODE_PORT")
    assert (kind, default) == ("integer, 1–65535", "8080")


def test_secret_settings_are_marked_secret():
    assert _row("EDGESYNC_CLOUD_SMTP_PASSWORD")[3] == "**secret**"
    assert _row("EDGESYNC_CLOUD_SMTP_HOST")[3] == ""


def test_flag_column_names_the_flag_that_reads_the_variable():
    assert _row("EDGESYNC_NODE_PORT")[4] == "`--port` (`node serve`)"
    assert _row("EDGESYNC_CLOUD_HOST")[4] == "`--host` (`cloud serve`)"
    assert _row("EDGESYNC_NODE_MAX_PENDING")[4] == ""


def test_group_headings_name_each_group():
    headings = re.findall(r"^### `(\w+)`", render(), re.M)
    assert headings == [
        "ingest",
        "retention",
        "sync",
        "mqtt",
        "fallback",
        "web",
        "backup",
        "alerts",
        "smtp",
        "health",
        "images",
    ]


def test_readme_links_the_reference():
    assert "(docs/settings.md)" in (ROOT / "README.md").read_text()
