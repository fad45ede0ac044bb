"""`edgesync node backup list`: the recorded runs, newest first, with their outcome."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from edgesync.cli import main


def node(data_dir: Path, *args: str):
    return CliRunner().invoke(main, ["node", *args, "--data-dir", str(data_dir)])


def test_list_shows_a_failed_run_with_its_error_above_the_earlier_good_one(tmp_path: Path):
    data = tmp_path / "node"
    assert node(data, "backup", "--to", str(tmp_path / "nas")).exit_code == 0
    (tmp_path / "blocker").write_text("not a folder")
    failed = node(data, "backup", "--to", str(tmp_path / "blocker" / "nas"))
    assert failed.exit_code != 0 and "backup failed" in failed.output
    lines = node(data, "backup", "list").output.splitlines()
    assert len(lines) == 2
    assert " failed " in lines[0] and "cannot write" in lines[0]
    assert " ok " in lines[1] and lines[1].endswith("verified")


def test_list_says_when_there_are_no_backups(tmp_path: Path):
    assert node(tmp_path / "node", "backup", "list").output == "no backups yet\n"
