"""Build the Lambda code asset with pip alone: no Docker, no CDK (``make lambda-asset``).

Steps: build the project's wheel (``pip wheel --no-deps``: hatchling, in pip's isolated
build environment, so the venv needs no build tool); install the Lambda's share of the
project's dependencies for the runtime's platform (``pip install --target --platform
--python-version --only-binary=:all:``: compiled wheels are Lambda's, not this machine's);
install the wheel itself without dependencies; prune what a Lambda never runs; byte-compile
for the runtime's Python when one is here (``asset_bytecode.py``).

pip evaluates markers other than the Python version (``sys_platform``, ``platform_machine``)
for the machine it runs on: build on Linux x86_64, as Lambda runs.

The asset is reproducible: pip compiles nothing (its ``.pyc`` would be this interpreter's,
stamped with mtimes), the ``.pyc`` written afterwards hold source hashes, and the files that
name this build's temporary paths are dropped. The same sources and resolved versions give
the same bytes, so CDK's ``AssetHashType.OUTPUT`` hash does not change when nothing changed.

Run it: ``python -m edgesync_cdk.asset_build --out build/lambda-asset`` (``--help``).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from edgesync_cdk.asset_bytecode import compile_asset

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

LAMBDA_PYTHON = "3.12"  # functions.RUNTIME is python3.12
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34), x86_64 (functions.ARCHITECTURE).
# pip does not widen a manylinux_2_X tag to older ones, so each accepted tag is listed, the
# most widely compatible first (pip prefers earlier tags when a release offers several).
LAMBDA_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")
LAMBDA_SIZE_LIMIT = 250 * 1024 * 1024  # unzipped code, all layers included

# The project's dependencies the three handlers import (cloud_plane.aws.api, .delivery,
# .monitor), by distribution name. Their version specifiers are read from pyproject.toml,
# so the asset and the project cannot disagree on versions. The asset test imports the
# handlers with only the asset on sys.path: a name missing here fails it.
LAMBDA_DISTRIBUTIONS: dict[str, str] = {
    "fastapi": "the API and dashboard app",
    "mangum": "API Gateway events into the ASGI app",
    "pydantic": "settings and wire models",
    "pydantic-settings": "EDGESYNC_CLOUD_* settings",
    # Lambda's runtime ships a boto3, but which version is AWS's choice (it has lagged months
    # behind releases) and it changes under a deployed function: the asset brings the one
    # pyproject allows and the tests ran with (about 25 MB unzipped).
    "boto3": "DynamoDB, SQS, SES, SNS, Cognito, Secrets Manager",
    "pyjwt": "staff tokens and Cognito JWT verification (crypto extra: cryptography)",
    "httpx": "Cognito's JWKS and the webhook alert channel",
    "jinja2": "dashboard pages and alert e-mails",
    "python-multipart": "the dashboard's forms (Starlette's form parser)",
    "prometheus-client": "GET /metrics",
    "swagger-ui-bundle-v2": "GET /docs without a CDN",
}
# Left out, local node or self-hosting only: apscheduler, sqlite-utils, uvicorn (the cloud
# runs behind Mangum, not a server), psycopg (PostgreSQL), sqlmodel and alembic (the SQL
# store; the DynamoDB path never imports cloud_plane.store.sql), click (the CLI), pillow
# (camera simulator), paho-mqtt (Frigate ingest).

# The project wheel's packages the Lambdas never import (import-linter keeps cloud_plane
# independent of local_node; edgesync is the CLI and demo).
PRUNED_PACKAGES = ("local_node", "edgesync")
# pip --target writes console scripts with this machine's interpreter in the shebang.
PRUNED_DIRS = ("bin",)
# A distribution's own test suite (a package's top-level tests/ folder) is never imported.
PRUNED_TEST_DIRS = ("tests",)
# Source maps (7 MB, Swagger UI's): a browser asks for them only with its devtools open.
PRUNED_PATTERNS = ("*.js.map",)
# direct_url.json names the temporary wheel path: new bytes on every build.
PRUNED_FILES = ("direct_url.json",)


class AssetBuildError(RuntimeError):
    """The asset could not be built; the message says which step failed and why."""


@dataclass(frozen=True)
class AssetReport:
    """What a build produced."""

    out_dir: Path
    size_bytes: int
    files: int
    distributions: tuple[str, ...]  # "name==version", sorted
    compiled: bool  # .pyc for the runtime's Python are included
    seconds: float


def lambda_requirements(
    pyproject: Path = PROJECT_ROOT / "pyproject.toml",
    names: Iterable[str] = LAMBDA_DISTRIBUTIONS,
) -> list[str]:
    """The project's own requirement strings (extras, versions) for the named distributions.

    Raise AssetBuildError naming any distribution the project does not depend on.
    """
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    by_name = {_canonical(_requirement_name(spec)): spec for spec in declared}
    wanted = [_canonical(name) for name in names]
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise AssetBuildError(
            f"not a dependency in {pyproject}: {', '.join(unknown)} "
            "(add it to [project].dependencies or drop it from LAMBDA_DISTRIBUTIONS)"
        )
    return [by_name[name] for name in wanted]


def build_asset(
    out_dir: Path,
    *,
    python_version: str = LAMBDA_PYTHON,
    platforms: Sequence[str] = LAMBDA_PLATFORMS,
    project_root: Path = PROJECT_ROOT,
    bytecode: bool = True,
) -> AssetReport:
    """Install the project and the Lambda's dependencies for Lambda's platform into ``out_dir``,
    byte-compiled for ``python_version`` if ``bytecode`` and an interpreter of it is found.

    ``out_dir`` must be absent or empty. Raise AssetBuildError if pip or the compilation
    fails (the tool's output is in the message) or the result exceeds Lambda's unzipped
    size limit.
    """
    started = time.monotonic()
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise AssetBuildError(f"{out_dir} is not empty: the asset is built into an empty folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = [
        "--target",
        str(out_dir),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        *(arg for platform in platforms for arg in ("--platform", platform)),
        "--only-binary=:all:",
        "--no-compile",
    ]
    with tempfile.TemporaryDirectory(prefix="edgesync-wheel-") as wheel_dir:
        log.info("building the edgesync wheel from %s", project_root)
        _pip("wheel", "--no-deps", "--wheel-dir", wheel_dir, str(project_root))
        wheel = _only_wheel(Path(wheel_dir))
        requirements = lambda_requirements(project_root / "pyproject.toml")
        log.info(
            "installing %d requirements for Python %s on %s: %s",
            len(requirements),
            python_version,
            platforms[0],
            ", ".join(requirements),
        )
        _pip("install", *target, *requirements)
        log.info("installing %s without its dependencies", wheel.name)
        _pip("install", *target, "--no-deps", str(wheel))
    _prune(out_dir)
    try:
        compiled = bytecode and compile_asset(out_dir, python_version)
    except RuntimeError as error:
        raise AssetBuildError(str(error)) from None
    report = AssetReport(
        out_dir=out_dir,
        size_bytes=_size(out_dir),
        files=sum(1 for p in out_dir.rglob("*") if p.is_file()),
        distributions=_distributions(out_dir),
        compiled=compiled,
        seconds=time.monotonic() - started,
    )
    if report.size_bytes > LAMBDA_SIZE_LIMIT:
        raise AssetBuildError(
            f"the asset is {report.size_bytes / 2**20:.0f} MB unzipped, over Lambda's "
            f"{LAMBDA_SIZE_LIMIT / 2**20:.0f} MB limit"
        )
    log.info(
        "asset ready in %.0f s: %s, %.1f MB unzipped, %d files, %d distributions, %s",
        report.seconds,
        out_dir,
        report.size_bytes / 2**20,
        report.files,
        len(report.distributions),
        "byte-compiled" if report.compiled else "not byte-compiled",
    )
    return report


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise AssetBuildError(
            f"`pip {' '.join(args[:2])} ...` failed ({done.returncode}):\n"
            f"{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )


def _only_wheel(wheel_dir: Path) -> Path:
    wheels = sorted(wheel_dir.glob("edgesync-*.whl"))
    if len(wheels) != 1:
        raise AssetBuildError(f"expected one edgesync wheel in {wheel_dir}, found {wheels}")
    return wheels[0]


def _prune(out_dir: Path) -> None:
    """Remove what a Lambda never runs and what would make two builds differ."""
    for name in (*PRUNED_PACKAGES, *PRUNED_DIRS):
        shutil.rmtree(out_dir / name, ignore_errors=True)
    for name in PRUNED_TEST_DIRS:
        for tests in out_dir.glob(f"*/{name}"):
            shutil.rmtree(tests)
    for cache in sorted(out_dir.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    for pattern in PRUNED_PATTERNS:
        for path in out_dir.rglob(pattern):
            path.unlink()
    for name in PRUNED_FILES:
        for path in out_dir.glob(f"*.dist-info/{name}"):
            path.unlink()
    for record in out_dir.glob("*.dist-info/RECORD"):
        _trim_record(record, out_dir)


def _trim_record(record: Path, root: Path) -> None:
    """Drop the RECORD lines of files pruned (a hash of direct_url.json would differ)."""
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if (root / line.split(",", 1)[0]).exists()]
    if kept != lines:
        record.write_text("".join(kept), encoding="utf-8")


def _distributions(out_dir: Path) -> tuple[str, ...]:
    found = []
    for info in out_dir.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found.append(f"{_canonical(name)}=={version}")
    return tuple(sorted(found))


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _requirement_name(spec: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    if match is None:
        raise AssetBuildError(f"cannot read a distribution name from requirement {spec!r}")
    return match.group(1)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m edgesync_cdk.asset_build``: build the asset into a folder, report it."""
    parser = argparse.ArgumentParser(
        prog="python -m edgesync_cdk.asset_build",
        description="Build the edgesync Lambda code asset (the project wheel and the "
        "Lambdas' dependencies for Lambda's platform) without Docker.",
    )
    parser.add_argument("--out", type=Path, required=True, help="an absent or empty folder")
    parser.add_argument(
        "--python-version",
        default=LAMBDA_PYTHON,
        help=f"the Lambda runtime's Python (default {LAMBDA_PYTHON})",
    )
    parser.add_argument(
        "--platform",
        action="append",
        dest="platforms",
        help=f"a wheel platform tag, repeatable (default {' '.join(LAMBDA_PLATFORMS)})",
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="ship no .pyc (by default they are written if a Python of that version is here)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        report = build_asset(
            args.out,
            python_version=args.python_version,
            platforms=tuple(args.platforms or LAMBDA_PLATFORMS),
            bytecode=not args.no_bytecode,
        )
    except AssetBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for distribution in report.distributions:
        print(distribution)
    return 0


if __name__ == "__main__":
    sys.exit(main())
