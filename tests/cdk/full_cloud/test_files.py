"""EFS, the node's data dir: encrypted, backed up, mounted through one access point."""

from __future__ import annotations

from tests.cdk.full_cloud.conftest import Site


def test_file_system_is_encrypted_and_backed_up(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::EFS::FileSystem", {"Encrypted": True, "BackupPolicy": {"Status": "ENABLED"}}
    )


def test_access_point_is_the_image_s_user(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::EFS::AccessPoint",
        {
            "PosixUser": {"Uid": "10001", "Gid": "10001"},
            "RootDirectory": {
                "Path": "/edgesync",
                "CreationInfo": {"OwnerUid": "10001", "OwnerGid": "10001", "Permissions": "700"},
            },
        },
    )


def test_mount_targets_are_in_the_isolated_subnets(site: Site) -> None:
    targets = site.resources("AWS::EFS::MountTarget").values()
    assert len(targets) == 2
    assert all(t["Properties"]["SubnetId"]["Ref"].startswith("Vpcisolated") for t in targets)


def test_tasks_mount_it_encrypted_through_the_access_point_with_iam(site: Site) -> None:
    access_point = site.logical_id("DataFilesDataAccessPoint", "AWS::EFS::AccessPoint")
    for task in site.resources("AWS::ECS::TaskDefinition").values():
        (volume,) = task["Properties"]["Volumes"]
        efs = volume["EFSVolumeConfiguration"]
        assert efs["TransitEncryption"] == "ENABLED"
        assert efs["AuthorizationConfig"] == {
            "AccessPointId": {"Ref": access_point},
            "IAM": "ENABLED",
        }
        (container,) = task["Properties"]["ContainerDefinitions"]
        assert container["MountPoints"] == [
            {"ContainerPath": "/data", "ReadOnly": False, "SourceVolume": volume["Name"]}
        ]
