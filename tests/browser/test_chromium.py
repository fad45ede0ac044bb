"""The browser harness itself: Chromium starts, and the watcher sees what a page does."""

from __future__ import annotations


def test_a_dialog_is_recorded(page, watch) -> None:
    page.set_content("<script>alert('hello')</script><h1>x</h1>")
    assert watch.dialogs == ["hello"]


def test_an_uncaught_script_error_is_recorded(page, watch) -> None:
    page.set_content("<script>throw new Error('boom')</script>")
    assert any("boom" in e for e in watch.errors)
