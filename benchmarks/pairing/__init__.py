"""Pairing-run benchmarks: time from POST to succeeded, and API latency while a run executes."""
