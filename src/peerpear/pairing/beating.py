"""Awaiting slow work (a language model's answer) inside a run while it keeps its claim.

A run's attempt proves it is alive by heartbeats (execute.py); a call that takes a minute, with
the client's retries, must not make the run look abandoned (another worker would take it over
after 30 s) nor ignore a cancel. So the work runs as a task while the attempt keeps beating;
when the beat says stop, the task is cancelled and ``Cancelled`` raised.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from peerpear.engine.errors import Cancelled

T = TypeVar("T")
Beat = Callable[[float], Awaitable[bool]]


async def while_beating(work: Awaitable[T], beat: Beat, progress: float, every: float = 1.0) -> T:
    """The result of ``work``, calling ``beat(progress)`` at least every ``every`` seconds."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                return task.result()
            if not await beat(progress):
                raise Cancelled("the run was cancelled")
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
