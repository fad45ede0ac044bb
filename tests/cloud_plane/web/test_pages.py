"""The dashboard's pages over a real cloud: overview, sites, search and CSV, alerts, admin."""

from __future__ import annotations

import csv
import io

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import signed_in
from tests.cloud_plane.web.helpers import beat, hit_alert


def test_the_overview_lists_each_site_worst_first(cloud: RunningCloud, browser) -> None:
    quiet = cloud.node("Alpha")  # never sent a heartbeat
    busy = cloud.node("Bravo")
    busy.exchange(heartbeat=beat(cloud), batch=busy.records(1, 4))
    cloud.clock.advance(seconds=cloud.settings.health.offline_after_s + 1)
    late = cloud.node("Charlie")
    late.exchange(heartbeat=beat(cloud))
    html = signed_in(browser, cloud).get("/").text
    rows = [html.index(f'data-site="{n.site_id}"') for n in (busy, quiet, late)]
    assert rows == sorted(rows), "offline (Bravo), never seen (Alpha), online (Charlie)"
    assert "status-offline" in html and "<td>4</td>" in html  # Bravo's reads today


def test_the_overview_fragment_is_the_site_table(cloud: RunningCloud, browser) -> None:
    node = cloud.node("North")
    r = signed_in(browser, cloud).get("/fragments/overview")
    assert r.status_code == 200 and "<html" not in r.text
    assert f'data-site="{node.site_id}"' in r.text


def test_the_overview_draws_reads_and_alerts_charts(cloud: RunningCloud, browser) -> None:
    node = cloud.node("North")
    node.exchange(batch=node.records(1, 2))
    html = signed_in(browser, cloud).get("/").text
    assert "Reads per hour per site, last 24 hours (UTC)" in html
    assert "Alerts per day, last 14 days (UTC)" in html
    assert "North, " in html  # the line's points are titled by site


def test_a_site_shows_its_cameras_with_clock_offset_and_recent_reads(cloud, browser) -> None:
    node = cloud.node("North")
    node.exchange(heartbeat=beat(cloud, offset=-2.25), batch=node.records(1, 2, plate="AB12CDE"))
    html = signed_in(browser, cloud).get(f"/sites/{node.site_id}").text
    assert "north gate" in html and "-2.2 s" in html
    assert "AB12CDE" in html and "Reads per hour at North" in html


def test_an_unknown_site_is_a_404_page(cloud: RunningCloud, browser) -> None:
    r = signed_in(browser, cloud).get("/sites/site_nope")
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text


def test_search_finds_a_read_with_site_camera_and_confidence(cloud, browser) -> None:
    node = cloud.node("North")
    node.exchange(heartbeat=beat(cloud), batch=node.records(1, 1, plate="AB12CDE"))
    node.exchange(batch=node.records(2, 1, plate="ZZ99ZZZ"))
    html = signed_in(browser, cloud).get("/search", params={"plate": "ab12 cde"}).text
    assert "AB12CDE" in html and "ZZ99ZZZ" not in html
    assert "North" in html and "north gate" in html and "90%" in html


def test_search_by_prefix_and_the_next_page_link(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 60, plate="AB12CDE"))
    tab = signed_in(browser, cloud)
    html = tab.get("/search", params={"plate": "AB1", "mode": "prefix"}).text
    assert html.count('class="plate">AB12CDE') == 50
    assert 'rel="next"' in html


def test_search_marks_a_read_that_was_a_hit(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    hit_alert(cloud, node, "HOT123")
    html = signed_in(browser, cloud).get("/search", params={"plate": "HOT123"}).text
    assert '<span class="status status-hit">yes</span>' in html


def test_search_with_a_bad_time_says_what_was_wrong(cloud: RunningCloud, browser) -> None:
    r = signed_in(browser, cloud).get("/search", params={"plate": "A", "since": "yesterday"})
    assert r.status_code == 422 and "From: not a date and time" in r.text


def test_the_csv_export_streams_every_page_with_a_header(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 1500, plate="AB12CDE"))
    r = signed_in(browser, cloud).get("/search.csv", params={"plate": "AB12CDE"})
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["plate", "plate_norm", "site_id"] and len(rows) == 1501


def test_csv_cells_a_spreadsheet_would_run_are_defused(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    node.exchange(heartbeat=beat(cloud, name='=HYPERLINK("http://x")'), batch=node.records(1, 1))
    text = signed_in(browser, cloud).get("/search.csv").text
    assert "'=HYPERLINK" in text


def test_an_alert_is_acknowledged_and_says_by_whom(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    alert_id = hit_alert(cloud, node)
    tab = signed_in(browser, cloud, "manager", [node.site_id])
    assert '<button type="submit">Acknowledge</button>' in tab.get(f"/alerts/{alert_id}").text
    r = tab.post(f"/alerts/{alert_id}/ack")
    assert r.status_code == 303
    html = tab.get(r.headers["location"]).text
    assert "Acknowledged by manager-" in html


def test_a_viewer_cannot_acknowledge(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    alert_id = hit_alert(cloud, node)
    tab = signed_in(browser, cloud, "viewer", [node.site_id])
    tab.get(f"/alerts/{alert_id}")
    assert tab.post(f"/alerts/{alert_id}/ack").status_code == 403
    assert cloud.store.alerts.get_alert(alert_id).acked_by is None


def test_the_alert_ledger_names_recipient_channel_and_result(cloud: RunningCloud, browser) -> None:
    from cloud_plane.records.recipients import StoredRecipient, Subscription

    now = cloud.clock()
    cloud.store.recipients.put_recipient(
        StoredRecipient("ops", "Night desk", now, now, email="desk@example.com")
    )
    cloud.store.recipients.put_subscription(Subscription("s1", "ops", ("email",), now))
    node = cloud.node()
    alert_id = hit_alert(cloud, node)
    tab = signed_in(browser, cloud)
    from tests.e2e.harness import wait_for

    html = wait_for(
        lambda: (t := tab.get(f"/alerts/{alert_id}").text) and "status-sent" in t and t,
        what="the email delivery in the ledger",
    )
    assert "Night desk" in html and "<td>email</td>" in html


def test_the_alerts_feed_fragment_lists_new_alerts(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    tab = signed_in(browser, cloud)
    assert "No alerts." in tab.get("/fragments/alerts").text
    alert_id = hit_alert(cloud, node)
    assert f'data-alert="{alert_id}"' in tab.get("/fragments/alerts?status=open").text


def test_admin_pages_are_403_for_a_manager(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud, "manager", [cloud.new_site()[0]])
    html = tab.get("/").text
    assert ">Recipients<" not in html and ">Users<" not in html
    assert tab.get("/recipients").status_code == 403
    assert tab.get("/users").status_code == 403


def test_creating_a_user_shows_their_password_once(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    tab.get("/users")
    r = tab.post("/users", {"username": "new@example.com", "role": "admin"})
    assert r.status_code == 200 and 'class="password"' in r.text
    assert cloud.store.users.get_user("new@example.com").role == "admin"
    assert 'class="password"' not in tab.get("/users").text


def test_disabling_a_user_from_the_users_page(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    cloud.store.users.create_user("x@example.com", None, "admin", [], now=cloud.clock())
    tab.get("/users")
    assert tab.post("/users/x@example.com/disable").status_code == 303
    assert cloud.store.users.get_user("x@example.com").disabled


def test_a_recipient_and_a_subscription_are_added(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    tab.get("/recipients")
    r = tab.post("/recipients", {"name": "Desk", "email": "desk@example.com"})
    assert r.status_code == 303
    rid = r.headers["location"].split("/")[2].split("?")[0]
    tab.get(f"/recipients/{rid}")
    r = tab.post(f"/recipients/{rid}/subscriptions", {"channels": ["email"], "kinds": ["hit"]})
    assert r.status_code == 303
    (sub,) = cloud.store.recipients.list_subscriptions(rid)
    assert sub.channels == ("email",) and sub.kinds == frozenset({"hit"})


def test_a_recipient_with_a_bad_phone_is_refused_with_the_reason(cloud, browser) -> None:
    tab = signed_in(browser, cloud)
    tab.get("/recipients")
    r = tab.post("/recipients", {"name": "Desk", "phone": "12"})
    assert r.status_code == 422 and 'class="error"' in r.text
    assert cloud.store.recipients.list_recipients() == []
