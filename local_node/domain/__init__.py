"""Pure logic of the node (no I/O): hotlist matching, retention policy."""
