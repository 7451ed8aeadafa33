"""Errors raised by the pairing engine.

Every message is one line a person can act on; the CLI prints it as is. The three outcomes a
caller must tell apart:

- ``Infeasible``: the rules provably cannot all hold (found before solving, or proven by the
  exact model); the message names the conflict. The web layer answers it like bad input.
- ``NoSolutionFound``: the search found no valid grouping within its time limit. Nothing is
  proven; a longer limit may succeed. The web layer records a failed run.
- any other ``EngineError``: the problem itself is malformed (unknown ids, wrong answer types).

``NoSolutionFound`` and ``Cancelled`` are not ``EngineError``s (nor ``ValueError``s): running out
of time and a stop request are no fault of the input, so a handler for bad input (``except
ValueError``, ``except EngineError``) must not turn them into "your input is wrong".
"""


class EngineError(ValueError):
    """Bad input, or rules that cannot all hold (the message names the conflict)."""


class Infeasible(EngineError):
    """Proven: no grouping satisfies every hard rule (the message names the rules involved)."""


class NoSolutionFound(Exception):
    """The search found no valid grouping within its time limit; infeasibility is not proven."""


class Cancelled(Exception):
    """The caller's ``should_stop`` asked the solver to stop before it finished."""
