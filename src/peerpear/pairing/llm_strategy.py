"""Strategy ``llm``: the language model proposes the groups, in the run's job.

The call goes through the process's one client (``ctx.llm``: timeout, retries, cache and call
record, filed under the event) while the attempt keeps heartbeating (beating.py). Its answer
is handed to the engine as a proposal, which checks and repairs it in the solver process
(engine/proposal_repair.py). Failures end the run with one sentence for the admin: no model
configured, too many people for one call (llm/proposal.py says why there is a cap), or a call
that failed for good.
"""

from __future__ import annotations

import asyncio
from typing import Any

from peerpear.engine.plan import build_plan
from peerpear.engine.problem import parse_problem
from peerpear.llm.base import LLMCallFailed, LLMClient, LLMUnavailable
from peerpear.llm.proposal import (
    INSTRUCTIONS,
    MAX_PARTICIPANTS,
    PURPOSE,
    Aliases,
    Proposal,
    proposal_data,
    proposed_groups,
)
from peerpear.llm.scrub import Scrubber
from peerpear.pairing.beating import Beat, while_beating

NO_MODEL = "no language model is configured"


class ProposalFailed(Exception):
    """The model gave no proposal; the message is the run's reason, one sentence."""


def too_many(count: int, cap: int) -> str:
    return (
        f"strategy llm groups at most {cap} people in one call; this run has "
        f"{count}: use the optimizer"
    )


def _shape(problem: dict[str, Any]) -> str:
    # Raises Infeasible / EngineError as the optimizer would, before a call is spent.
    return build_plan(parse_problem(problem)).shape()


async def propose(
    llm: LLMClient | None, problem: dict[str, Any], event_id: int, beat: Beat, scrub: Scrubber
) -> tuple[list[list[str]], list[str | None]]:
    """The model's groups (id lists) and a reason per group; ``scrub`` blanks the names and
    emails that people wrote into their answers."""
    if llm is None or not llm.available:
        raise ProposalFailed(f"The model could not propose groups: {NO_MODEL}.")
    count = len(problem["participants"])
    if count > MAX_PARTICIPANTS:
        raise ProposalFailed(f"The model was not asked: {too_many(count, MAX_PARTICIPANTS)}.")
    shape = await asyncio.to_thread(_shape, problem)
    aliases = Aliases([p["id"] for p in problem["participants"]])
    data = await asyncio.to_thread(proposal_data, problem, shape, scrub, aliases)
    call = llm.structured(PURPOSE, INSTRUCTIONS, data, Proposal, event_id=event_id)
    try:
        proposal = await while_beating(call, beat, 0.1)
    except LLMUnavailable:
        raise ProposalFailed(f"The model could not propose groups: {NO_MODEL}.") from None
    except LLMCallFailed as exc:
        raise ProposalFailed(
            f"The language model gave no usable proposal: {exc.reason.rstrip('.')}."
        ) from None
    return proposed_groups(proposal, aliases)
