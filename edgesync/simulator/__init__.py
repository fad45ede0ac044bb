"""Simulated licence-plate cameras: plates, pictures, traffic schedule and an HTTP client.

`cli.simulate` is the command (`edgesync camera simulate`); the other modules are usable on
their own, e.g. by end-to-end and crash tests that need realistic camera traffic.
"""
