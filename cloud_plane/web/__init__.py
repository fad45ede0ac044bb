"""The staff dashboard: server-rendered HTML pages over the same use cases as the JSON API.

``app.install_web`` mounts it on the cloud app; one module per page group in ``pages/``.
"""
