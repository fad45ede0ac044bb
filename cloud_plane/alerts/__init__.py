"""Alerts: what people receive for hits and health problems, rendered and sent through channels.

Pure modules (``model``, ``render``, ``signing``, ``backoff``, ``ratelimit``) do no
I/O; ``channels/`` holds the adapters behind the one ``Channel`` protocol.
"""
