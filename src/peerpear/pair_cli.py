"""`peerpear pair`: run the pairing engine on a JSON problem or a form's CSV export.

Bad input ends the command with exit code 2 and one line on stderr naming the reason; the
traceback is never shown because the reader is an organizer, not a developer.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from peerpear.engine import Cancelled, EngineError, NoSolutionFound, Problem, Result, parse_problem
from peerpear.engine.csv_config import (
    CsvConfigError,
    CsvOptions,
    load_csv_options,
    overrides_from_flags,
)
from peerpear.engine.csv_reader import ColumnReport, CsvReadError, read_csv_problem

BAD_INPUT_EXIT = 2  # bad input, or rules that provably cannot all hold
NOT_FOUND_EXIT = 1  # no valid grouping found in the time limit (nothing proven)
INTERRUPTED_EXIT = 130
CSV_SUFFIXES = (".csv", ".tsv")
# Runs shorter than this finish before a bar would be readable, so none is drawn.
PROGRESS_DELAY_S = 0.5


class InputError(Exception):
    """Anything wrong with what the user gave us; the message is the one line we print."""


def pair_command(
    problem_file: Path = typer.Argument(..., metavar="PROBLEM.json|RESPONSES.csv"),
    mode: str | None = typer.Option(None, help="pairs | groups | big_little | mentor."),
    group_size: int | None = typer.Option(None, help="Target group size."),
    min_size: int | None = typer.Option(None, help="Smallest allowed group."),
    max_size: int | None = typer.Option(None, help="Largest allowed group."),
    capacity: int | None = typer.Option(None, help="Mentees per mentor (mode mentor)."),
    objective: str | None = typer.Option(None, help="fair (protect the worst-off) | total."),
    seed: int | None = typer.Option(None, help="Random seed; same input and seed, same result."),
    time_limit: float | None = typer.Option(None, metavar="SECONDS", help="Solver time limit."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="RESULT.json|RESULT.csv"),
    id_column: str | None = typer.Option(None, help="CSV: column with participant ids."),
    role_column: str | None = typer.Option(None, help="CSV: column with roles."),
    name_column: str | None = typer.Option(None, help="CSV: column with display names."),
    attribute_column: list[str] = typer.Option(
        [], help="CSV: column kept as an attribute (for --no-isolation); repeatable."
    ),
    ignore_column: list[str] = typer.Option([], help="CSV: column to skip; repeatable."),
    question_type: list[str] = typer.Option(
        [], "--type", metavar="COLUMN=TYPE", help="CSV: text|single_choice|multi_choice|scale."
    ),
    weight: list[str] = typer.Option([], metavar="COLUMN=WEIGHT", help="CSV: question weight."),
    question_mode: list[str] = typer.Option(
        [], metavar="COLUMN=MODE", help="CSV: similar | different for one question."
    ),
    config: Path | None = typer.Option(None, help="CSV: JSON or TOML file naming the columns."),
    no_isolation: list[str] = typer.Option(
        [], metavar="ATTRIBUTE=VALUE", help="No group has exactly one person with this value."
    ),
    show: int = typer.Option(50, help="Groups to print in the table (0 = all)."),
) -> None:
    """Pair the participants of PROBLEM.json or RESPONSES.csv and print the groups."""
    from peerpear.engine import solve  # loads the solvers only when a command needs them

    console = Console()
    errors = Console(stderr=True)
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "mode": mode,
            "group_size": group_size,
            "min_size": min_size,
            "max_size": max_size,
            "capacity": capacity,
            "objective": objective,
            "seed": seed,
            "time_limit_s": time_limit,
        }.items()
        if value is not None
    }
    try:
        if no_isolation:
            overrides["no_isolation"] = _isolation_rules(no_isolation)
        csv_flags = CsvOptions(
            id_column=id_column,
            role_column=role_column,
            name_column=name_column,
            attribute_columns=attribute_column,
            ignore_columns=ignore_column,
            questions=overrides_from_flags(question_type, weight, question_mode),
        )
        if output is not None and output.suffix.lower() not in (".json", ".csv"):
            raise InputError(f"--output must end in .json or .csv, got {output.name!r}")
        problem = _load_problem(problem_file, overrides, csv_flags, config, console)
        with LazyProgress(errors) as progress:
            result = solve(problem, progress=progress.update)
    except (Cancelled, KeyboardInterrupt):
        errors.print("[yellow]cancelled[/]")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except NoSolutionFound as exc:  # nothing proven: the run failed, the input may be fine
        _fail(errors, str(exc), NOT_FOUND_EXIT)
    except (InputError, CsvReadError, CsvConfigError, EngineError) as exc:  # Infeasible too
        _fail(errors, str(exc))

    print_result(console, problem, result, show)
    if output is not None:
        try:
            write_result(output, problem, result)
        except OSError as exc:
            _fail(errors, f"cannot write {output}: {exc.strerror or exc}")
        console.print(f"wrote {output}")


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
        print_column_report(console, read.columns)
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
        self._task = TaskID(0)

    def __enter__(self) -> LazyProgress:
        return self

    def update(self, fraction: float) -> None:
        if self._bar is None:
            if time.perf_counter() - self._started < PROGRESS_DELAY_S:
                return
            self._bar = Progress(console=self._console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("pairing", total=1.0)
        self._bar.update(self._task, completed=min(max(fraction, 0.0), 1.0))

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


def print_column_report(console: Console, columns: list[ColumnReport]) -> None:
    """Show how each CSV column was read, so a wrong guess is caught before pairing."""
    table = Table(title="CSV columns", title_justify="left")
    for heading in ("column", "used as", "question id", "type", "how"):
        table.add_column(heading)
    for col in columns:
        how = f"inferred: {col.detail}" if col.inferred else col.detail
        table.add_row(col.header, col.use, col.question_id or "", col.type or "", how)
    console.print(table)


def print_result(console: Console, problem: Problem, result: Result, show: int) -> None:
    """The groups as a table (at most `show` rows, 0 = all) and the metrics on one line."""
    people = {p.id: p for p in problem.participants}
    roles = problem.settings.mode in ("big_little", "mentor")
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
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "participant_id",
                "name",
                "role",
                "group",
                "group_members",
                "satisfaction",
                "explanation",
            ]
        )
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
