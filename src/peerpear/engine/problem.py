"""The problem format of DESIGN §3 as Pydantic models.

``Problem.model_validate(data)`` checks everything that can be checked without solving: ids,
answer types, options, scale bounds, roles for the mode, rule ids. Whether the rules can all hold
together (sizes, must-pair chains, ...) is checked by ``plan.build_plan`` and, where that cannot
tell, by the solvers (``Infeasible`` / ``NoSolutionFound``). ``parse_problem`` wraps validation
errors into a one-line ``EngineError``.

Conventions worth knowing:
- a scale question without bounds is 1..5;
- a choice question without ``options`` accepts any value;
- an answer that is ``null``, ``""`` or ``[]`` counts as not answered (no signal);
- a scale answer may be a number or a numeric string; it is stored as a float;
- roles: ``big|little|either`` in big_little (missing role = either), ``mentor|mentee`` in
  mentor mode (required), ignored in pairs/groups.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peerpear.engine.errors import EngineError

QuestionType = Literal["text", "single_choice", "multi_choice", "scale"]
QuestionMode = Literal["similar", "different"]
Mode = Literal["pairs", "groups", "big_little", "mentor"]
Objective = Literal["fair", "total"]  # see objective.py
Role = Literal["big", "little", "either", "mentor", "mentee"]
AnswerValue = str | float | int | list[str] | None

DEFAULT_SCALE_MIN = 1.0
DEFAULT_SCALE_MAX = 5.0
ROLES_BY_MODE: dict[str, frozenset[str]] = {
    "big_little": frozenset({"big", "little", "either"}),
    "mentor": frozenset({"mentor", "mentee"}),
}


class Question(BaseModel):
    """A question that takes part in matching."""

    id: str = Field(min_length=1)
    type: QuestionType
    options: list[str] | None = None
    min: float | None = None
    max: float | None = None
    weight: float = Field(default=1.0, ge=0)
    mode: QuestionMode = "similar"
    prompt: str | None = None

    @model_validator(mode="after")
    def _scale_bounds(self) -> Question:
        if self.type == "scale":
            lo = DEFAULT_SCALE_MIN if self.min is None else self.min
            hi = DEFAULT_SCALE_MAX if self.max is None else self.max
            if hi <= lo:
                raise ValueError(f"question {self.id!r}: scale max {hi:g} must exceed min {lo:g}")
            self.min, self.max = lo, hi
        return self

    @property
    def label(self) -> str:
        """Human-readable text for explanations."""
        return self.prompt or self.id


class Participant(BaseModel):
    """A participant and their answers (keyed by question id)."""

    id: str = Field(min_length=1)
    role: Role | None = None
    answers: dict[str, AnswerValue] = Field(default_factory=dict)
    attributes: dict[str, str] = Field(default_factory=dict)
    name: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.id


class NoIsolationRule(BaseModel):
    """A group has either nobody or at least two people whose ``attribute`` equals ``value``."""

    attribute: str
    value: str


class PairingSettings(BaseModel):
    """Solver settings (the ``settings`` object of the problem JSON).

    ``group_size`` defaults to 2 in pairs/big_little and 4 in groups. In groups mode with only
    ``group_size`` set, sizes differ by at most one and none is below ``min_size`` (default 2);
    explicit ``min_size``/``max_size`` allow any size in that range. ``must_pair`` lists people
    who must share a group (lists of two or more ids); ``never_pair`` and ``history`` list groups
    of ids in which every pair is forbidden / penalized by ``history_penalty`` (history may name
    people who are not in this event; they are ignored). ``time_limit_s`` is the run's budget,
    counted from the start of ``solve`` (default min(10, 2 + n / 1000) seconds): the search stops
    at 75% of it, leaving the rest for checking and reporting; the affinity is not interrupted.
    Small inputs stop at a local optimum long before, so their results never depend on timing.
    When the search's grouping breaks a hard rule, an exact model gets what is left of 90% of the
    budget, at least one second; if that runs out too, the run fails with ``NoSolutionFound``.

    The number of groups: pairs n // 2; groups n / group_size rounded (at most n // min_size),
    but with explicit min_size/max_size any number whose sizes fit keeps the rules (the rounded
    count is where the solver starts; the exact fallback may use another); big_little the
    rounded count, but at most the number of groups that can each have a big and a little
    (``either`` people counted toward the shorter side), and with group_size 2 exactly that;
    mentor one group per mentor. In big_little each side is spread evenly over the groups
    (counts differ by at most one).
    """

    model_config = ConfigDict(extra="forbid")

    mode: Mode = "pairs"
    group_size: int | None = Field(default=None, ge=2)
    min_size: int | None = Field(default=None, ge=2)
    max_size: int | None = Field(default=None, ge=2)
    capacity: int = Field(default=1, ge=1)
    objective: Objective = "fair"
    seed: int = 0
    time_limit_s: float | None = Field(default=None, gt=0)
    must_pair: list[list[str]] = Field(default_factory=list)
    never_pair: list[list[str]] = Field(default_factory=list)
    history: list[list[str]] = Field(default_factory=list)
    history_penalty: float = Field(default=0.5, ge=0)
    no_isolation: list[NoIsolationRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sizes(self) -> PairingSettings:
        lo, hi = self.min_size, self.max_size
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"min_size {self.min_size} exceeds max_size {self.max_size}")
        for key in ("must_pair", "never_pair", "history"):
            for ids in getattr(self, key):
                if len(ids) < 2:
                    raise ValueError(f"{key} entry {ids} needs at least two ids")
        return self

    @property
    def target_size(self) -> int:
        if self.group_size is not None:
            return self.group_size
        return 4 if self.mode == "groups" else 2


def _normalize_answer(q: Question, pid: str, value: AnswerValue) -> AnswerValue:
    """Checks one answer against its question and returns its canonical form."""
    where = f"participant {pid!r}, question {q.id!r}"
    if value is None or value == "" or value == []:
        return None
    if q.type == "scale":
        if isinstance(value, bool | list):
            raise ValueError(f"{where}: expected a number, got {value!r}")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{where}: expected a number, got {value!r}") from None
        assert q.min is not None and q.max is not None
        if not q.min <= number <= q.max:
            raise ValueError(f"{where}: {number:g} is outside the scale {q.min:g}..{q.max:g}")
        return number
    if q.type == "multi_choice":
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list of options, got {value!r}")
        picked = list(dict.fromkeys(value))  # drop duplicates, keep order
        for item in picked:
            _check_option(q, where, item)
        return picked
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected text, got {value!r}")
    if q.type == "single_choice":
        _check_option(q, where, value)
    return value


def _check_option(q: Question, where: str, value: object) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected an option string, got {value!r}")
    if q.options is not None and value not in q.options:
        raise ValueError(f"{where}: {value!r} is not one of the options {q.options}")


class Problem(BaseModel):
    """Questions, participants and settings: everything the engine needs."""

    questions: list[Question]
    participants: list[Participant]
    settings: PairingSettings = Field(default_factory=PairingSettings)

    @model_validator(mode="after")
    def _consistent(self) -> Problem:
        questions = {q.id: q for q in self.questions}
        if len(questions) != len(self.questions):
            raise ValueError(
                f"duplicate question id {_first_duplicate(q.id for q in self.questions)!r}"
            )
        ids = [p.id for p in self.participants]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate participant id {_first_duplicate(ids)!r}")
        if len(ids) < 2:
            raise ValueError(f"too few participants: {len(ids)} (at least 2 are needed)")
        mode = self.settings.mode
        allowed_roles = ROLES_BY_MODE.get(mode)
        for p in self.participants:
            for qid, value in list(p.answers.items()):
                if qid not in questions:
                    raise ValueError(f"participant {p.id!r} answers unknown question {qid!r}")
                p.answers[qid] = _normalize_answer(questions[qid], p.id, value)
            if allowed_roles is None:
                continue
            if p.role is None and mode == "mentor":
                raise ValueError(
                    f"participant {p.id!r} has no role; mentor mode needs mentor or mentee"
                )
            if p.role is not None and p.role not in allowed_roles:
                raise ValueError(
                    f"participant {p.id!r} has role {p.role!r}, not valid in {mode} mode "
                    f"(use {', '.join(sorted(allowed_roles))})"
                )
        known = set(ids)
        s = self.settings
        for key, groups in (("must_pair", s.must_pair), ("never_pair", s.never_pair)):
            for group in groups:
                for pid in group:
                    if pid not in known:
                        raise ValueError(f"{key} names unknown participant {pid!r}")
        # History may mention people from earlier events who are not here; they are ignored.
        return self

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.participants]


def _first_duplicate(values: Any) -> str:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return str(value)
        seen.add(value)
    return ""


def parse_problem(data: Any) -> Problem:
    """Validates problem JSON, turning a validation failure into a one-line ``EngineError``."""
    try:
        return Problem.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise EngineError(f"{where}: {message}" if where else message) from None
