"""HTTP layer of the node."""
