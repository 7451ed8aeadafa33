"""`peerpear serve` (one process, the same uvicorn settings) plus an event-loop lag monitor, to
see *when* the server's loop stalls during a run.

    python -m benchmarks.pairing.lag_serve --port 8000 --lag-file lag.txt

A task on the server's own loop sleeps ``--every`` seconds again and again; whenever it wakes
more than ``--threshold`` seconds late, the loop was busy (or the process got no CPU) for that
long, and it appends ``<unix time> <lag ms>`` to ``--lag-file``. Used by latency.py with
``--lag-monitor``; the measured figures of the benchmark come from plain `peerpear serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
from pathlib import Path

import uvicorn

from peerpear.cli_support import settings_or_exit


async def monitor(path: Path, every: float, threshold: float) -> None:
    with path.open("a", buffering=1) as out:
        while True:
            before = time.monotonic()
            await asyncio.sleep(every)
            lag = time.monotonic() - before - every
            if lag > threshold:
                out.write(f"{time.time() - lag:.3f} {lag * 1000:.1f}\n")


class LagServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, path: Path, every: float, threshold: float):
        super().__init__(config)
        self.path, self.every, self.threshold = path, every, threshold

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        task = asyncio.create_task(monitor(self.path, self.every, self.threshold))
        try:
            await super().serve(sockets)
        finally:
            task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lag-file", type=Path, required=True)
    parser.add_argument("--every", type=float, default=0.01)
    parser.add_argument("--threshold", type=float, default=0.02)
    args = parser.parse_args()
    settings = settings_or_exit()
    config = uvicorn.Config(
        "peerpear.main:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )
    LagServer(config, args.lag_file, args.every, args.threshold).run()


if __name__ == "__main__":
    main()
