"""Sign-up latency for a new email against an email that already has an account.

The sign-up answer must not tell the two apart, by content (tests/auth) or by time (this). Both
kinds are sent to the real app in-process, alternating, on a fresh database; the medians of
each kind and their ratio are printed (a ratio near 1.0 means timing reveals nothing useful).

    uv run python -m benchmarks.auth.signup_latency [--rounds 40] [--database-url URL]

Without ``--database-url`` a temporary SQLite file is used; for PostgreSQL pass the URL of an
empty database that ``peerpear db upgrade`` can migrate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from peerpear import migrate
from peerpear.config import Settings
from peerpear.main import create_app

SIGNUP = "/api/v1/auth/signup"
PASSWORD = "benchmark password"


async def measure(database_url: str, rounds: int) -> dict[str, list[float]]:
    await migrate.upgrade_async(database_url)
    settings = Settings(
        environment="test",
        secret_key="benchmark-secret-key",
        database_url=database_url,
        log_level="WARNING",
        signup_max_per_address=10 * rounds + 10,  # measure sign-up, not its throttle
    )
    app = create_app(settings)
    timings: dict[str, list[float]] = {"new": [], "existing": []}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def signup(email: str) -> float:
                body = {"email": email, "password": PASSWORD, "first_name": "B"}
                start = time.perf_counter()
                resp = await client.post(SIGNUP, json=body)
                elapsed = time.perf_counter() - start
                # 202 today; 201 / 409 before sign-up stopped telling (to measure the old code).
                assert resp.status_code in (201, 202, 409), resp.text
                return elapsed

            await signup("existing@example.edu")  # the account the "existing" kind hits
            await signup("warmup@example.edu")
            for n in range(rounds):
                timings["new"].append(await signup(f"new{n}@example.edu"))
                timings["existing"].append(await signup("existing@example.edu"))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        timings = asyncio.run(measure(url, args.rounds))
    new = statistics.median(timings["new"]) * 1000
    existing = statistics.median(timings["existing"]) * 1000
    load = os.getloadavg()[0]
    print(f"rounds {args.rounds}, load {load:.1f}")
    print(f"new email       median {new:7.1f} ms")
    print(f"existing email  median {existing:7.1f} ms")
    print(f"existing / new  {existing / new:.2f}")


if __name__ == "__main__":
    main()
