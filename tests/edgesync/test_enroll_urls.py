"""`edgesync node enroll` tells a wrong URL from a refused code, against a real cloud and node.

A wrong URL (the node's own address, a path under the cloud, nothing listening) must not be
reported as a refused code: that advice makes the admin create a duplicate site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner

from cloud_plane.sync.enroll import create_site_with_code
from edgesync.cli import main
from local_node.cli.options import open_database
from local_node.config import NodeSettings
from local_node.main import create_app
from local_node.sync.keys import key_path
from tests.cloud_plane.conftest import (  # noqa: F401 - fixtures used by name
    RunningCloud,
    cloud_factory,
    node_keys,
    staff_key_pem,
)
from tests.conftest import free_port, serving


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The cloud's own SQLite file (the node under test keeps its own in its data dir)."""
    return f"sqlite:///{tmp_path / 'cloud.db'}"


@pytest.fixture
def cloud(cloud_factory: Callable[..., RunningCloud]) -> RunningCloud:  # noqa: F811
    return cloud_factory()


@pytest.fixture
def code(cloud: RunningCloud) -> str:
    _, code = create_site_with_code(cloud.store, "Depot", now=datetime.now(UTC), ttl_s=3600)
    return code


@pytest.fixture
def node_url(tmp_path: Path) -> Iterator[str]:
    """A real `node serve` (another node): the URL someone might mistake for the cloud's."""
    settings = NodeSettings(data_dir=tmp_path / "served-node", min_free_bytes=0)
    open_database(settings).dispose()
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, run_jobs=False), host="127.0.0.1", port=port, log_level="warning"
    )
    with serving(config):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "enrolling-node"


def enroll(data_dir: Path, url: str, code: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["node", "enroll", "--cloud", url, "--code", code, *extra],
        env={"EDGESYNC_NODE_DATA_DIR": str(data_dir)},
    )
    return result.exit_code, result.stderr


def test_a_refused_code_says_so_and_asks_for_a_new_code_for_the_same_site(cloud, code, data_dir):
    assert enroll(data_dir, cloud.url, code)[0] == 0
    status, err = enroll(data_dir, cloud.url, code, "--force")  # enrolled: only --force tries
    assert status != 0
    assert "refused the enrolment code" in err and "already used" in err
    assert "sites new-code" in err and "second site" in err


def test_the_nodes_own_url_is_no_cloud_and_the_code_stays_usable(cloud, code, node_url, data_dir):
    status, err = enroll(data_dir, node_url, code)
    assert status != 0
    assert f"no edgesync cloud at {node_url}" in err and "the code was not used" in err
    assert "refused the enrolment code" not in err and "create-site" not in err
    assert not key_path(data_dir).exists()
    assert enroll(data_dir, cloud.url, code)[0] == 0


def test_a_path_under_the_cloud_is_no_cloud(cloud, code, data_dir):
    status, err = enroll(data_dir, cloud.url + "/staff", code)
    assert status != 0
    assert "no edgesync cloud at" in err and "404" in err and "a path under the cloud" in err
    assert "refused the enrolment code" not in err


def test_nothing_listening_is_not_reached_and_the_code_stays_unused(data_dir):
    url = f"http://127.0.0.1:{free_port()}"
    status, err = enroll(data_dir, url, "CODE-123456")
    assert status != 0
    assert f"cannot reach the cloud at {url}" in err and "the code was not used" in err
    assert "refused the enrolment code" not in err
