"""The S3 image store against a moto server (real HTTP): uploads, checksums, reads, deletes."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_node.config import NodeSettings
from local_node.errors import ImageStoreUnavailable
from local_node.images.choose import open_image_store
from local_node.images.s3_store import S3ImageStore, S3Location, s3_client
from tests.local_node.conftest import make_jpeg

NOW = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)


@pytest.fixture
def store(s3_bucket: str, moto_s3_endpoint: str) -> Iterator[S3ImageStore]:
    made = S3ImageStore(S3Location(s3_bucket, "site/images"), s3_client(moto_s3_endpoint))
    yield made
    made.close()


def write(store: S3ImageStore, data: bytes, name: str = "a", camera: str = "cam") -> str:
    stored, _ = store.write(
        detection_id=name, camera_id=camera, received_at=NOW, data=data, kind="jpeg"
    )
    return stored.path


def keys(store: S3ImageStore) -> list[str]:
    pages = store._client.get_paginator("list_objects_v2").paginate(Bucket=store.location.bucket)
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []))


def test_an_image_is_put_under_the_prefix_in_the_hour_and_camera_folder(store):
    path = write(store, make_jpeg())
    store.make_durable(set())
    assert path == "2026/12/06/10/cam/a.jpg"
    assert keys(store) == ["site/images/2026/12/06/10/cam/a.jpg"]


def test_an_image_reads_back_byte_for_byte_with_its_content_type(store):
    data = make_jpeg(320, 240)
    path = write(store, data)
    store.make_durable(set())
    assert store.read(path) == data
    head = store._client.head_object(Bucket=store.location.bucket, Key=store.location.key(path))
    assert head["ContentType"] == "image/jpeg"


def test_a_missing_image_reads_as_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.read("2026/12/06/10/cam/none.jpg")


def test_each_put_carries_the_md5_and_sha256_of_its_bytes(store):
    # moto does not verify either digest (S3 does, refusing a mismatch with BadDigest):
    # what can be shown here is that the request asks S3 to check the exact bytes sent.
    sent: list[Any] = []
    store._client.meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: sent.append(request)
    )
    data = make_jpeg()
    write(store, data)
    store.make_durable(set())
    (request,) = sent
    assert (
        request.headers["Content-MD5"].decode()
        == base64.b64encode(hashlib.md5(data).digest()).decode()
    )
    assert (
        request.headers["x-amz-checksum-sha256"].decode()
        == base64.b64encode(hashlib.sha256(data).digest()).decode()
    )


def test_the_uploads_of_one_commit_run_at_the_same_time(store):
    # Four PUTs that each wait for the other three: they only finish if all four are under way
    # together (a store that uploads one by one breaks the barrier after its timeout).
    barrier = threading.Barrier(4, timeout=10)
    put = store._client.put_object

    def waiting_put(**kwargs: Any) -> Any:
        barrier.wait()
        return put(**kwargs)

    store._client.put_object = waiting_put
    for i in range(4):
        write(store, make_jpeg(), name=f"r{i}")
    store.make_durable(set())
    assert len(keys(store)) == 4


def test_make_durable_raises_unavailable_naming_the_failure_when_a_put_is_refused(
    moto_s3_endpoint, aws_credentials
):
    missing = S3ImageStore(S3Location("no-such-bucket-here", "x"), s3_client(moto_s3_endpoint))
    write(missing, make_jpeg())
    with pytest.raises(ImageStoreUnavailable, match=r"1 of 1 image uploads.*NoSuchBucket"):
        missing.make_durable(set())
    missing.close()


def test_delete_many_removes_in_batches_of_a_thousand(store):
    paths = [f"2026/12/06/10/cam/{i}.jpg" for i in range(2500)]
    for path in paths:  # many small objects straight into the bucket, faster than write()
        store._client.put_object(
            Bucket=store.location.bucket, Key=store.location.key(path), Body=b"x"
        )
    calls: list[int] = []
    store._client.meta.events.register(
        "provide-client-params.s3.DeleteObjects",
        lambda params, **_: calls.append(len(params["Delete"]["Objects"])),
    )
    store.delete_many(paths)
    assert calls == [1000, 1000, 500]
    assert keys(store) == []


def test_deleting_an_image_already_gone_is_not_an_error(store):
    store.delete_many(["2026/12/06/10/cam/gone.jpg"])
    assert keys(store) == []


def test_recent_files_leaves_out_objects_younger_than_the_grace(store):
    write(store, make_jpeg())
    store.make_durable(set())
    assert store.recent_files(NOW) == []  # just written: may be another task's commit
    store.orphan_grace = timedelta(0)
    assert store.recent_files(NOW) == ["2026/12/06/10/cam/a.jpg"]


def test_recent_files_looks_only_at_the_recent_hour_folders(store):
    store.orphan_grace = timedelta(0)
    write(store, make_jpeg())
    store.make_durable(set())
    assert store.recent_files(NOW + timedelta(hours=3)) == []
    assert store.recent_files(NOW + timedelta(hours=2)) == ["2026/12/06/10/cam/a.jpg"]


def test_a_bucket_has_no_volume_and_no_partial_uploads(store):
    assert store.disk_usage() is None and store.on_volume is False
    assert store.sweep_temporaries(NOW) == 0


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://bucket/x", "not an s3:// URL"),
        ("s3:///prefix", "no bucket name"),
        ("s3://bucket/a/../b", "'..'"),
    ],
)
def test_a_bad_store_url_is_refused_naming_the_problem(url, problem):
    with pytest.raises(ValueError, match=problem):
        S3Location.parse(url)


def test_the_prefix_is_optional_and_keeps_no_slashes():
    assert S3Location.parse("s3://bucket") == S3Location("bucket", "")
    assert S3Location.parse("s3://bucket/a/b/").key("x.jpg") == "a/b/x.jpg"


def test_opening_a_missing_bucket_fails_at_start_naming_it(
    tmp_path, moto_s3_endpoint, aws_credentials
):
    settings = NodeSettings(
        data_dir=tmp_path,
        image_store="s3://absent-bucket-name/images",
        image_store_endpoint_url=moto_s3_endpoint,
    )
    with pytest.raises(ImageStoreUnavailable, match="'absent-bucket-name' cannot be used"):
        open_image_store(settings)


def test_a_folder_is_still_the_default_store(tmp_path):
    store = open_image_store(NodeSettings(data_dir=tmp_path))
    assert store.on_volume and store.fs_type != "s3"
    store.close()


def test_the_client_keeps_a_connection_for_every_concurrent_upload(moto_s3_endpoint):
    client = s3_client(moto_s3_endpoint, put_concurrency=32)
    assert client.meta.config.max_pool_connections >= 32


def test_the_start_check_lists_inside_the_prefix_only(store):
    # A task role may list only under its prefix (cdk full_cloud/images.py): a HeadBucket
    # (a prefix-less ListBucket to IAM) would be refused on AWS, though moto allows it.
    calls: list[tuple[str, str | None]] = []
    store._client.meta.events.register(
        "provide-client-params.s3.*",
        lambda params, model, **_: calls.append((model.name, params.get("Prefix"))),
    )
    store.check_access()
    assert calls == [("ListObjectsV2", "site/images/")]
