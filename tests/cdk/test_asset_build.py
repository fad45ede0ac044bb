"""``build_asset``: the Lambda asset, built by pip for Lambda's platform, imports and runs
the three handlers with nothing but its own contents and the standard library.

The build tests are ``slow``: they run pip against the package index (once per module, plus
once more to check the build is reproducible). They build for Python 3.12, Lambda's
runtime, when a 3.12 interpreter exists here to run the asset with; otherwise for the
running interpreter's version, which still proves the packaging but not the runtime match.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from edgesync_cdk import asset_build
from edgesync_cdk.asset_build import (
    LAMBDA_DISTRIBUTIONS,
    LAMBDA_PLATFORMS,
    LAMBDA_SIZE_LIMIT,
    AssetBuildError,
    AssetReport,
    build_asset,
    lambda_requirements,
)
from edgesync_cdk.asset_bytecode import find_interpreter
from edgesync_cdk.functions import ARCHITECTURE, HANDLERS, RUNTIME_PYTHON
from moto.server import ThreadedMotoServer

from cloud_plane.aws.dev_setup import DevNames, provision
from tests.cloud_plane.aws.conftest import http_event, scheduled_event
from tests.conftest import free_port

PROBE = Path(__file__).with_name("asset_probe.py")
REGION = "eu-west-2"
SENDER = "alerts@edgesync.example.com"
# Distributions only the local node or self-hosting use (asset_build's "Left out" list).
NODE_ONLY = ("pillow", "paho-mqtt", "uvicorn", "psycopg", "apscheduler", "sqlite-utils", "click")


# --- fast: the requirement list and the build's preconditions ---


def test_the_lambda_requirements_carry_the_project_s_version_specifiers() -> None:
    requirements = lambda_requirements()
    assert "pyjwt[crypto]>=2.9" in requirements
    assert "boto3>=1.35" in requirements
    assert len(requirements) == len(LAMBDA_DISTRIBUTIONS)


def test_a_lambda_distribution_the_project_does_not_declare_is_refused() -> None:
    with pytest.raises(AssetBuildError, match=r"not a dependency .*: left-pad"):
        lambda_requirements(names=["fastapi", "left-pad"])


def test_no_node_only_distribution_is_asked_for() -> None:
    assert not set(NODE_ONLY) & set(LAMBDA_DISTRIBUTIONS)


def test_the_asset_is_built_for_the_functions_runtime_and_architecture() -> None:
    assert asset_build.LAMBDA_PYTHON == RUNTIME_PYTHON
    assert all(tag.endswith("_x86_64") for tag in LAMBDA_PLATFORMS)
    assert ARCHITECTURE.name == "x86_64"


def test_a_folder_with_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stale.py").write_text("")
    with pytest.raises(AssetBuildError, match="is not empty"):
        build_asset(tmp_path)


# --- slow: the real asset ---


@dataclass(frozen=True)
class Built:
    """The asset, and the interpreter to run it with."""

    report: AssetReport
    python: str
    python_version: str

    @property
    def root(self) -> Path:
        return self.report.out_dir


def runtime_interpreter() -> tuple[str, str]:
    """A Python 3.12 to run the asset with (Lambda's), else this interpreter."""
    found = find_interpreter(RUNTIME_PYTHON)
    if found:
        return found, RUNTIME_PYTHON
    return sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    python, version = runtime_interpreter()
    report = build_asset(tmp_path_factory.mktemp("asset") / "lambda", python_version=version)
    return Built(report, python, version)


@pytest.fixture(scope="module")
def aws_world() -> Iterator[dict[str, str]]:
    """A moto server with what the stacks create, and the env a deployed function gets:
    keys derived from a Secrets Manager secret, as the stack gives them."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }

    def client(service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    try:
        settings = provision(client, region=REGION, sender=SENDER, names=DevNames("asset"))
        settings.pop("EDGESYNC_CLOUD_SECRET_KEY")
        secret = client("secretsmanager").create_secret(
            Name="asset/master", SecretString=json.dumps({"master": "m" * 64})
        )
        yield {
            **aws,
            **settings,
            "EDGESYNC_CLOUD_SECRETS_ARN": secret["ARN"],
            "EDGESYNC_CLOUD_PUBLIC_URL": "https://abc123.execute-api.eu-west-2.amazonaws.com",
        }
    finally:
        server.stop()


# The calls the probe makes inside the asset, by name: (role, event).
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "health": ("api", http_event("GET", "/healthz")),
    "sign-in page": ("api", http_event("GET", "/sign-in")),
    "stylesheet": ("api", http_event("GET", "/static/edgesync.css")),
    "api docs": ("api", http_event("GET", "/docs")),
    "empty batch": ("delivery", {"Records": []}),
    "monitor run": ("monitor", scheduled_event()),
}


@dataclass(frozen=True)
class Probe:
    """What ``asset_probe.py`` saw inside the asset."""

    sys_path: list[str]
    outside: list[str]  # modules imported from neither the asset nor the standard library
    replies: dict[str, Any]  # by CALLS name


@pytest.fixture(scope="module")
def probe(
    built: Built, aws_world: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Probe:
    """Run every handler inside the asset, isolated from this machine's site-packages."""
    calls = [{"role": role, "event": event} for role, event in CALLS.values()]
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmp_path_factory.mktemp("tmp")), **aws_world}
    done = subprocess.run(
        # -I: no PYTHON* variables, no user site, no script folder; -S: no site-packages;
        # -B: no .pyc written into the asset (Lambda's /var/task is read-only too).
        [built.python, "-I", "-S", "-B", str(PROBE), str(built.root), json.dumps(HANDLERS)],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    return Probe(seen["sys_path"], seen["outside"], dict(zip(CALLS, seen["replies"], strict=True)))


def body_text(reply: dict[str, Any]) -> str:
    raw = reply["body"]
    return base64.b64decode(raw).decode() if reply.get("isBase64Encoded") else raw


def tree_digest(root: Path) -> str:
    """One hash of every file's relative path and bytes (what CDK's OUTPUT hash reads)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_only_the_asset_and_the_standard_library_are_on_sys_path(
    built: Built, probe: Probe
) -> None:
    base = subprocess.run(
        [built.python, "-I", "-S", "-c", "import sys; print(sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert probe.sys_path[0] == str(built.root)
    assert all(entry.startswith(base + os.sep) for entry in probe.sys_path[1:]), probe.sys_path


@pytest.mark.slow
def test_the_handlers_import_nothing_from_outside_the_asset(probe: Probe) -> None:
    assert probe.outside == []


@pytest.mark.slow
def test_the_api_handler_answers_the_health_check(probe: Probe) -> None:
    reply = probe.replies["health"]
    assert reply["statusCode"] == 200
    assert json.loads(body_text(reply)) == {"status": "ok"}


@pytest.mark.slow
def test_the_api_handler_renders_a_dashboard_page_from_the_wheel_s_templates(
    probe: Probe,
) -> None:
    reply = probe.replies["sign-in page"]
    assert reply["statusCode"] == 200
    assert "<form" in body_text(reply)


@pytest.mark.slow
def test_the_api_handler_serves_the_dashboard_s_static_files(probe: Probe) -> None:
    reply = probe.replies["stylesheet"]
    assert reply["statusCode"] == 200
    assert reply["headers"]["content-type"].startswith("text/css")


@pytest.mark.slow
def test_the_api_handler_serves_the_api_docs_without_a_cdn(probe: Probe) -> None:
    reply = probe.replies["api docs"]
    assert reply["statusCode"] == 200
    assert "swagger-ui-bundle.js" in body_text(reply)


@pytest.mark.slow
def test_the_delivery_handler_answers_a_batch(probe: Probe) -> None:
    assert probe.replies["empty batch"] == {"batchItemFailures": []}


@pytest.mark.slow
def test_the_monitor_handler_runs_against_the_table(probe: Probe) -> None:
    assert probe.replies["monitor run"] == {
        "raised": 0,
        "resolved": 0,
        "escalated": 0,
        "swept": 0,
        "pruned": 0,
        "tombstones_purged": 0,
        "reads_deleted": 0,
        "images_forgotten": 0,
        "historical_scanned": 0,
    }


@pytest.mark.slow
def test_the_asset_holds_the_cloud_code_and_its_package_data(built: Built) -> None:
    root = built.root
    for handler in HANDLERS.values():
        module = handler.rsplit(".", 1)[0]
        assert (root / (module.replace(".", "/") + ".py")).is_file(), module
    assert (root / "cloud_plane/web/templates/sign_in.html").is_file()
    assert (root / "cloud_plane/alerts/templates/email.html").is_file()
    assert (root / "sync_protocol/web_assets/static/edgesync.css").is_file()
    assert (root / "sync_protocol/web_assets/static/edgesync.js").is_file()
    assert (root / "sync_protocol/web_assets/templates/layout.html").is_file()


@pytest.mark.slow
def test_the_asset_leaves_out_the_node_and_the_cli(built: Built) -> None:
    assert not (built.root / "local_node").exists()
    assert not (built.root / "edgesync").exists()
    names = {d.split("==")[0] for d in built.report.distributions}
    assert not names & set(NODE_ONLY)


@pytest.mark.slow
def test_the_asset_holds_no_test_suites_or_scripts(built: Built) -> None:
    assert not list(built.root.glob("*/tests"))
    assert not (built.root / "bin").exists()


@pytest.mark.slow
def test_every_module_ships_bytecode_for_the_runtime_python(built: Built) -> None:
    assert built.report.compiled  # a Python of the asset's version runs these tests
    tag = "cpython-" + built.python_version.replace(".", "")
    missing = [
        str(py.relative_to(built.root))
        for py in (built.root / "cloud_plane").rglob("*.py")
        if not (py.parent / "__pycache__" / f"{py.stem}.{tag}.pyc").is_file()
    ]
    assert missing == []
    assert all(tag in pyc.name for pyc in built.root.rglob("*.pyc"))


@pytest.mark.slow
def test_the_bytecode_is_checked_by_no_timestamp(built: Built) -> None:
    # PEP 552 flags (bytes 4-7): 0b01 = hash-based, source not checked; 0 = mtime-based.
    flags = {int.from_bytes(pyc.read_bytes()[4:8], "little") for pyc in built.root.rglob("*.pyc")}
    assert flags == {0b01}


@pytest.mark.slow
def test_compiled_modules_are_for_the_runtime_python_on_linux_x86_64(built: Built) -> None:
    tag = built.python_version.replace(".", "")
    compiled = [p.name for p in built.root.rglob("*.so")]
    assert compiled  # pydantic-core, cryptography, ...
    assert all(
        f"cpython-{tag}-x86_64-linux-gnu" in name or ".abi3." in name for name in compiled
    ), compiled


@pytest.mark.slow
def test_the_asset_fits_lambda_s_unzipped_limit(built: Built) -> None:
    assert 0 < built.report.size_bytes < LAMBDA_SIZE_LIMIT


@pytest.mark.slow
def test_the_same_sources_build_the_same_bytes(
    built: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    again = build_asset(
        tmp_path_factory.mktemp("again") / "lambda", python_version=built.python_version
    )
    assert tree_digest(again.out_dir) == tree_digest(built.root)
