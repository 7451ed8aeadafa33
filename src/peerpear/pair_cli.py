"""`peerpear pair`: the command's options and help.

Every `peerpear` command imports this module (typer builds the whole command line at start-up),
so it imports typer and nothing else: the engine, the CSV reader and rich load inside the
command, from `pair_run`, once a pairing actually runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

BAD_INPUT_EXIT = 2  # bad input, or rules that provably cannot all hold
NOT_FOUND_EXIT = 1  # no valid grouping found in the time limit (nothing proven)
INTERRUPTED_EXIT = 130

SETTINGS = "Pairing settings (flags win over the file's settings)"
CSV = "CSV columns (a form export)"
OUTPUT = "Output"


def pair_command(
    problem_file: Path = typer.Argument(
        ..., metavar="FILE", help="A problem .json, or a form export .csv/.tsv.", show_default=False
    ),
    mode: str | None = typer.Option(
        None,
        metavar="MODE",
        help="pairs, groups, big_little or mentor.",
        show_default="pairs",
        rich_help_panel=SETTINGS,
    ),
    group_size: int | None = typer.Option(
        None,
        metavar="N",
        help="Target group size.",
        show_default="2; 4 in groups",
        rich_help_panel=SETTINGS,
    ),
    min_size: int | None = typer.Option(
        None,
        metavar="N",
        help="Smallest allowed group.",
        show_default="2",
        rich_help_panel=SETTINGS,
    ),
    max_size: int | None = typer.Option(
        None,
        metavar="N",
        help="Largest allowed group.",
        show_default="none: sizes differ by at most 1",
        rich_help_panel=SETTINGS,
    ),
    capacity: int | None = typer.Option(
        None,
        metavar="N",
        help="Mentees per mentor (mentor mode).",
        show_default="1",
        rich_help_panel=SETTINGS,
    ),
    objective: str | None = typer.Option(
        None,
        metavar="NAME",
        help="fair (protect the worst-off) or total.",
        show_default="fair",
        rich_help_panel=SETTINGS,
    ),
    seed: int | None = typer.Option(
        None,
        metavar="N",
        help="Random seed: same input and seed, same result.",
        show_default="0",
        rich_help_panel=SETTINGS,
    ),
    time_limit: float | None = typer.Option(
        None,
        metavar="SECONDS",
        help="Solver time limit.",
        show_default="2 + n/1000, at most 10",
        rich_help_panel=SETTINGS,
    ),
    embedder: str | None = typer.Option(
        None,
        metavar="NAME",
        help="Free text compared by meaning (semantic: needs the 'semantic' extra), by shared "
        "words (tfidf), or auto: semantic when installed.",
        show_default="auto",
        envvar="PEERPEAR_TEXT_EMBEDDER",
        show_envvar=False,
        rich_help_panel=SETTINGS,
    ),
    no_isolation: list[str] = typer.Option(
        [],
        metavar="ATTR=VALUE",
        help="No group has exactly one person with this attribute value; repeatable.",
        show_default=False,
        rich_help_panel=SETTINGS,
    ),
    config: Path | None = typer.Option(
        None,
        metavar="FILE",
        help="JSON or TOML file naming the columns (see the README).",
        show_default=False,
        rich_help_panel=CSV,
    ),
    delimiter: str | None = typer.Option(
        None,
        metavar="CHAR",
        help="Cell separator: ',', ';', 'tab' or '|'.",
        show_default="detected",
        rich_help_panel=CSV,
    ),
    id_column: str | None = typer.Option(
        None,
        metavar="COLUMN",
        help="Participant ids.",
        show_default="an id or email header, else row numbers",
        rich_help_panel=CSV,
    ),
    role_column: str | None = typer.Option(
        None,
        metavar="COLUMN",
        help="Roles (Big Sibling, Mentee, ...).",
        show_default="role labels, in big_little and mentor mode",
        rich_help_panel=CSV,
    ),
    name_column: str | None = typer.Option(
        None,
        metavar="COLUMN",
        help="Display names.",
        show_default="a name header",
        rich_help_panel=CSV,
    ),
    attribute_column: list[str] = typer.Option(
        [],
        metavar="COLUMN",
        help="Kept as an attribute (for --no-isolation); repeatable.",
        show_default=False,
        rich_help_panel=CSV,
    ),
    ignore_column: list[str] = typer.Option(
        [], metavar="COLUMN", help="Skipped; repeatable.", show_default=False, rich_help_panel=CSV
    ),
    question_type: list[str] = typer.Option(
        [],
        "--type",
        metavar="COLUMN=TYPE",
        help="text, single_choice, multi_choice or scale; makes any column a question.",
        show_default="inferred",
        rich_help_panel=CSV,
    ),
    weight: list[str] = typer.Option(
        [],
        metavar="COLUMN=W",
        help="Weight of a question.",
        show_default="1",
        rich_help_panel=CSV,
    ),
    question_mode: list[str] = typer.Option(
        [],
        metavar="COLUMN=MODE",
        help="similar or different answers matched.",
        show_default="similar",
        rich_help_panel=CSV,
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write the result to a .json or .csv file.",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
    show: int = typer.Option(
        50, metavar="N", help="Groups to print (0 = all).", rich_help_panel=OUTPUT
    ),
) -> None:
    """Pair the participants of a problem .json or a form export .csv and print the groups.

    A CSV's columns are shown with how each was read (and what was guessed) before pairing.
    """
    from peerpear.pair_run import PairArgs, run_pair  # the engine loads only when pairing

    settings = {
        "mode": mode,
        "group_size": group_size,
        "min_size": min_size,
        "max_size": max_size,
        "capacity": capacity,
        "objective": objective,
        "seed": seed,
        "time_limit_s": time_limit,
    }
    columns = {
        "id_column": id_column,
        "role_column": role_column,
        "name_column": name_column,
        "attribute_columns": attribute_column,
        "ignore_columns": ignore_column,
        "delimiter": delimiter,
    }
    run_pair(
        PairArgs(
            problem_file=problem_file,
            settings={key: value for key, value in settings.items() if value is not None},
            columns={key: value for key, value in columns.items() if value},
            types=question_type,
            weights=weight,
            question_modes=question_mode,
            config=config,
            no_isolation=no_isolation,
            output=output,
            show=show,
            embedder=embedder,
        )
    )
