"""`bench.ingest --image-store file,s3,s3-serial`: one run measures each image store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.ingest import stores

REPO = Path(__file__).resolve().parents[2]
QUICK = [sys.executable, "-m", "bench.ingest", "--quick", "--image-sync", "none"]


def test_each_store_is_a_ratio_to_the_folder_store_and_concurrent_to_serial_uploads() -> None:
    runs = {
        "file": {"ok_per_s": 800.0},
        "s3": {"ok_per_s": 400.0},
        "s3-serial": {"ok_per_s": 100.0},
    }
    result = stores.compare(["file", "s3", "s3-serial"], lambda s: runs[s])
    assert result["ratios"] == {
        "store_s3_file_ratio": 0.5,
        "store_s3_serial_file_ratio": 0.125,
        "store_s3_s3_serial_ratio": 4.0,
    }


def test_an_unknown_store_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown image store\(s\) \['disk'\]"):
        stores.parse_stores("file,disk")


def test_the_serial_store_is_the_same_bucket_with_one_upload_at_a_time() -> None:
    s3 = stores.node_settings("s3", "http://127.0.0.1:1", "b")
    serial = stores.node_settings("s3-serial", "http://127.0.0.1:1", "b")
    assert serial == {**s3, "EDGESYNC_NODE_IMAGE_PUT_CONCURRENCY": "1"}
    assert s3["EDGESYNC_NODE_IMAGE_STORE"] == "s3://b/images"
    assert s3["AWS_ACCESS_KEY_ID"] == "bench"  # never the environment's own credentials
    assert stores.node_settings("file", None, None) == {}


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_benchmark_measures_every_image_store_in_the_same_run(tmp_path: Path) -> None:
    out = tmp_path / "ingest.json"
    done = subprocess.run(
        [*QUICK, "--duration", "2", "--image-store", "file,s3,s3-serial", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    runs = report["image_stores"]["runs"]
    assert set(runs) == {"file", "s3", "s3-serial"}
    for store, run in runs.items():
        assert run["ok"] > 0 and run["rows_match"], f"{store}: {run}"
        assert run["images_stored"] == run["rows_in_db"], f"{store}: an image per row"
    assert runs["s3"]["moto_cpu_cores"] > 0
    assert report["figures"]["store_s3_file_ratio"] > 0
    assert report["figures"]["store_s3_s3_serial_ratio"] > 0
    assert "s3-serial" in done.stdout and "x" in done.stdout
