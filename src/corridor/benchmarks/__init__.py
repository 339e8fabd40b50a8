"""Benchmarks behind `corridor ... bench`: each prints figures, and `--json` gives one object."""
