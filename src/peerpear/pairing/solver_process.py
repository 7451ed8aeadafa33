"""The engine in a process of its own, so that a long solve never holds up the process that
waits for it (the API server's event loop, or a worker's heartbeats).

The child solves and sends its progress and then its result (or failure) through a pipe. The
parent wakes at least every ``tick`` seconds and asks ``on_tick(progress)`` whether to go on
(it records progress and heartbeats and checks for cancellation); on "stop" it kills the child:
cancelling needs no cooperation from the solver. The child asks the kernel to kill it when its
parent dies (Linux ``PR_SET_PDEATHSIG``), so a killed worker leaves no solver behind to finish a
run that another worker has taken over.

Children come from a fork server started once with the engine preloaded (and the semantic text
model, when this process pairs with it: ``preload_semantic.py``): each run starts in
milliseconds, without forking the (threaded) server process itself. They run at a lower
priority (niceness 10): on a machine shared with the API, requests get the CPU first.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from peerpear.engine.errors import Cancelled, EngineError, Infeasible, NoSolutionFound
from peerpear.text_embedding import TextEmbedding, current

if TYPE_CHECKING:
    from peerpear.engine.embedding import Embedder
    from peerpear.engine.problem import Problem

PROGRESS_EVERY_S = 0.5  # the child sends at most this often
SOLVER_NICENESS = 10
PRELOAD = [
    "peerpear.engine.solve",
    "peerpear.engine.evaluate",
    "peerpear.engine.affinity",
    "peerpear.engine.proposal_repair",
    "sklearn.feature_extraction.text",
    "sklearn.decomposition",
]
SEMANTIC_PRELOAD = "peerpear.pairing.preload_semantic"  # loads the model in the fork server
_PR_SET_PDEATHSIG = 1
_context: Any = None


class SolverCrashed(Exception):
    """The solver process ended without an answer (killed, out of memory, a bug)."""


@dataclass(frozen=True)
class Kept:
    """Groups to keep exactly as they are (a re-run of the unlocked rest): the solver groups
    the others, then everything is measured together on ``problem``, which has everyone."""

    groups: list[list[str]]
    problem: dict[str, Any]


def _mp_context(text: TextEmbedding) -> Any:
    global _context
    if _context is None:
        if sys.platform.startswith("linux"):
            _context = multiprocessing.get_context("forkserver")
            # Everything a solve imports, loaded once in the fork server rather than in each
            # run's child (scikit-learn's text and SVD modules alone take half a second, the
            # semantic model as long again).
            _context.set_forkserver_preload(PRELOAD + ([SEMANTIC_PRELOAD] if text.semantic else []))
        else:  # pragma: no cover - the project runs on Linux; spawn works everywhere else
            _context = multiprocessing.get_context("spawn")
    return _context


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass(frozen=True)
class Given:
    """Strategy llm: groups proposed from outside, to repair and measure instead of solving.
    The result gets ``proposal``: the repair report and, per group, the proposed group it
    continues (None for one the engine opened)."""

    groups: list[list[str]]


def _measure_proposal(parsed: Problem, given: Given, embedder: Embedder) -> Any:
    from peerpear.engine.evaluate import evaluate
    from peerpear.engine.proposal_repair import repair_proposal

    repaired = repair_proposal(parsed, given.groups, embedder=embedder)
    # Measured exactly as an optimizer run or an edited pairing is (evaluate.py).
    data = evaluate(parsed, repaired.groups, embedder=embedder).model_dump(mode="json")
    data["metrics"]["solver"] = "llm+repair"
    data["proposal"] = {
        "origin": repaired.origin,
        "repair": repaired.report.model_dump(mode="json"),
    }
    return data


def _child(
    problem: dict[str, Any],
    conn: Connection,
    keep: Kept | None,
    text: TextEmbedding,
    embedder: Embedder | None,
    given: Given | None,
) -> None:
    _die_with_parent()
    # Background work: where it shares cores with the server, requests go first.
    with contextlib.suppress(OSError):
        os.nice(SOLVER_NICENESS)
    from peerpear.engine.evaluate import evaluate
    from peerpear.engine.problem import parse_problem
    from peerpear.engine.solve import solve

    last = 0.0

    def progress(fraction: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            conn.send(("progress", fraction))

    try:
        parsed = parse_problem(problem)
        # Precomputed vectors (the provider's) when the run has them, else this process's own.
        if embedder is None:
            embedder = text.embedder(parsed.settings.seed)
        if given is not None:
            conn.send(("result", _measure_proposal(parsed, given, embedder)))
            return
        result = solve(parsed, embedder=embedder, progress=progress)
        if keep is not None:
            # The kept groups beside the new ones, measured as one grouping of everyone.
            groups = keep.groups + [group.members for group in result.groups]
            result = evaluate(parse_problem(keep.problem), groups, embedder=embedder)
        conn.send(("result", result.model_dump(mode="json")))
    except Infeasible as exc:
        conn.send(("infeasible", str(exc)))
    except NoSolutionFound as exc:
        conn.send(("no_solution", str(exc)))
    except EngineError as exc:
        conn.send(("invalid", str(exc)))
    except Exception as exc:  # reported to the parent, which fails the run with it
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _raise(kind: str, message: str) -> None:
    if kind == "infeasible":
        raise Infeasible(message)
    if kind == "no_solution":
        raise NoSolutionFound(message)
    if kind == "invalid":
        raise EngineError(message)
    raise SolverCrashed(message)


async def solve_in_subprocess(
    problem: dict[str, Any],
    on_tick: Callable[[float], Awaitable[bool]],
    *,
    keep: Kept | None = None,
    embedder: Embedder | None = None,
    given: Given | None = None,
    tick: float = 1.0,
    text: TextEmbedding | None = None,
) -> dict[str, Any]:
    """The engine's result (as JSON) for ``problem`` (with ``keep``: for the kept groups and
    the solved rest together; with ``given``: for those groups, repaired, see ``Given``), its
    text answers embedded by ``embedder`` when given (vectors computed before the solve), else as
    ``text`` says (default: this process's choice, ``text_embedding.current()``). Raises the
    engine's errors as ``solve`` does, ``Cancelled`` when ``on_tick`` says stop,
    ``SolverCrashed`` when the child dies."""
    text = text or current()
    ctx = _mp_context(text)
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child, args=(problem, sender, keep, text, embedder, given), daemon=True
    )
    # Starting pickles the problem (megabytes for thousands of people): in a thread, so the
    # event loop keeps its turns.
    await asyncio.to_thread(process.start)
    sender.close()  # the child's end: EOF here once the child is gone
    progress = 0.0
    try:
        while True:
            if await asyncio.to_thread(receiver.poll, tick):
                try:
                    kind, payload = receiver.recv()
                except EOFError:
                    process.join(1)
                    raise SolverCrashed(
                        f"the solver process stopped (exit code {process.exitcode})"
                    ) from None
                if kind == "progress":
                    progress = float(payload)
                elif kind == "result":
                    return dict(payload)
                else:
                    _raise(kind, str(payload))
            if not await on_tick(progress):
                raise Cancelled("the run was cancelled")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        await asyncio.to_thread(process.join, 5)
