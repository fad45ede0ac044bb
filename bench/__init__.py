"""Benchmarks of edgesync (run with `make bench`); not part of the shipped packages."""
