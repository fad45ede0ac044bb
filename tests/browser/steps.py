"""Steps a person takes in a dashboard, for the browser tests (Playwright's sync API)."""

from __future__ import annotations

from typing import Any


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Open the app's sign-in form, fill it by its labels, submit, and wait until signed in."""
    from playwright.sync_api import expect  # only browser tests import this module

    page.goto(f"{base_url.rstrip('/')}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill_field(page: Any, label: str, value: str) -> None:
    """Type into the field labelled ``label``, or pick ``value`` if the field is a list."""
    field = page.get_by_label(label, exact=True)
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)
