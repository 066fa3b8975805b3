"""Benchmarks: ``python -m bench.<name>``; each measures against a ceiling taken in the same run."""
