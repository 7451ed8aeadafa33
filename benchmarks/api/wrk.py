"""Running wrk and reading its report."""

from __future__ import annotations

import re
import shutil
import signal
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
    p50_ms: float = 0.0
    max_ms: float = 0.0
    seconds: float = 0.0  # how long it ran


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
    p50 = re.search(r"^\s+50%\s+(\S+)", report, re.MULTILINE)
    latency_max = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", report, re.MULTILINE)
    duration = re.search(r"requests in ([\d.]+\w+),", report)
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
        p50_ms=_ms(p50[1]) if p50 else 0.0,
        max_ms=_ms(latency_max[1]) if latency_max else 0.0,
        seconds=_ms(duration[1]) / 1000 if duration else 0.0,
    )


def _command(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    headers: dict[str, str],
    script: str | None = None,
) -> list[str]:
    return [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        *[arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")],
        *(["-s", script] if script else []),
        url,
    ]


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    headers: dict[str, str],
    script: str | None = None,
) -> WrkResult:
    command = _command(
        url,
        seconds=seconds,
        connections=connections,
        threads=threads,
        headers=headers,
        script=script,
    )
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse(done.stdout)


class Running:
    """wrk started for up to ``seconds``, to be stopped earlier with :meth:`stop` (wrk reports
    what it measured until SIGINT). ``script``: a wrk Lua script (e.g. one that paces requests
    with ``delay()``)."""

    def __init__(
        self,
        url: str,
        *,
        seconds: float,
        connections: int,
        threads: int,
        headers: dict[str, str],
        script: str | None = None,
    ) -> None:
        command = _command(
            url,
            seconds=seconds,
            connections=connections,
            threads=threads,
            headers=headers,
            script=script,
        )
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def stop(self) -> WrkResult:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        if self.process.returncode != 0:
            raise RuntimeError(f"wrk failed ({self.process.returncode}): {err}")
        return parse(out)

    def wait(self) -> WrkResult:
        out, err = self.process.communicate()
        if self.process.returncode != 0:
            raise RuntimeError(f"wrk failed ({self.process.returncode}): {err}")
        return parse(out)
