"""An event as the engine sees it: the problem JSON of DESIGN §3, built from the database.

- Participants are the event's *complete* registrations, identified by their user id (as a
  string), so that history and rules, which are about people, line up across events.
- Questions with a weight above 0 take part, as ``q<question id>``, with the run's overrides of
  weight and mode; profile signals (hobbies, major, bio) join with small weights when asked.
- Rules: the admins' must-pair and never-pair rules, and the students' avoid requests as
  never-pair, between people who are both in the snapshot. Checking an edited pairing keeps the
  avoid requests apart instead (``avoid_apart``): they are private, so they must not show up
  in a never-pair violation that names both people.
- History: the groups of the organization's other published pairings, for repeat avoidance.

Loading is a fixed number of statements whatever the size of the event. The fingerprint is the
SHA-256 of the canonical problem JSON: two runs with the same fingerprint saw the same inputs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Answer,
    Event,
    Pairing,
    PairingGroupMember,
    PairRule,
    PairRuleKind,
    Profile,
    Question,
    QuestionType,
    Registration,
    User,
)
from peerpear.pairing.parameters import (
    NoIsolationRule,
    RunParameters,
    engine_settings,
    holds,
    no_isolation_attribute,
)

# Profile signals: light, so that the questionnaire the organizers wrote decides.
PROFILE_QUESTIONS: list[dict[str, Any]] = [
    {"id": "profile_hobbies", "type": "multi_choice", "weight": 0.5, "prompt": "hobbies"},
    {"id": "profile_major", "type": "single_choice", "weight": 0.25, "prompt": "major"},
    {
        "id": "profile_bio",
        "type": "text",
        "weight": 0.25,
        "prompt": "what you wrote about yourself",
    },
]
_ENGINE_TYPE = {
    QuestionType.TEXT: "text",
    QuestionType.SINGLE_CHOICE: "single_choice",
    QuestionType.MULTI_CHOICE: "multi_choice",
    QuestionType.SCALE: "scale",
}


def question_key(question_id: int) -> str:
    return f"q{question_id}"


FETCH_BATCH = 2000
_PERSON_COLUMNS = (
    Registration.id,
    Registration.role,
    User.id,
    User.first_name,
    User.last_name,
    User.email,
    Profile.hobbies,
    Profile.major,
    Profile.bio,
)


@dataclass(frozen=True)
class Person:
    registration_id: int
    user_id: int
    name: str
    role: str | None


@dataclass
class Snapshot:
    """What a run (or the validation of an edited pairing) needs, as plain data."""

    problem: dict[str, Any]
    people: dict[str, Person]  # participant id -> who
    # (who asked, whom they avoid) among the participants; only with ``avoid_apart``
    avoid: list[tuple[str, str]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.problem, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _questions(questions: list[Question], params: RunParameters) -> list[dict[str, Any]]:
    specs = []
    for q in sorted(questions, key=lambda q: (q.position, q.id)):
        override = params.questions.get(str(q.id))
        weight = override.weight if override and override.weight is not None else q.weight
        mode = override.mode if override and override.mode is not None else q.mode
        if weight <= 0:
            continue
        spec: dict[str, Any] = {
            "id": question_key(q.id),
            "type": _ENGINE_TYPE[q.type],
            "weight": weight,
            "mode": mode.value,
            "prompt": q.prompt,
        }
        if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
            spec["options"] = list(q.options or [])
        if q.type is QuestionType.SCALE:
            spec["min"], spec["max"] = q.scale_min, q.scale_max
        specs.append(spec)
    return specs


def _profile_answers(
    hobbies: list[str] | None, major: str | None, bio: str | None
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "profile_hobbies": list(hobbies or []) or None,
        "profile_major": major or None,
        "profile_bio": bio or None,
    }
    return {k: v for k, v in answers.items() if v is not None}


async def _history(db: AsyncSession, event: Event) -> list[list[str]]:
    """The groups (user ids) of the organization's other published pairings."""
    rows = await db.execute(
        select(PairingGroupMember.group_id, Registration.user_id)
        .join(Registration, Registration.id == PairingGroupMember.registration_id)
        .join(Pairing, Pairing.id == PairingGroupMember.pairing_id)
        .join(Event, Event.id == Pairing.event_id)
        .where(
            Event.organization_id == event.organization_id,
            Event.id != event.id,
            Pairing.published_at.is_not(None),
        )
    )
    groups: dict[int, list[str]] = defaultdict(list)
    for group_id, user_id in rows.tuples():
        groups[group_id].append(str(user_id))
    return [members for members in groups.values() if len(members) >= 2]


async def _rules(
    db: AsyncSession, event_id: int, known: set[str], avoid_apart: bool
) -> tuple[dict[str, list[list[str]]], list[tuple[str, str]]]:
    """(the settings' must_pair and never_pair, the avoid requests kept apart)."""
    rows = await db.execute(
        select(PairRule.kind, PairRule.user_a_id, PairRule.user_b_id).where(
            PairRule.event_id == event_id
        )
    )
    must: list[list[str]] = []
    never: set[tuple[str, str]] = set()
    avoid: list[tuple[str, str]] = []
    for kind, a, b in rows.tuples():
        pair = (str(a), str(b))
        if not set(pair) <= known:
            continue  # a rule about someone not (or no longer) taking part
        if kind is PairRuleKind.MUST_PAIR:
            must.append(list(pair))
        elif kind is PairRuleKind.AVOID and avoid_apart:
            avoid.append(pair)
        else:  # never-pair rules and avoid requests alike keep two people apart
            never.add((min(pair), max(pair)))
    rules = {"must_pair": must, "never_pair": [list(p) for p in sorted(never)]}
    return rules, sorted(avoid)


async def _fetch(db: AsyncSession, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows, turned into tuples in batches: between two, the event loop serves other
    requests. (The driver has them all already; a server-side cursor would need a transaction,
    which read sessions do not open.)"""
    rows: list[tuple[Any, ...]] = []
    for batch in (await db.execute(stmt)).partitions(FETCH_BATCH):
        rows.extend(tuple(row) for row in batch)
        await asyncio.sleep(0)
    return rows


def _participants(
    rows: list[tuple[Any, ...]],
    answer_rows: list[tuple[Any, ...]],
    asked: set[str],
    use_profile: bool,
    no_isolation: list[NoIsolationRule] = (),  # type: ignore[assignment]
) -> tuple[dict[str, Person], list[dict[str, Any]]]:
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    # The rules' questions are read whatever their weight: a rule holds on a question that
    # does not count toward the affinity too.
    rules_on: dict[int, list[NoIsolationRule]] = defaultdict(list)
    for rule in no_isolation:
        rules_on[rule.question_id].append(rule)
    attributes: dict[int, dict[str, str]] = defaultdict(dict)
    for registration_id, question_id, text in answer_rows:
        key = question_key(question_id)
        if text is None or (key not in asked and question_id not in rules_on):
            continue
        value = json.loads(text)
        if key in asked:
            answers[registration_id][key] = value
        for rule in rules_on.get(question_id, ()):
            if holds(value, rule.option):
                attributes[registration_id][no_isolation_attribute(rule)] = "yes"
    people: dict[str, Person] = {}
    participants = []
    for rid, role_enum, uid, first, last, email, hobbies, major, bio in rows:
        pid = str(uid)
        role = role_enum.value if role_enum is not None else None
        people[pid] = Person(rid, uid, f"{first} {last}".strip() or email, role)
        mine = answers[rid]
        if use_profile:
            mine.update(_profile_answers(hobbies, major, bio))
        participant: dict[str, Any] = {"id": pid, "answers": mine}
        if role is not None:
            participant["role"] = role
        if attributes.get(rid):
            participant["attributes"] = attributes[rid]
        participants.append(participant)
    return people, participants


async def load_snapshot(
    db: AsyncSession,
    event: Event,
    params: RunParameters,
    *,
    registration_ids: set[int] | None = None,
    avoid_apart: bool = False,
) -> Snapshot:
    """The problem for ``event``: its complete registrations, or exactly ``registration_ids``
    (an edited pairing's members, complete or not). With ``avoid_apart`` the avoid requests are
    left out of ``never_pair`` and listed in ``Snapshot.avoid``."""
    questions = list(await db.scalars(select(Question).where(Question.event_id == event.id)))
    # Plain rows, not ORM objects: tens of thousands of them for a large event.
    stmt = (
        select(*_PERSON_COLUMNS)
        .join(User, User.id == Registration.user_id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    )
    if registration_ids is None:
        stmt = stmt.where(Registration.is_complete.is_(True))
    else:
        stmt = stmt.where(Registration.id.in_(registration_ids))
    rows = await _fetch(db, stmt)
    answer_rows: list[tuple[Any, ...]] = []
    if rows:
        # The values as their JSON text, decoded in the thread below rather than row by row
        # here, on the event loop.
        answer_rows = await _fetch(
            db,
            select(Answer.registration_id, Answer.question_id, cast(Answer.value, Text))
            .join(Registration, Registration.id == Answer.registration_id)
            .where(Registration.event_id == event.id),
        )
    specs = _questions(questions, params)
    if params.use_profile:
        specs += PROFILE_QUESTIONS
    # Turning the rows into the problem is pure Python over every answer: in a thread, so the
    # event loop (the API's, or a worker's heartbeats) keeps its turns meanwhile.
    people, participants = await asyncio.to_thread(
        _participants,
        rows,
        answer_rows,
        {spec["id"] for spec in specs},
        params.use_profile,
        params.no_isolation,
    )
    settings = engine_settings(event, params)
    if params.no_isolation:
        settings["no_isolation"] = [
            {"attribute": no_isolation_attribute(rule), "value": "yes"}
            for rule in params.no_isolation
        ]
    rules, avoid = await _rules(db, event.id, set(people), avoid_apart)
    settings.update(rules)
    settings["history"] = await _history(db, event)
    problem = {"questions": specs, "participants": participants, "settings": settings}
    return Snapshot(problem=problem, people=people, avoid=avoid)
