"""The images bucket: private, TLS only, S3-managed keys, logged, a lifecycle backstop;
versioning and object lock as options."""

from __future__ import annotations

from typing import Any

from tests.cdk.full_cloud.conftest import Site


def _images(site: Site) -> tuple[str, dict[str, Any]]:
    logical = site.logical_id("Images", "AWS::S3::Bucket")
    return logical, site.resources("AWS::S3::Bucket")[logical]["Properties"]


def test_every_bucket_blocks_public_access_and_is_encrypted(site: Site) -> None:
    for bucket in site.resources("AWS::S3::Bucket").values():
        props = bucket["Properties"]
        assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
        assert len(props["PublicAccessBlockConfiguration"]) == 4
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_every_bucket_refuses_requests_without_tls(site: Site) -> None:
    buckets = set(site.resources("AWS::S3::Bucket"))
    denied = set()
    for policy in site.resources("AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                assert (statement["Effect"], statement["Action"]) == ("Deny", "s3:*")
                denied.add(policy["Properties"]["Bucket"]["Ref"])
    assert denied == buckets


def test_lifecycle_aborts_uploads_and_expires_orphans_a_week_past_the_hit_keep(
    site: Site,
) -> None:
    _, props = _images(site)
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1
    }
    orphans = rules["ExpireOrphanImages"]
    assert (orphans["Prefix"], orphans["ExpirationInDays"]) == ("images/", 365 + 7)
    assert {r["Status"] for r in rules.values()} == {"Enabled"}


def test_images_are_unversioned_and_unlocked_by_default(site: Site) -> None:
    _, props = _images(site)
    assert "VersioningConfiguration" not in props
    assert "ObjectLockEnabled" not in props


def test_versioning_expires_noncurrent_versions_after_a_week(options_site: Site) -> None:
    _, props = _images(options_site)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}


def test_object_lock_holds_each_image_in_governance_mode(options_site: Site) -> None:
    _, props = _images(options_site)
    assert props["ObjectLockEnabled"] is True
    retention = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention == {"Mode": "GOVERNANCE", "Days": 30}


def test_images_bucket_access_is_logged_to_the_logs_bucket(site: Site) -> None:
    _, props = _images(site)
    logs = site.logical_id("AccessLogs", "AWS::S3::Bucket")
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs}
