"""A real headless Chromium (Debian's package) driven by Playwright, for the dashboards.

Every test here is marked ``browser`` and ``slow`` (run with ``make test-slow`` or
``pytest -m browser``). Without Chromium or Playwright the tests skip with the reason;
`.ci/run` installs Chromium. A failing test leaves a screenshot and the page's HTML in
``test-artifacts/browser/`` (or ``$EDGESYNC_TEST_ARTIFACTS``), named after the test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("EDGESYNC_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(os.environ.get("EDGESYNC_TEST_ARTIFACTS", "test-artifacts")) / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium for the session."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """What a page did that a test may assert on: dialogs, script errors, CSP reports."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def new_page(chromium, request: pytest.FixtureRequest, watch: Watch):
    """A factory of pages, each in its own browser context (its own cookies).

    Dialogs (``alert()``) are recorded and dismissed; uncaught script errors and console
    errors are recorded. On failure each page's screenshot and HTML are kept.
    """
    contexts = []

    def make(**context_args):
        context = chromium.new_context(**context_args)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)

        def on_dialog(dialog) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: watch.console.append(msg.text) if msg.type == "error" else None,
        )
        return page

    yield make
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                base = ARTIFACTS / f"{stem}-{n}-{m}"
                try:
                    page.screenshot(path=str(base.with_suffix(".png")), full_page=True)
                    base.with_suffix(".html").write_text(page.content())
                except Exception as exc:  # a crashed page must not hide the test's failure
                    base.with_suffix(".txt").write_text(f"no screenshot: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One page in a fresh context."""
    return new_page()
