"""The HTTP API as a Lambda handler: Mangum over ``main.create_app`` (HTTP API v2 events).

``lifespan="off"``: the app's lifespan would start the in-process alert worker, whose
threads a frozen Lambda cannot run; in AWS mode the delivery and monitor Lambdas do that
work. The store is opened when the app is built (first invocation) and lives as long as
the container (``runtime.Container.adapter``). Requests arrive with the stage's path
(HTTP API ``$default`` stage: none), so routes match as they do behind ``cloud serve``.
"""

from __future__ import annotations

from typing import Any

from cloud_plane.aws.runtime import container


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway event with the cloud app."""
    current = container()
    current.require("api")
    return current.adapter()(event, context)
