"""The node's audit log (issue 13): recording audited actions, reading and exporting them."""
