"""The benchmark: `python bench/run.py [--quick]` or `python -m bench` (not part of the test suite)."""
