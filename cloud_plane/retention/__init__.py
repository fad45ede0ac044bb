"""Per-site retention of the cloud's reads: the periodic job that deletes and records (issue 13)."""
