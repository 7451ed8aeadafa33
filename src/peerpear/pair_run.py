"""What `peerpear pair` does once its options are parsed: load a JSON problem or a form export,
solve it (with a progress bar on long runs), print the groups and write the result.

Bad input ends the command with exit code 2 and one line on stderr naming the reason; the
traceback is never shown because the reader is an organizer, not a developer.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from peerpear.engine import Cancelled, EngineError, NoSolutionFound, Problem, Result, parse_problem
from peerpear.engine.csv_config import (
    CsvConfigError,
    CsvOptions,
    load_csv_options,
    options_from_flags,
)
from peerpear.engine.csv_reader import ColumnReport, CsvProblem, CsvReadError, read_csv_problem
from peerpear.engine.problem import ROLES_BY_MODE
from peerpear.pair_cli import BAD_INPUT_EXIT, INTERRUPTED_EXIT, NOT_FOUND_EXIT

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from peerpear.engine import Embedder

CSV_SUFFIXES = (".csv", ".tsv")
# Runs shorter than this finish before a bar would be readable, so none is drawn.
PROGRESS_DELAY_S = 0.5


class InputError(Exception):
    """Anything wrong with what the user gave us; the message is the one line we print."""


@dataclass(frozen=True)
class PairArgs:
    """The command line, parsed: settings and CSV columns hold only the flags given."""

    problem_file: Path
    settings: dict[str, Any]
    columns: dict[str, Any]
    types: list[str]
    weights: list[str]
    question_modes: list[str]
    config: Path | None
    no_isolation: list[str]
    output: Path | None
    show: int
    embedder: str | None = None  # auto | semantic | tfidf (None: PEERPEAR_TEXT_EMBEDDER, auto)


def run_pair(args: PairArgs) -> None:
    from peerpear.engine import solve  # looked up at call time: the solvers load here
    from peerpear.engine.semantic import SemanticUnavailable

    console = Console()
    errors = Console(stderr=True)
    try:
        settings = dict(args.settings)
        if args.no_isolation:
            settings["no_isolation"] = _isolation_rules(args.no_isolation)
        csv_flags = options_from_flags(args.columns, args.types, args.weights, args.question_modes)
        output = args.output
        if output is not None and output.suffix.lower() not in (".json", ".csv"):
            raise InputError(f"--output must end in .json or .csv, got {output.name!r}")
        problem = _load_problem(args.problem_file, settings, csv_flags, args.config, console)
        _check_roles(problem, args.problem_file)
        embedder = _text_embedder(args.embedder, problem)
        _say_embedder(console, problem, embedder)
        with LazyProgress(errors) as progress:
            result = solve(problem, embedder=embedder, progress=progress.update)
    except (Cancelled, KeyboardInterrupt):
        errors.print("[yellow]cancelled[/]")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except NoSolutionFound as exc:  # nothing proven: the run failed, the input may be fine
        _fail(errors, str(exc), NOT_FOUND_EXIT)
    except (InputError, CsvReadError, CsvConfigError, EngineError) as exc:  # Infeasible too
        _fail(errors, str(exc))
    except SemanticUnavailable as exc:  # --embedder semantic without the extra
        _fail(errors, str(exc))

    print_result(console, problem, result, args.show)
    if output is not None:
        try:
            write_result(output, problem, result)
        except OSError as exc:
            _fail(errors, f"cannot write {output}: {exc.strerror or exc}")
        console.print(f"wrote {output}")


def _text_embedder(choice: str | None, problem: Problem) -> Embedder:
    """The embedder ``--embedder`` (or PEERPEAR_TEXT_EMBEDDER) names, with the vector cache of
    PEERPEAR_EMBEDDING_CACHE_DIR; semantic without the extra raises ``SemanticUnavailable``."""
    from peerpear.text_embedding import TextEmbedding

    try:
        text = TextEmbedding.from_env(choice)
    except ValueError as exc:
        raise InputError(f"--embedder: {exc}") from exc
    return text.embedder(problem.settings.seed)


def _say_embedder(console: Console, problem: Problem, embedder: Embedder) -> None:
    """One line on how free text is compared, when there is any."""
    from peerpear.engine.embedding import embedder_name

    texts = sum(1 for q in problem.questions if q.type == "text" and q.weight > 0)
    if not texts:
        return
    if embedder_name(embedder) == "semantic":
        how = "by meaning (semantic embedder)"
    else:
        how = "by shared words (TF-IDF; --embedder semantic, with the 'semantic' extra, by meaning)"
    console.print(f"free text ({texts} question{'s' * (texts > 1)}) compared {how}")


def _load_problem(
    path: Path,
    settings: dict[str, Any],
    csv_flags: CsvOptions,
    config: Path | None,
    console: Console,
) -> Problem:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        options = load_csv_options(config) if config is not None else CsvOptions()
        options = options.merged_with(csv_flags.model_copy(update={"settings": settings}))
        read = read_csv_problem(path, options)
        print_column_report(console, read)
        return read.problem
    if suffix != ".json":
        raise InputError(f"{path.name}: expected a .json problem or a .csv export")
    if csv_flags != CsvOptions() or config is not None:
        raise InputError("column options (--id-column, --config, ...) apply to CSV input only")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path.name} must hold a JSON object with questions and participants")
    if settings:
        base = data.get("settings") or {}
        if not isinstance(base, dict):
            raise InputError(f"{path.name}: settings must be an object")
        data["settings"] = {**base, **settings}
    return parse_problem(data)


def _check_roles(problem: Problem, path: Path) -> None:
    """A role mode with nobody's role given would pair at random sides and still say "valid"."""
    mode = problem.settings.mode
    if mode in ROLES_BY_MODE and not any(p.role for p in problem.participants):
        roles = " / ".join(sorted(ROLES_BY_MODE[mode]))
        raise InputError(
            f"{mode} mode needs roles ({roles}), and no participant of {path.name} has one"
        )


def _isolation_rules(values: list[str]) -> list[dict[str, str]]:
    rules = []
    for item in values:
        attribute, sep, value = item.partition("=")
        if not sep or not attribute.strip() or not value.strip():
            raise InputError(f"--no-isolation expects ATTRIBUTE=VALUE, got {item!r}")
        rules.append({"attribute": attribute.strip(), "value": value.strip()})
    return rules


def _fail(errors: Console, reason: str, code: int = BAD_INPUT_EXIT) -> None:
    # One physical line even when a library message spans several.
    errors.print(
        f"error: {' '.join(reason.split())}", markup=False, highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


class LazyProgress:
    """A progress bar that appears only once a run has taken longer than PROGRESS_DELAY_S."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._started = time.perf_counter()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> LazyProgress:
        return self

    def update(self, fraction: float) -> None:
        if self._bar is None:
            if time.perf_counter() - self._started < PROGRESS_DELAY_S:
                return
            from rich.progress import Progress  # most runs end before a bar is drawn

            self._bar = Progress(console=self._console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("pairing", total=1.0)
        assert self._task is not None
        self._bar.update(self._task, completed=min(max(fraction, 0.0), 1.0))

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


def print_column_report(console: Console, read: CsvProblem) -> None:
    """Show how each CSV column was read, so a wrong guess is caught before pairing."""
    how_split = "detected" if read.delimiter_detected else "given"
    title = f"CSV columns (separated by {read.delimiter!r}, {how_split})"
    table = Table(title=title, title_justify="left")
    for heading in ("column", "used as", "question id", "type", "how"):
        table.add_column(heading)
    for col in read.columns:
        table.add_row(col.header, col.use, col.question_id or "", col.type or "", _how(col))
    console.print(table)


def _how(col: ColumnReport) -> str:
    if col.inferred and col.use == "question":
        return f"inferred: {col.detail}"
    return col.detail


def print_result(console: Console, problem: Problem, result: Result, show: int) -> None:
    """The groups as a table (at most `show` rows, 0 = all) and the metrics on one line."""
    people = {p.id: p for p in problem.participants}
    roles = problem.settings.mode in ROLES_BY_MODE
    table = Table(title=f"{len(result.groups)} groups ({result.mode})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("members")
    table.add_column("score", justify="right")
    shown = result.groups if show <= 0 else result.groups[:show]
    for number, group in enumerate(shown, start=1):
        names = [
            people[m].display_name + (f" ({people[m].role})" if roles and people[m].role else "")
            for m in group.members
        ]
        table.add_row(str(number), ", ".join(names), f"{group.score:.3f}")
    console.print(table)
    if len(shown) < len(result.groups):
        console.print(f"... and {len(result.groups) - len(shown)} more groups (see --output)")
    m = result.metrics
    console.print(
        f"satisfaction mean {m.mean_satisfaction:.3f}, min {m.min_satisfaction:.3f}, "
        f"p10 {m.p10_satisfaction:.3f}; upper bound {m.upper_bound:.3f} (gap {m.gap:.3f}); "
        f"{m.solver or 'solver'} in {m.runtime_s:.2f} s; "
        + ("valid" if result.validation.ok else "[red]INVALID[/]")
    )


def write_result(path: Path, problem: Problem, result: Result) -> None:
    """JSON: the Result as is. CSV: one row per participant, in the problem's order."""
    if path.suffix.lower() == ".json":
        path.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return
    people = {p.id: p for p in problem.participants}
    outcomes = {p.id: p for p in result.participants}
    header = ["participant_id", "name", "role", "group", "group_members", "satisfaction"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "explanation"])
        for pid, person in people.items():
            outcome = outcomes[pid]
            members = result.groups[outcome.group].members
            writer.writerow(
                [
                    pid,
                    person.name or "",
                    person.role or "",
                    outcome.group + 1,
                    "; ".join(m for m in members if m != pid),
                    f"{outcome.satisfaction:.4f}",
                    outcome.explanation,
                ]
            )
