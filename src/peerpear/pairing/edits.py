"""The edits an admin makes to a working pairing, each on a loaded :class:`PairingState`.

A registration or group the pairing does not have is a 422 (the request names something that is
not there); a locked group refuses anyone moving in or out with a 409 (unlock it first). Each
edit returns what the audit entry records.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import InvalidState, ValidationFailed
from peerpear.models import PairingGroup, PairingGroupMember
from peerpear.pairing.state import PairingState
from peerpear.pairing.working_schemas import (
    Edit,
    ExcludeEdit,
    IncludeEdit,
    LockEdit,
    MoveEdit,
    SwapEdit,
    UnlockEdit,
    UnplaceEdit,
)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field}: {message}",
        details=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


def _registration(state: PairingState, field: str, registration_id: int) -> int:
    if registration_id not in state.people:
        raise _invalid(field, f"registration {registration_id} is not one of this event's")
    return registration_id


def _group(state: PairingState, group_id: int) -> PairingGroup:
    group = next((g for g in state.groups if g.id == group_id), None)
    if group is None:
        raise _invalid("group_id", f"group {group_id} is not a group of this pairing")
    return group


def _placed(state: PairingState, field: str, registration_id: int) -> PairingGroupMember:
    member = state.member(_registration(state, field, registration_id))
    if member is None:
        raise _invalid(field, f"registration {registration_id} is not placed in a group")
    return member


def _unlocked(state: PairingState, group_id: int, doing: str) -> None:
    group = _group(state, group_id)
    if group.locked:
        shown = [g.id for g, _ in state.grouped()]  # positions as the client sees them
        position = shown.index(group.id) if group.id in shown else group.position
        raise InvalidState(
            f"cannot {doing}: group {position} is locked; unlock it first",
            details={"group_id": group.id, "locked": True},
        )


def _set_excluded(state: PairingState, registration_id: int, excluded: bool) -> None:
    current = state.excluded
    wanted = current | {registration_id} if excluded else current - {registration_id}
    if wanted != current:  # a new list: the JSON column notices assignment, not mutation
        state.pairing.excluded_registration_ids = sorted(wanted)


async def _new_group(db: AsyncSession, state: PairingState) -> PairingGroup:
    group = PairingGroup(pairing_id=state.pairing.id, position=len(state.groups), locked=False)
    db.add(group)
    await db.flush()
    state.groups.append(group)
    return group


async def _move(db: AsyncSession, state: PairingState, edit: MoveEdit) -> dict[str, Any]:
    rid = _registration(state, "registration_id", edit.registration_id)
    member = state.member(rid)
    if edit.group_id is not None:
        _group(state, edit.group_id)  # 422 before 409: the group must exist at all
    if member is not None:
        _unlocked(state, member.group_id, "move someone out of their group")
    if edit.group_id is not None:
        _unlocked(state, edit.group_id, "move someone into the group")
    target = _group(state, edit.group_id) if edit.group_id else await _new_group(db, state)
    _set_excluded(state, rid, False)
    if member is None:
        member = PairingGroupMember(
            group_id=target.id, pairing_id=state.pairing.id, registration_id=rid
        )
        db.add(member)
        state.members.append(member)
    else:
        member.group_id = target.id
    await db.flush()
    return {"registration_id": rid, "group_id": target.id}


async def _take_out(db: AsyncSession, state: PairingState, member: PairingGroupMember) -> None:
    state.members.remove(member)
    await db.delete(member)


async def _unplace(db: AsyncSession, state: PairingState, edit: UnplaceEdit) -> dict[str, Any]:
    member = _placed(state, "registration_id", edit.registration_id)
    _unlocked(state, member.group_id, "take someone out of their group")
    await _take_out(db, state, member)
    return {"registration_id": edit.registration_id, "group_id": member.group_id}


async def _swap(db: AsyncSession, state: PairingState, edit: SwapEdit) -> dict[str, Any]:
    a = _placed(state, "registration_a", edit.registration_a)
    b = _placed(state, "registration_b", edit.registration_b)
    if a.group_id == b.group_id:
        raise _invalid("registration_b", "both people are in the same group; nothing to swap")
    for member in (a, b):
        _unlocked(state, member.group_id, "swap someone out of their group")
    a.group_id, b.group_id = b.group_id, a.group_id
    return {"registration_ids": [a.registration_id, b.registration_id]}


async def _lock(
    db: AsyncSession, state: PairingState, edit: LockEdit | UnlockEdit
) -> dict[str, Any]:
    _group(state, edit.group_id).locked = edit.op == "lock"
    return {"group_id": edit.group_id}


async def _exclude(db: AsyncSession, state: PairingState, edit: ExcludeEdit) -> dict[str, Any]:
    rid = _registration(state, "registration_id", edit.registration_id)
    member = state.member(rid)
    if member is not None:
        _unlocked(state, member.group_id, "exclude someone from a locked group")
        await _take_out(db, state, member)
    _set_excluded(state, rid, True)
    return {"registration_id": rid}


async def _include(db: AsyncSession, state: PairingState, edit: IncludeEdit) -> dict[str, Any]:
    rid = _registration(state, "registration_id", edit.registration_id)
    _set_excluded(state, rid, False)
    return {"registration_id": rid}


async def apply_edit(db: AsyncSession, state: PairingState, edit: Edit) -> dict[str, Any]:
    """Make ``edit`` on ``state`` (flushed); what it did, for the audit log."""
    if isinstance(edit, MoveEdit):
        done = await _move(db, state, edit)
    elif isinstance(edit, UnplaceEdit):
        done = await _unplace(db, state, edit)
    elif isinstance(edit, SwapEdit):
        done = await _swap(db, state, edit)
    elif isinstance(edit, LockEdit | UnlockEdit):
        done = await _lock(db, state, edit)
    elif isinstance(edit, ExcludeEdit):
        done = await _exclude(db, state, edit)
    else:
        done = await _include(db, state, edit)
    await db.flush()
    return {"op": edit.op, **done}
