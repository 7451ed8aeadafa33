"""An open-loop load generator: GET one URL at a fixed rate, whatever the answers do.

    python -m benchmarks.pairing.rate_load URL --rate 100 --seconds 10 [--header 'K: V' ...]

wrk keeps ``c`` requests in flight and sends the next as soon as one returns, so at saturation
its latency is mostly the queue in front of a busy server (``c`` / throughput), and while the
server stalls it simply sends less (the stall shows in few samples). Here request ``i`` is due
at ``start + i / rate`` and its latency is counted from that moment (no coordinated omission):
a stall of the server delays every request due during it. Stops after ``--seconds`` or on
SIGINT and prints one JSON object: requests, failures, requests/s, p50, p99 and max in ms, and
how late this process sent requests (its own lag, which the latencies include).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import time

import httpx


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(url: str, rate: float, seconds: float, headers: dict[str, str]) -> dict[str, float]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    latencies: list[float] = []
    lags: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=60) as client:

        async def one(due: float) -> None:
            nonlocal failed
            lags.append(time.monotonic() - due)
            try:
                answer = await client.get(url)
                if answer.status_code >= 400:
                    failed += 1
            except httpx.HTTPError:
                failed += 1
            latencies.append((time.monotonic() - due) * 1000)

        tasks: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        i = 0
        while not stop.is_set():
            due = start + i / rate
            if due - start >= seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                    break
                except TimeoutError:
                    pass
            task = asyncio.create_task(one(due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        elapsed = time.monotonic() - start
        if tasks:
            await asyncio.wait(tasks, timeout=60)
    return {
        "requests": len(latencies),
        "failed": failed,
        "seconds": elapsed,
        "requests_per_s": len(latencies) / max(elapsed, 1e-9),
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": _percentile(latencies, 0.99),
        "max_ms": max(latencies, default=0.0),
        "lag_p99_ms": _percentile(lags, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=100, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    print(json.dumps(asyncio.run(load(args.url, args.rate, args.seconds, headers))), flush=True)


if __name__ == "__main__":
    main()
