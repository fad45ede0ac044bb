"""Offline fallback: the node alerts hits itself when the cloud has been unreachable too long."""
