"""Benchmarks: `make bench` runs every bench/bench_*.py module's main() (python -m bench).

Figures are ratios to a baseline measured in the same run on the same machine, never absolute
pass/fail thresholds.
"""
