"""The wire contract shared by the local node and the cloud plane (pydantic + stdlib only)."""
