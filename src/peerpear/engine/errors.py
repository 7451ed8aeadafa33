"""Errors raised by the pairing engine.

Every message is one line a person can act on; the CLI prints it as is and the web layer
turns it into a validation error.
"""


class EngineError(ValueError):
    """Bad input, or rules that cannot all hold (the message names the conflict)."""


class Cancelled(EngineError):
    """The caller's ``should_stop`` asked the solver to stop before it finished."""
