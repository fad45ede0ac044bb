"""Signing in as a browser does, without a browser: read the form, post it back with its token.

The sign-in page of both dashboards is a form with fields labelled "Username" and
"Password" and a hidden CSRF token (``sync_protocol.web_security.CSRF_FIELD``). Fields are
found by their labels, as a person (or Playwright's ``get_by_label``) finds them, so this
does not depend on the apps' field names. Used by the page benchmark and the e2e tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from sync_protocol.web_security import CSRF_FIELD


@dataclass
class Form:
    """One <form>: where it posts, its inputs by name, and the label text of each id."""

    action: str = ""
    method: str = "get"
    inputs: dict[str, str] = field(default_factory=dict)  # name -> value
    ids: dict[str, str] = field(default_factory=dict)  # element id -> name
    labels: dict[str, str] = field(default_factory=dict)  # label text -> element id
    choices: dict[str, list[str]] = field(default_factory=dict)  # name -> option/radio values

    def name_for(self, label: str) -> str:
        """The input name of the field labelled ``label``; KeyError if there is none."""
        return self.ids[self.labels[label]]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._select: str | None = None
        self.labels: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and self._form is not None and "name" in a:
            name = a["name"]
            checkable = a.get("type") in ("radio", "checkbox")
            if not checkable or "checked" in a:
                self._form.inputs.setdefault(name, a.get("value", ""))
            if checkable:
                self._form.choices.setdefault(name, []).append(a.get("value", "on"))
            if "id" in a:
                self._form.ids[a["id"]] = name
            self._select = name if tag == "select" else None
        elif tag == "option" and self._form is not None and self._select is not None:
            self._form.choices.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a:
                self._form.inputs[self._select] = a.get("value", "")
        elif tag == "label":
            self._label_for, self._label_text = a.get("for"), []

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._label_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_for is not None:
            self.labels[" ".join("".join(self._label_text).split())] = self._label_for
            self._label_for = None
        elif tag == "form":
            self._form = None


def parse_forms(html: str) -> list[Form]:
    """Every form of a page, with the page's labels attached to each."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.labels = {text: fid for text, fid in parser.labels.items() if fid in form.ids}
    return parser.forms


def form_with(html: str, label: str) -> Form:
    """The page's first form with a field labelled ``label``; ValueError if none has."""
    for form in parse_forms(html):
        if label in form.labels:
            return form
    raise ValueError(f"no form with a field labelled {label!r} on the page")


def choice_field(form: Form, value: str) -> str | None:
    """The name of the form's list or radio group that offers ``value`` (any case), if any."""
    for name, values in form.choices.items():
        if value.lower() in (v.lower() for v in values):
            return name
    return None


def poll_urls(html: str) -> list[str]:
    """The live fragments a page polls (``data-poll="URL"``, see web_assets/edgesync.js)."""
    return [unescape(url) for url in re.findall(r'data-poll="([^"]+)"', html)]


def sign_in_form(html: str) -> Form:
    """The page's form that has a field labelled "Password"; ValueError if none has."""
    return form_with(html, "Password")


def sign_in(client: httpx.Client, username: str, password: str, path: str = "/sign-in") -> str:
    """Sign ``client`` in (its cookie jar keeps the session); return the page it lands on.

    Raise ValueError with the page's status when the credentials are refused.
    """
    page = client.get(path)
    page.raise_for_status()
    form = sign_in_form(page.text)
    data = dict(form.inputs)
    if not data.get(CSRF_FIELD):
        raise ValueError("the sign-in form carries no CSRF token")
    data[form.name_for("Username")] = username
    data[form.name_for("Password")] = password
    target = urljoin(str(page.url), form.action or str(page.url))
    answer = client.post(target, data=data, follow_redirects=False)
    if answer.status_code not in (302, 303):
        raise ValueError(f"sign-in refused for {username!r}: HTTP {answer.status_code}")
    return urljoin(target, answer.headers["location"])
