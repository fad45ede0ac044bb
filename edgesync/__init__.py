"""The `edgesync` command line: dispatches to the services without coupling them."""
