"""The page benchmark reads forms as a person does: by their labels, with the CSRF token."""

from __future__ import annotations

import pytest

from bench.pages.forms import choice_field, form_with, poll_urls, sign_in_form

SIGN_IN = """
<form method="post" action="/sign-in?next=%2F">
  <input type="hidden" name="csrf_token" value="tok">
  <label for="f-user">Username</label><input id="f-user" name="user">
  <label for="f-pw">Password</label><input id="f-pw" name="pw" type="password">
  <button>Sign in</button>
</form>"""

SEARCH = """
<form class="signout" method="post" action="/sign-out"><button>Sign out</button></form>
<form method="get" action="/search">
  <label for="f-plate">Plate</label><input id="f-plate" name="q">
  <fieldset><legend>Match</legend>
    <input type="radio" name="m" value="exact" checked> <input type="radio" name="m" value="prefix">
    <input type="radio" name="m" value="fuzzy">
  </fieldset>
  <label for="f-site">Site</label>
  <select id="f-site" name="site"><option value="">All</option><option value="a">A</option></select>
</form>
<section data-poll="/fragments/live?after=1&amp;site=a" data-interval="5"></section>"""


def test_the_sign_in_fields_are_found_by_their_labels():
    form = sign_in_form(SIGN_IN)
    assert (form.name_for("Username"), form.name_for("Password")) == ("user", "pw")
    assert form.inputs["csrf_token"] == "tok" and form.action == "/sign-in?next=%2F"


def test_a_page_without_a_password_field_has_no_sign_in_form():
    with pytest.raises(ValueError, match="Password"):
        sign_in_form(SEARCH)


def test_the_search_mode_is_the_group_that_offers_fuzzy():
    form = form_with(SEARCH, "Plate")
    assert choice_field(form, "Fuzzy") == "m"
    assert form.inputs == {"q": "", "m": "exact", "site": ""}


def test_live_fragment_urls_are_unescaped():
    assert poll_urls(SEARCH) == ["/fragments/live?after=1&site=a"]
