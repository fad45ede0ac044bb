"""What a Lambda container builds once, from its environment, on first use.

Lambda reuses a container for many invocations, so the settings, the store's clients
and the app are built on the first one and kept (module state is the only way to keep
anything between invocations). ``reset()`` drops them (tests; a container never needs to).

The data dir defaults to ``/tmp/edgesync-cloud``: the only writable place in Lambda. In
AWS mode nothing lasting is kept there (the store is DynamoDB, auth is Cognito); set
``EDGESYNC_CLOUD_WEB_SECRET`` so every container signs the dashboard's CSRF tokens alike.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloud_plane.aws.requirements import Role, describe, missing
from cloud_plane.aws.secrets import with_secrets
from cloud_plane.clock import utc_now
from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from cloud_plane.alerts.queue_worker import QueueWorker
    from cloud_plane.alerts.wiring import Alerting
    from cloud_plane.store.base import CloudStore


def lambda_settings() -> CloudSettings:
    """Settings from the environment (keys derived from EDGESYNC_CLOUD_SECRETS_ARN when set),
    with the data dir under /tmp unless one is set."""
    settings = CloudSettings()
    if "data_dir" not in settings.model_fields_set:
        settings = CloudSettings(data_dir=Path(tempfile.gettempdir()) / "edgesync-cloud")
    return with_secrets(settings)


class Container:
    """The collaborators of one Lambda container, each built on first use."""

    def __init__(self, settings: CloudSettings) -> None:
        """Build from ``settings`` (read once per container)."""
        self.settings = settings
        self._lock = threading.Lock()
        self._app: FastAPI | None = None
        self._adapter: Any = None
        self._alerting: Alerting | None = None
        self._met: set[Role] = set()  # roles whose requirements were checked

    def require(self, role: Role) -> None:
        """Raise ConfigError naming each setting the ``role`` Lambda lacks (AWS mode only:
        a DynamoDB store; the handlers also run over SQL in tests and `cloud serve`)."""
        if self.settings.store != "dynamodb" or role in self._met:
            return  # the settings never change in a container: once per role
        unmet = missing(self.settings, role, deployed=False)
        if unmet:
            raise ConfigError(f"the {role} Lambda needs {describe(unmet)}")
        self._met.add(role)

    def app(self) -> FastAPI:
        """The cloud's ASGI app (its store opened, migrations run on SQL)."""
        with self._lock:
            if self._app is None:
                from cloud_plane.main import create_app

                if self.settings.web_secret is None:
                    # Each container would draw its own random key, and a form rendered by
                    # one would be refused by the next: fail at the first request instead.
                    raise ConfigError(
                        "the API Lambda needs EDGESYNC_CLOUD_WEB_SECRET (32+ characters, the "
                        "same in every container) to sign the dashboard's CSRF tokens"
                    )

                self._app = create_app(self.settings)
            return self._app

    def adapter(self) -> Any:
        """The app behind Mangum, lifespan off (see ``aws/api.py``)."""
        app = self.app()
        with self._lock:
            if self._adapter is None:
                from mangum import Mangum  # only the API function needs it

                self._adapter = Mangum(app, lifespan="off")
            return self._adapter

    def alerting(self) -> Alerting:
        """The alerting collaborators over the configured store (no HTTP app)."""
        with self._lock:
            if self._alerting is None:
                from cloud_plane.alerts.wiring import build_alerting
                from cloud_plane.services import open_store

                store = open_store(self.settings)
                try:
                    self._alerting = build_alerting(self.settings, store, utc_now)
                    if self.settings.images.bucket:
                        self._alerting.images_forget = self._images_forget(store)
                except Exception:
                    store.meta.close()
                    raise
            return self._alerting

    def _images_forget(self, store: CloudStore) -> Callable[[], int]:
        """The monitor's job of deleting images kept past ``images_keep_s`` (the API app
        wires its own in ``build_services``; without it the bucket's lifecycle rule would be
        the only deletion, a day late)."""
        from cloud_plane.images.service import ImageService
        from cloud_plane.services import image_blobs

        images = ImageService(store, image_blobs(self.settings), self.settings.images, utc_now)
        return images.forget

    def queue_worker(self) -> QueueWorker:
        """The SQS batch handler; raise ConfigError when no delivery queue is set."""
        worker = self.alerting().queue
        if worker is None:
            raise ConfigError(
                "the delivery worker needs EDGESYNC_CLOUD_DELIVERY_QUEUE_URL (it sends the "
                "retry messages there)"
            )
        return worker

    def close(self) -> None:
        """Release what was built."""
        if self._alerting is not None:
            if self._alerting.queue is not None:
                self._alerting.queue.close()
            self._alerting.dispatcher.store.meta.close()
        if self._app is not None:
            self._app.state.services.close()


_current: Container | None = None
_current_lock = threading.Lock()


def container() -> Container:
    """This container's collaborators (settings read from the environment the first time)."""
    global _current
    with _current_lock:
        if _current is None:
            _current = Container(lambda_settings())
        return _current


def reset() -> None:
    """Forget (and close) what was built: the next invocation reads the environment again."""
    global _current
    with _current_lock:
        if _current is not None:
            _current.close()
        _current = None
