"""Running wrk and reading its report."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

INSTALL_HINT = "wrk is not installed; install it with: sudo apt-get install wrk (Debian/Ubuntu)"

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_s: float
    p99_ms: float
    non_2xx: int
    errors: int


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit(INSTALL_HINT)
    return path


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"unreadable wrk latency {value!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse(report: str) -> WrkResult:
    total = re.search(r"(\d+) requests in", report)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", report)
    p99 = re.search(r"^\s+99%\s+(\S+)", report, re.MULTILINE)
    if total is None or rate is None or p99 is None:
        raise ValueError(f"unreadable wrk report:\n{report}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    errors = re.search(r"Socket errors:.*?(\d+), write (\d+), timeout (\d+)", report)
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    return WrkResult(
        requests=int(total[1]),
        requests_per_s=float(rate[1]),
        p99_ms=_ms(p99[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        errors=socket_errors,
    )


def run(
    url: str, *, seconds: float, connections: int, threads: int, headers: dict[str, str]
) -> WrkResult:
    command = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        *[arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")],
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse(done.stdout)
