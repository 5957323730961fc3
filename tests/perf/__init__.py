"""Benchmarks, run on purpose only (their names do not start with ``test_``); see README.md."""
