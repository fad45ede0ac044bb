"""The authoritative hotlist: staff edits, deltas for nodes, and cloud-side matching."""
