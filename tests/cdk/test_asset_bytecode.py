"""``asset_bytecode``: which interpreter may compile the asset, and reproducible ``.pyc``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from edgesync_cdk.asset_bytecode import compile_asset, find_interpreter

THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_the_running_interpreter_compiles_for_its_own_version() -> None:
    assert find_interpreter(THIS_PYTHON) == sys.executable


def test_no_interpreter_is_found_for_a_version_not_installed() -> None:
    assert find_interpreter("2.1") is None


def test_without_an_interpreter_nothing_is_compiled(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("x = 1\n")
    assert compile_asset(tmp_path, "2.1") is False
    assert not list(tmp_path.rglob("*.pyc"))


def test_two_compilations_of_the_same_source_are_byte_identical(tmp_path: Path) -> None:
    pycs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "handler.py").write_text("def handler(event, context):\n    return 1\n")
        assert compile_asset(tmp_path / name, THIS_PYTHON)
        (pyc,) = (tmp_path / name).rglob("*.pyc")
        pycs.append(pyc.read_bytes())
    assert pycs[0] == pycs[1]


def test_a_module_that_does_not_compile_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def (:\n")
    with pytest.raises(RuntimeError, match=r"broken\.py"):
        compile_asset(tmp_path, THIS_PYTHON)
