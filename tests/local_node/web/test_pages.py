"""The pages people read: Live, a read, thumbnails, Search, Sync (HTTP level, real node)."""

from __future__ import annotations

import io

from PIL import Image

from local_node.hotlist import service
from local_node.ingest.models import DetectionIn
from local_node.web import thumbs
from tests.local_node.web.conftest import post_read

HOSTILE = "<img src=x onerror=alert(1)>"


def test_live_lists_the_newest_reads_with_thumbnails(node, client_for):
    read_id = post_read(node, "AB123CD")
    html = client_for("viewer").get("/").text
    assert "AB123CD" in html and f'src="/reads/{read_id}/thumb"' in html
    assert 'data-poll="/fragments/live"' in html


def test_the_live_fragment_shows_a_read_posted_after_the_page(node, client_for):
    client = client_for("viewer")
    client.get("/")
    post_read(node, "NEW1")
    fragment = client.get("/fragments/live")
    assert fragment.status_code == 200 and "NEW1" in fragment.text
    assert "<html" not in fragment.text


def test_a_hit_is_marked_with_a_hit_badge_and_the_list_name(node, client_for):
    service.put_entry(
        node.services.engine,
        list_name="stolen",
        plate="HOT1",
        reason=None,
        priority=50,
        expires_at=None,
        by="test",
        now=node.clock(),
    )
    post_read(node, "HOT1")
    html = client_for("viewer").get("/fragments/live").text
    assert '<span class="status status-hit">hit</span> <span class="hit-list">stolen</span>' in html


def test_a_read_shows_every_field_escaped_and_its_image(node, client_for):
    read_id = post_read(node, HOSTILE, vehicle_make="<script>alert(2)</script>", region="r&d")
    html = client_for("viewer").get(f"/reads/{read_id}").text
    assert HOSTILE not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "r&amp;d" in html
    assert f'<img class="full" src="/reads/{read_id}/image" alt="Image of the read">' in html


def test_a_missing_read_is_a_404_page(node, client_for):
    r = client_for("viewer").get("/reads/no-such-read")
    assert r.status_code == 404 and "no such read" in r.text


def test_the_full_image_is_the_stored_jpeg(node, client_for):
    read_id = post_read(node, "IMG1")
    r = client_for("viewer").get(f"/reads/{read_id}/image")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (640, 480)


def test_images_need_a_session(node, client_for):
    read_id = post_read(node, "IMG1")
    r = client_for(None).get(f"/reads/{read_id}/image")
    assert r.status_code == 401 and r.headers["x-sign-in"].startswith("/sign-in?next=")


def test_a_thumbnail_is_a_small_jpeg(node, client_for):
    read_id = post_read(node, "IMG1")
    r = client_for("viewer").get(f"/reads/{read_id}/thumb")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    width, height = Image.open(io.BytesIO(r.content)).size
    assert width <= thumbs.SIZE[0] and height <= thumbs.SIZE[1]


def test_a_thumbnail_is_decoded_once(node, client_for, monkeypatch):
    read_id = post_read(node, "IMG1")
    client = client_for("viewer")
    made = []
    real = thumbs.make_thumbnail
    monkeypatch.setattr(
        "local_node.web.reads.make_thumbnail", lambda data: made.append(1) or real(data)
    )
    for _ in range(3):
        assert client.get(f"/reads/{read_id}/thumb").status_code == 200
    assert made == [1]


def test_the_thumbnail_cache_keeps_at_most_its_bound():
    cache = thumbs.ThumbnailCache(max_items=2)
    for key in "abc":
        cache.get(key, lambda: b"x")
    assert len(cache) == 2


def test_search_finds_a_read_by_exact_plate_and_links_to_it(node, client_for):
    read_id = post_read(node, "AB123CD")
    post_read(node, "ZZ999")
    html = client_for("viewer").get("/search", params={"plate": "ab 123 cd"}).text
    assert f'href="/reads/{read_id}"' in html and "ZZ999" not in html


def test_search_by_prefix(node, client_for):
    post_read(node, "AB123CD")
    html = client_for("viewer").get("/search", params={"plate": "AB1", "mode": "prefix"}).text
    assert "AB123CD" in html


def test_search_fuzzy_finds_an_ocr_confusion(node, client_for):
    post_read(node, "AB123CD")
    html = client_for("viewer").get("/search", params={"plate": "A8123CD", "mode": "fuzzy"}).text
    assert "AB123CD" in html


def test_search_pages_with_a_next_link(node, client_for, monkeypatch):
    monkeypatch.setattr("local_node.web.search_page.PAGE_SIZE", 2)
    for n in range(3):
        post_read(node, f"PG{n}")
    client = client_for("viewer")
    first = client.get("/search", params={"plate": "PG", "mode": "prefix"}).text
    assert "PG2" in first and "PG1" in first and "PG0" not in first
    next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(next_url.replace("&amp;", "&")).text
    assert "PG0" in second and "PG2" not in second


def test_search_with_a_bad_time_says_what_was_wrong(node, client_for):
    r = client_for("viewer").get("/search", params={"plate": "AB1", "from": "yesterday"})
    assert r.status_code == 400 and "From: not a date and time" in r.text


def test_search_form_has_the_plate_label(node, client_for):
    html = client_for("viewer").get("/search").text
    assert '<label for="f-plate">Plate</label>' in html
    assert '<button type="submit">Search</button>' in html


def test_the_sync_page_works_with_no_cloud(node, client_for):
    post_read(node, "AB1")
    html = client_for("viewer").get("/sync").text
    assert "not enrolled" in html and "none configured" in html
    assert "Retention" in html and "Free" in html


def test_the_nav_names_the_pages(node, client_for):
    html = client_for("viewer").get("/").text
    for label, href in [("Live", "/"), ("Search", "/search"), ("Hotlist", "/hotlist")]:
        assert f'href="{href}"' in html and f">{label}</a>" in html
    assert ">Cameras</a>" in html and ">Sync</a>" in html


def test_pages_carry_the_content_security_policy(node, client_for):
    r = client_for("viewer").get("/")
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["server-timing"].startswith("app;dur=")


def test_a_corrected_read_lists_its_earlier_readings_escaped(node, client_for):
    def reading(plate: str, confidence: float) -> str:
        detection = DetectionIn(
            plate=plate, captured_at=node.clock(), event_id="frigate:9", confidence=confidence
        )
        return (
            node.services.writer.submit(
                camera_id=node.camera_id,
                detection=detection,
                image=None,
                image_kind=None,
                refinable=True,
            )
            .result(10)
            .id
        )

    read_id = reading("<b>AB12</b>", 0.4)
    reading("AB12CDE", 0.9)
    html = client_for("viewer").get(f"/reads/{read_id}").text
    assert "Earlier readings" in html and "&lt;b&gt;AB12&lt;/b&gt;" in html
    assert "<b>AB12</b>" not in html and "<dt>Revision</dt><dd>2</dd>" in html
