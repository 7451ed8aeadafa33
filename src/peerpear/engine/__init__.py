"""PeerPear's pure pairing engine: problem in, result out (DESIGN §3).

No web or database imports here; the API, the worker and the CLI all call ``solve``; the API
measures edited groupings with ``evaluate``.

The solvers pull in scipy, networkx and scikit-learn (seconds of import time), so those names
load on first use: every `peerpear` command and the API server start without paying for them.
"""

import importlib
from typing import TYPE_CHECKING, Any

from peerpear.engine.errors import Cancelled, EngineError, Infeasible, NoSolutionFound
from peerpear.engine.problem import (
    Mode,
    NoIsolationRule,
    Objective,
    PairingSettings,
    Participant,
    Problem,
    Question,
    parse_problem,
)
from peerpear.engine.result import (
    GroupResult,
    Metrics,
    ParticipantResult,
    Result,
    Validation,
)
from peerpear.engine.version import ENGINE_VERSION

if TYPE_CHECKING:
    from peerpear.engine.affinity import compute_affinity
    from peerpear.engine.embedding import Embedder, TfidfEmbedder, default_embedder
    from peerpear.engine.evaluate import evaluate
    from peerpear.engine.semantic import SemanticEmbedder, SemanticUnavailable
    from peerpear.engine.solve import solve
    from peerpear.engine.validator import validate

_LAZY = {
    "compute_affinity": "peerpear.engine.affinity",
    "Embedder": "peerpear.engine.embedding",
    "TfidfEmbedder": "peerpear.engine.embedding",
    "default_embedder": "peerpear.engine.embedding",
    "SemanticEmbedder": "peerpear.engine.semantic",
    "SemanticUnavailable": "peerpear.engine.semantic",
    "evaluate": "peerpear.engine.evaluate",
    "solve": "peerpear.engine.solve",
    "validate": "peerpear.engine.validator",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'peerpear.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ENGINE_VERSION",
    "Cancelled",
    "Embedder",
    "EngineError",
    "GroupResult",
    "Infeasible",
    "Metrics",
    "Mode",
    "NoIsolationRule",
    "NoSolutionFound",
    "Objective",
    "PairingSettings",
    "Participant",
    "ParticipantResult",
    "Problem",
    "Question",
    "Result",
    "SemanticEmbedder",
    "SemanticUnavailable",
    "TfidfEmbedder",
    "Validation",
    "compute_affinity",
    "default_embedder",
    "evaluate",
    "parse_problem",
    "solve",
    "validate",
]
