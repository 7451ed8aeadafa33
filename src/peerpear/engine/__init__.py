"""PeerPear's pure pairing engine: problem in, result out (DESIGN §3).

No web or database imports here; the API, the worker and the CLI all call ``solve``.
"""

from peerpear.engine.affinity import compute_affinity
from peerpear.engine.embedding import Embedder, TfidfEmbedder
from peerpear.engine.errors import Cancelled, EngineError
from peerpear.engine.problem import (
    NoIsolationRule,
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
from peerpear.engine.solve import solve
from peerpear.engine.validator import validate
from peerpear.engine.version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "Cancelled",
    "Embedder",
    "EngineError",
    "GroupResult",
    "Metrics",
    "NoIsolationRule",
    "PairingSettings",
    "Participant",
    "ParticipantResult",
    "Problem",
    "Question",
    "Result",
    "TfidfEmbedder",
    "Validation",
    "compute_affinity",
    "parse_problem",
    "solve",
    "validate",
]
