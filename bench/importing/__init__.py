"""`python -m bench.importing`: the throughput of `edgesync node import` on a generated file."""
