"""The edgesync local node: camera ingest, storage, hotlist matching and the sync agent."""

__version__ = "0.1.0"
