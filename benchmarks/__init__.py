"""The benchmark suite: `python -m benchmarks.run [--quick]` writes docs/benchmarks.md."""
