"""What the cloud stores, as plain records: the layer below the store, its use cases and routes.

Pure: stdlib, ``sync_protocol`` and ``cloud_plane.errors`` only (import-linter checks it), so
the store, every backend of it and the use cases share one definition and import downward.
"""
