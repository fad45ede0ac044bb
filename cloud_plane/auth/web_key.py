"""The dashboard's secret key: from EDGESYNC_CLOUD_WEB_SECRET, or a random one kept on disk."""

from __future__ import annotations

from cloud_plane.config import CloudSettings
from sync_protocol.private_files import load_or_create_secret


def web_key(settings: CloudSettings) -> bytes:
    """The key the CSRF tokens are signed with.

    Set ``web_secret`` when several processes serve the dashboard (Lambda): each would
    otherwise make its own file and refuse the others' forms.
    """
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value().encode()
    return load_or_create_secret(settings.web_secret_path)
