"""The organizer's pair rules: who must be grouped together and who never, by name.

The pair-rules service replaces the whole set and checks it (everyone registered, nobody with
themself, no pair both must-pair and never-pair), so adding and removing here read the current
set, change it and hand back the whole of it. Choosing three or more people adds the rule for
every pair among them. A refused set comes back as the page with the reason, people named
(422; 409 once the event is published), and nothing saved.
"""

from __future__ import annotations

import re
from itertools import combinations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.deps import SessionDep
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.models import PairRuleKind
from peerpear.registrations import admin, pair_rules
from peerpear.registrations.schemas import MAX_RULES, PairRulesIn, PairRulesOut, Person
from peerpear.schemas_common import Pagination
from peerpear.web.deps import PostedForm, redirect
from peerpear.web.manage_deps import (
    MANAGE_EVENT,
    ManagedEvent,
    ManagedEventDep,
    manage_page,
)
from peerpear.web.text import sentence

router = APIRouter(include_in_schema=False)

RULES = MANAGE_EVENT + "/rules"
# Everyone registered is offered in the form (an event's registrations fit one page).
MAX_LISTED = 5000
KIND_LABELS = {PairRuleKind.MUST_PAIR: "Must pair", PairRuleKind.NEVER_PAIR: "Never pair"}
Pairs = dict[PairRuleKind, list[list[int]]]
_USER_ID = re.compile(r"\buser (\d+)")
_USERS_IDS = re.compile(r"\busers (\d+) and (\d+)")


def display_name(person: Person) -> str:
    return f"{person.first_name} {person.last_name}".strip() or person.email


def pairs_of(rules: PairRulesOut) -> Pairs:
    """The current rules as the service takes them (user id pairs)."""
    return {
        PairRuleKind.MUST_PAIR: [[p.user_id for p in rule.users] for rule in rules.must_pair],
        PairRuleKind.NEVER_PAIR: [[p.user_id for p in rule.users] for rule in rules.never_pair],
    }


def named(message: str, names: dict[int, str]) -> str:
    """The service's message with the people it names by id named by name."""
    message = _USERS_IDS.sub(
        lambda m: (
            f"{names.get(int(m[1]), 'user ' + m[1])} and {names.get(int(m[2]), 'user ' + m[2])}"
        ),
        message,
    )
    return _USER_ID.sub(lambda m: names.get(int(m[1]), m[0]), message)


async def _rules_page(
    request: Request,
    managed: ManagedEvent,
    *,
    errors: list[str] | None = None,
    chosen: set[int] | None = None,
    kind: PairRuleKind = PairRuleKind.MUST_PAIR,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    event = managed.access.event
    listed = await admin.list_registrations(
        managed.db, event.id, Pagination(limit=MAX_LISTED, offset=0)
    )
    rules = await pair_rules.read_rules(managed.db, event.id)
    return manage_page(
        request,
        managed,
        "rules.html",
        tab="rules",
        title=f"Pair rules · {event.title}",
        status_code=status_code,
        rules=rules,
        people=[registration.user for registration in listed.items],
        display_name=display_name,
        kinds=KIND_LABELS,
        errors=errors or [],
        chosen=chosen or set(),
        kind=kind,
    )


@router.get(RULES)
async def rules_page(request: Request, managed: ManagedEventDep) -> Response:
    return await _rules_page(request, managed)


def _ids(values: list[str]) -> set[int]:
    return {int(value) for value in values if value.isdigit() and len(value) <= 12}


async def _replace(
    request: Request,
    managed: ManagedEvent,
    pairs: Pairs,
    *,
    chosen: set[int] | None = None,
    kind: PairRuleKind = PairRuleKind.MUST_PAIR,
    done: str,
) -> Response:
    """Hand the whole set to the service; the page with its reasons when it is refused."""
    try:
        body = PairRulesIn(
            must_pair=pairs[PairRuleKind.MUST_PAIR], never_pair=pairs[PairRuleKind.NEVER_PAIR]
        )
        await pair_rules.replace_rules(managed.db, managed.access, body)
    except ValidationError:  # more rules than a set holds
        reason = f"An event has at most {MAX_RULES} rules of each kind; nothing was saved."
        return await _rules_page(
            request, managed, errors=[reason], chosen=chosen, kind=kind, status_code=422
        )
    except (InvalidState, ValidationFailed) as refused:
        listed = await admin.list_registrations(
            managed.db, managed.access.event.id, Pagination(limit=MAX_LISTED, offset=0)
        )
        current = await pair_rules.read_rules(managed.db, managed.access.event.id)
        people = [r.user for r in listed.items]
        people += [p for rule in [*current.must_pair, *current.never_pair] for p in rule.users]
        names = {person.user_id: display_name(person) for person in people}
        details = refused.details if isinstance(refused.details, list) else []
        reasons = [sentence(named(str(item.get("msg", "")), names)) for item in details]
        return await _rules_page(
            request,
            managed,
            errors=reasons or [sentence(named(refused.message, names))],
            chosen=chosen,
            kind=kind,
            status_code=refused.status_code,
        )
    return redirect(managed.url + "/rules", flash_key=done)


@router.post(RULES)
async def add_rule(
    request: Request, form: PostedForm, managed: ManagedEventDep, event_id: int, db: SessionDep
) -> Response:
    kind_value = str(form.get("kind") or "")
    kind = PairRuleKind(kind_value) if kind_value in KIND_LABELS else None
    chosen = _ids([str(value) for value in form.getlist("user_id")])
    problems = [] if kind else ["Choose whether they must or must never be grouped together."]
    if len(chosen) < 2:
        problems.append("Choose at least two people.")
    if kind is None or problems:
        return await _rules_page(
            request,
            managed,
            errors=problems,
            chosen=chosen,
            kind=kind or PairRuleKind.MUST_PAIR,
            status_code=422,
        )
    pairs = pairs_of(await pair_rules.read_rules(db, event_id))
    pairs[kind] += [[a, b] for a, b in combinations(sorted(chosen), 2)]
    return await _replace(request, managed, pairs, chosen=chosen, kind=kind, done="rule-added")


@router.post(RULES + "/remove")
async def remove_rule(
    request: Request, form: PostedForm, managed: ManagedEventDep, event_id: int, db: SessionDep
) -> Response:
    kind_value = str(form.get("kind") or "")
    pair = _ids([str(value) for value in form.getlist("user_id")])
    pairs = pairs_of(await pair_rules.read_rules(db, event_id))
    if kind_value not in KIND_LABELS or len(pair) != 2:
        return await _rules_page(
            request, managed, errors=["Choose a rule to remove."], status_code=422
        )
    kind = PairRuleKind(kind_value)
    pairs[kind] = [rule for rule in pairs[kind] if set(rule) != pair]
    return await _replace(request, managed, pairs, done="rule-removed")
