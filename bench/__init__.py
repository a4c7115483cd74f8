"""Benchmarks and quality evaluations (run as modules: python -m bench.<name>)."""
