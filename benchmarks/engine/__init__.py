"""Benchmarks of the pairing engine against reference methods (see docs/benchmarks.md)."""
