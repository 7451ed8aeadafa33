"""The `peerpear` command's import boundary: each command loads only what it uses.

Start-up time is measured by `benchmarks/cli/startup.py`; these tests guard its structural
cause, in a fresh interpreter each: `--help` must not load the web, database or engine stacks,
and `pair` on choice and scale questions must not load them either, nor the libraries of the
solver paths it does not take (networkx for tiny inputs, scikit-learn for free text).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

WEB_AND_DATABASE = {
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "aiosqlite",
    "pydantic_settings",
    "argon2",
}
SOLVER_EXTRAS = {"networkx", "sklearn", "ortools", "wordllama", "tokenizers"}
ENGINE = {"numpy", "scipy", "peerpear.engine", "pydantic"}

PROBE = """
import json, sys
from peerpear.cli import app
try:
    app(sys.argv[1:], prog_name="peerpear")
except SystemExit as exit:
    if exit.code:
        raise
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(tmp_path: Path, *args: str) -> set[str]:
    """Modules (and their top-level packages) in sys.modules after `peerpear ARGS` ran."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    return modules | {name.split(".")[0] for name in modules}


def write_form(path: Path, people: int) -> Path:
    """A form export with choice and scale questions only."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", "Email Address", "Your name", "Year", "Hobbies", "Energy"])
        for i in range(people):
            hobbies = ["Hiking, Gaming", "Cooking", "Reading, Hiking"][i % 3]
            row = ["2026-09-01", f"s{i}@x.edu", f"Student {i}", str(2026 + i % 4), hobbies]
            writer.writerow([*row, str(1 + i % 5)])
    return path


def test_importing_the_command_loads_no_web_database_or_engine_module() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, peerpear.cli; print(json.dumps(list(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = set(json.loads(done.stdout))
    modules |= {name.split(".")[0] for name in modules}
    assert sorted(modules & (WEB_AND_DATABASE | SOLVER_EXTRAS | ENGINE | {"rich"})) == []


@pytest.mark.parametrize("args", [("--help",), ("pair", "--help"), ("db", "--help")])
def test_help_loads_no_web_database_or_engine_module(tmp_path: Path, args: tuple[str]) -> None:
    loaded = loaded_after(tmp_path, *args)
    unused = WEB_AND_DATABASE | SOLVER_EXTRAS | {"numpy", "scipy", "peerpear.engine"}
    assert sorted(loaded & unused) == []


@pytest.mark.parametrize("mode", ["pairs", "groups"])
def test_pair_on_choice_and_scale_questions_loads_only_its_solver(
    tmp_path: Path, mode: str
) -> None:
    # 60 people: above the exact matching's size (networkx), below the dense limit.
    form = write_form(tmp_path / "form.csv", 60)
    loaded = loaded_after(tmp_path, "pair", str(form), "--mode", mode, "--show", "1")
    assert "peerpear.engine.solve" in loaded  # the run really solved
    assert sorted(loaded & (WEB_AND_DATABASE | SOLVER_EXTRAS)) == []
