"""The CDK app: ``cdk synth`` / ``cdk deploy`` run this (see cdk/README.md)."""

from __future__ import annotations

import os
from pathlib import Path

from aws_cdk import App

# Run as a script from cdk/ (cdk.json), so edgesync_cdk is importable; cloud_plane comes
# from the project installed in the environment (pip install -e '.[cdk]').
from edgesync_cdk.config import DeployConfig, cdk_json_context
from edgesync_cdk.nag import check_app
from edgesync_cdk.stacks import build_app

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Synthesize both stacks into CDK_OUTDIR (the CLI sets it), else <repo>/cdk.out."""
    app = App(
        outdir=os.environ.get("CDK_OUTDIR") or str(REPO / "cdk.out"),
        context=cdk_json_context(),  # the CLI passes it too; this covers `python app.py`
    )
    build_app(app, DeployConfig.from_context(app.node))
    check_app(app)
    app.synth()


if __name__ == "__main__":
    main()
