"""The engine's view of an event: complete registrations only, questions with their (run's)
weights, rules and avoid requests among participants, history from earlier published events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.engine import parse_problem, solve
from peerpear.models import (
    Event,
    Pairing,
    PairingGroup,
    PairingGroupMember,
    PairRule,
    PairRuleKind,
    QuestionMode,
)
from peerpear.pairing.parameters import QuestionOverride, RunParameters
from peerpear.pairing.snapshot import load_snapshot, question_key
from peerpear.seed import seed_demo
from peerpear.seed_event import DEMO_EVENT_TITLE
from tests.factories import create_event, create_registration, create_user
from tests.registrations.helpers import make_program


async def test_the_demo_event_solves(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()
    event = await session.scalar(select(Event).where(Event.title == DEMO_EVENT_TITLE))
    assert event is not None
    snapshot = await load_snapshot(session, event, RunParameters())
    problem = parse_problem(snapshot.problem)
    assert len(problem.participants) == 40
    assert problem.settings.mode == "big_little" and problem.settings.group_size == 2
    assert {p.role for p in problem.participants} >= {"big", "little"}
    result = solve(problem)
    assert result.validation.ok
    assert sorted(m for g in result.groups for m in g.members) == sorted(snapshot.people)
    again = await load_snapshot(session, event, RunParameters())
    assert again.fingerprint == snapshot.fingerprint
    heavier = await load_snapshot(session, event, RunParameters(seed=1))
    assert heavier.fingerprint != snapshot.fingerprint


async def test_participants_rules_overrides_and_history(session: AsyncSession) -> None:
    program = await make_program(session, students=4)
    a, b, c, d = (s.user for s in program.students)
    complete = {u.id: await create_registration(session, program.event, u, is_complete=True)
                for u in (a, b, c)}  # fmt: skip
    await create_registration(session, program.event, d)  # incomplete: left out
    outsider = await create_user(session)
    session.add_all(
        [
            PairRule(event_id=program.event.id, kind=PairRuleKind.MUST_PAIR,
                     user_a_id=min(a.id, b.id), user_b_id=max(a.id, b.id)),
            PairRule(event_id=program.event.id, kind=PairRuleKind.AVOID,
                     user_a_id=c.id, user_b_id=a.id),
            # about someone who is not taking part: ignored
            PairRule(event_id=program.event.id, kind=PairRuleKind.NEVER_PAIR,
                     user_a_id=min(c.id, d.id), user_b_id=max(c.id, d.id)),
        ]
    )  # fmt: skip
    # An earlier published event of the same organization grouped b and c.
    earlier = await create_event(session, program.club.org)
    pairing = Pairing(event_id=earlier.id, published_at=earlier.created_at)
    session.add(pairing)
    await session.flush()
    group = PairingGroup(pairing_id=pairing.id)
    session.add(group)
    await session.flush()
    for user in (b, c, outsider):
        registration = await create_registration(session, earlier, user)
        session.add(
            PairingGroupMember(
                group_id=group.id, pairing_id=pairing.id, registration_id=registration.id
            )
        )
    await session.commit()

    params = RunParameters(
        use_profile=False,
        questions={
            str(program.scale.id): QuestionOverride(mode=QuestionMode.DIFFERENT),
            str(program.text.id): QuestionOverride(weight=0),
        },
    )
    snapshot = await load_snapshot(session, program.event, params)
    assert set(snapshot.people) == {str(u.id) for u in (a, b, c)}
    assert snapshot.people[str(a.id)].registration_id == complete[a.id].id
    settings = snapshot.problem["settings"]
    assert settings["must_pair"] == [[str(min(a.id, b.id)), str(max(a.id, b.id))]]
    assert settings["never_pair"] == [sorted([str(a.id), str(c.id)])]
    assert [sorted(g) for g in settings["history"]] == [sorted(str(u.id) for u in (b, c, outsider))]
    questions = {q["id"]: q for q in snapshot.problem["questions"]}
    assert question_key(program.text.id) not in questions  # weight 0: left out
    assert questions[question_key(program.scale.id)]["mode"] == "different"
    assert not any(q.startswith("profile_") for q in questions)
    parse_problem(snapshot.problem)  # the engine accepts it


async def test_avoid_requests_kept_apart_for_checking_a_pairing(session: AsyncSession) -> None:
    program = await make_program(session, students=3)
    a, b, c = (s.user for s in program.students)
    for user in (a, b, c):
        await create_registration(session, program.event, user, is_complete=True)
    session.add_all(
        [
            PairRule(event_id=program.event.id, kind=PairRuleKind.AVOID,
                     user_a_id=c.id, user_b_id=a.id),
            PairRule(event_id=program.event.id, kind=PairRuleKind.NEVER_PAIR,
                     user_a_id=min(a.id, b.id), user_b_id=max(a.id, b.id)),
        ]
    )  # fmt: skip
    await session.commit()
    params = RunParameters(use_profile=False)
    default = await load_snapshot(session, program.event, params)
    assert len(default.problem["settings"]["never_pair"]) == 2 and default.avoid == []
    apart = await load_snapshot(session, program.event, params, avoid_apart=True)
    assert apart.problem["settings"]["never_pair"] == [sorted([str(a.id), str(b.id)])]
    assert apart.avoid == [(str(c.id), str(a.id))]  # directional: who asked first
