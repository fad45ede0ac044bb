"""`edgesync node enroll`: keys made on the node (0600), the site stored, clear errors."""

from __future__ import annotations

import functools
import json
import stat

import httpx
import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node.db.engine import make_engine
from local_node.sync import client as client_module
from local_node.sync.keys import key_path
from tests.conftest import free_port
from tests.local_node.sync.fake_cloud import FakeCloud


@pytest.fixture
def env(tmp_path, monkeypatch, cloud: FakeCloud) -> dict[str, str]:
    real = client_module.SyncClient
    monkeypatch.setattr(
        client_module, "SyncClient", functools.partial(real, transport=cloud.transport())
    )
    return {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")}


def enroll(env, code="CODE-123456", cloud="http://cloud.test", *extra):
    result = CliRunner().invoke(
        main, ["node", "enroll", "--cloud", cloud, "--code", code, *extra], env=env
    )
    return result.exit_code, result.stdout, result.stderr


def test_enroll_json_prints_exactly_the_site_id(env):
    code, out, _ = enroll(env, "CODE-123456", "http://cloud.test", "--json")
    assert code == 0 and json.loads(out) == {"site_id": "site-1"}


def test_the_private_key_is_made_on_the_node_with_mode_0600(env, tmp_path, cloud):
    _, out, err = enroll(env)
    path = key_path(tmp_path / "node")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in path.read_text() and "PRIVATE KEY" not in out + err
    [(site, key_id)] = cloud.keys
    engine = make_engine(f"sqlite:///{tmp_path / 'node' / 'node.db'}")
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT site_id, key_id, cloud_url, cloud_epoch FROM sync_state"
        ).one()
    engine.dispose()
    assert tuple(row) == (site, key_id, "http://cloud.test", "epoch-1")


def test_a_used_code_is_refused_with_a_clear_message(env):
    enroll(env)
    code, _, err = enroll(env, "CODE-123456", "http://cloud.test", "--force")
    assert code != 0 and "refused the enrolment code" in err and "new code" in err


def test_enrolling_an_enrolled_node_needs_force_and_says_what_happens(env):
    enroll(env)
    code, _, err = enroll(env, "CODE-OTHER", "http://cloud.test")
    assert code != 0 and "already enrolled in site site-1" in err and "--force" in err
    assert "old site keeps the data" in err


def test_an_unreachable_cloud_is_named(tmp_path):
    env = {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")}
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = enroll(env, "CODE-123456", url)
    assert code != 0 and f"cannot reach the cloud at {url}" in err
    assert not key_path(tmp_path / "node").exists()


def mock_enroll(tmp_path, monkeypatch, response: httpx.Response) -> tuple[int, str]:
    real = client_module.SyncClient
    transport = httpx.MockTransport(lambda _request: response)
    monkeypatch.setattr(client_module, "SyncClient", functools.partial(real, transport=transport))
    return enroll({"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")})[::2]


def test_a_403_web_page_is_no_cloud_not_a_refused_code(tmp_path, monkeypatch):
    page = httpx.Response(403, html="<html><body>Forbidden by proxy</body></html>")
    code, err = mock_enroll(tmp_path, monkeypatch, page)
    assert code != 0 and "no edgesync cloud at" in err and "403" in err
    assert "refused the enrolment code" not in err


def test_a_redirect_names_where_it_leads(tmp_path, monkeypatch):
    moved = httpx.Response(301, headers={"location": "https://cloud.test/sync/v1/enroll"})
    code, err = mock_enroll(tmp_path, monkeypatch, moved)
    assert code != 0 and "redirected to https://cloud.test/sync/v1/enroll" in err


def test_a_success_that_is_no_sync_reply_is_no_cloud(tmp_path, monkeypatch):
    code, err = mock_enroll(tmp_path, monkeypatch, httpx.Response(200, html="<html>hi</html>"))
    assert code != 0 and "no edgesync cloud at" in err and "not a sync reply" in err
    assert not key_path(tmp_path / "node").exists()


def test_force_moves_an_enrolled_node_to_the_new_site(env, cloud):
    cloud.codes["CODE-OTHER"] = "site-2"
    enroll(env)
    code, out, _ = enroll(env, "CODE-OTHER", "http://cloud.test", "--force", "--json")
    assert code == 0 and json.loads(out) == {"site_id": "site-2"}


def test_enrolment_reports_the_timezone_setting(env, cloud):
    enroll({**env, "EDGESYNC_NODE_TIMEZONE": "Asia/Tokyo", "TZ": "Europe/Berlin"})
    assert [r.timezone for r in cloud.enrolments] == ["Asia/Tokyo"]


def test_enrolment_reports_the_hosts_zone_without_the_setting(env, cloud):
    enroll({**env, "TZ": "America/New_York"})
    assert [r.timezone for r in cloud.enrolments] == ["America/New_York"]


def test_an_unknown_timezone_setting_is_refused_naming_it(env, cloud):
    code, _, err = enroll({**env, "EDGESYNC_NODE_TIMEZONE": "Europe/Berlln"})
    assert code != 0 and "Europe/Berlln" in err
    assert cloud.enrolments == []
