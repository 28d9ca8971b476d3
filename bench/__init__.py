"""Benchmarks: each one runs with ``.venv/bin/python -m bench.<name>``, measures the service and a
baseline side by side, prints ratios and writes its section of docs/PERFORMANCE.md."""
