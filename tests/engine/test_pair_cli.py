"""`peerpear pair` end to end: real files in tmp_path, exit codes, output files, error lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner, Result

import peerpear.engine
from peerpear import pair_cli, pair_run
from peerpear.cli import app as peerpear_app
from peerpear.engine import Cancelled
from peerpear.pair_cli import BAD_INPUT_EXIT, pair_command

HOBBIES = ["Hiking", "Gaming", "Cooking", "Reading"]

runner = CliRunner()
pair_app = typer.Typer()
pair_app.command()(pair_command)


def problem_data(n: int = 8, **settings: Any) -> dict[str, Any]:
    """n participants with two clusters of answers, bigs and littles alternating."""
    participants = [
        {
            "id": f"p{i}",
            "name": f"Person {i}",
            "role": "big" if i % 2 == 0 else "little",
            "answers": {
                "hobbies": HOBBIES[:2] if i < n // 2 else HOBBIES[2:],
                "year": "2027" if i % 3 else "2028",
                "energy": 1 + i % 5,
                "about": "I love trail running" if i < n // 2 else "Board games and tea",
            },
        }
        for i in range(n)
    ]
    return {
        "questions": [
            {"id": "hobbies", "type": "multi_choice", "options": HOBBIES, "weight": 2},
            {
                "id": "year",
                "type": "single_choice",
                "options": ["2027", "2028"],
                "mode": "different",
            },
            {"id": "energy", "type": "scale", "min": 1, "max": 5},
            {"id": "about", "type": "text"},
        ],
        "participants": participants,
        "settings": {"mode": "pairs", "seed": 0, **settings},
    }


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run(*args: str | Path) -> Result:
    return runner.invoke(pair_app, [str(arg) for arg in args])


def assert_fails_with(result: Result, reason: str) -> None:
    assert result.exit_code == BAD_INPUT_EXIT, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert reason in lines[0]
    assert "Traceback" not in result.output


def test_json_pairs_writes_a_result_with_everyone_once(tmp_path: Path) -> None:
    problem = write_json(tmp_path / "problem.json", problem_data(9))
    out = tmp_path / "result.json"
    result = run(problem, "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    members = [m for group in data["groups"] for m in group["members"]]
    assert sorted(members) == sorted(f"p{i}" for i in range(9))
    # Nine people in pairs: three pairs and one trio.
    assert sorted(len(group["members"]) for group in data["groups"]) == [2, 2, 2, 3]
    assert data["validation"] == {"ok": True, "violations": []}
    assert {p["id"] for p in data["participants"]} == set(members)
    assert "Person 0" in result.stdout  # the table shows names
    assert "satisfaction mean" in result.stdout


def test_flags_override_the_files_settings(tmp_path: Path) -> None:
    problem = write_json(tmp_path / "problem.json", problem_data(12, mode="pairs"))
    out = tmp_path / "result.json"
    result = run(problem, "--mode", "groups", "--group-size", "4", "--seed", "3", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["mode"] == "groups"
    assert data["seed"] == 3
    assert [len(group["members"]) for group in data["groups"]] == [4, 4, 4]


def test_same_seed_gives_the_same_groups(tmp_path: Path) -> None:
    problem = write_json(tmp_path / "problem.json", problem_data(10, mode="groups"))
    outputs = []
    for name in ("a.json", "b.json"):
        assert run(problem, "--seed", "7", "-o", tmp_path / name).exit_code == 0
        outputs.append(json.loads((tmp_path / name).read_text())["groups"])
    assert outputs[0] == outputs[1]


def test_csv_export_big_little_to_csv_result(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    with responses.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", "Email", "Name", "Role", "Hobbies", "Energy"])
        for i in range(10):
            hobbies = "Hiking, Gaming" if i < 5 else "Cooking, Reading"
            role = "Big" if i < 4 else "little"
            writer.writerow(["2026-09-01", f"s{i}@x.edu", f"Student {i}", role, hobbies, 1 + i % 5])
    out = tmp_path / "result.csv"
    result = run(
        responses, "--id-column", "Email", "--role-column", "Role", "--name-column", "Name",
        "--mode", "big_little", "--output", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "inferred" in result.stdout  # the column report shows what was guessed
    assert "multi_choice" in result.stdout

    rows = list(csv.DictReader(out.open(newline="")))
    assert sorted(row["participant_id"] for row in rows) == sorted(f"s{i}@x.edu" for i in range(10))
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
        assert 0.0 <= float(row["satisfaction"]) <= 1.0
        assert row["explanation"]
    # 4 bigs, 6 littles: every group has at least one of each.
    assert len(groups) == 4
    for members in groups.values():
        assert {row["role"] for row in members} == {"big", "little"}
        ids = {row["participant_id"] for row in members}
        for row in members:
            assert set(row["group_members"].split("; ")) == ids - {row["participant_id"]}


def test_csv_with_config_file_and_isolation_rule(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    lines = ["rownames,A1,A2,gender,age"]
    lines += [f"{i},{1 + i % 6},{1 + (i * 5) % 6},{1 + i % 2},{18 + i}" for i in range(12)]
    responses.write_text("\n".join(lines) + "\n")
    config = tmp_path / "columns.toml"
    config.write_text(
        'id_column = "rownames"\nattribute_columns = ["gender"]\nignore_columns = ["age"]\n'
        '[settings]\nmode = "groups"\ngroup_size = 3\n'
    )
    out = tmp_path / "result.json"
    result = run(responses, "--config", config, "--no-isolation", "gender=2", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert len(data["groups"]) == 4
    women = {str(i) for i in range(12) if i % 2 == 1}
    for group in data["groups"]:
        assert len(women & set(group["members"])) != 1


def test_registered_on_the_peerpear_command(tmp_path: Path) -> None:
    problem = write_json(tmp_path / "problem.json", problem_data(4))
    result = runner.invoke(peerpear_app, ["pair", str(problem)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["participants"][0]["answers"].update(color="red"), "unknown question 'color'"),
        (lambda d: d["participants"][1]["answers"].update(energy="high"), "expected a number"),
        (lambda d: d.update(participants=d["participants"][:1]), "too few participants"),
        (lambda d: d["settings"].update(must_pair=[["p0", "p1", "p2", "p3"]]), "must"),
        (lambda d: d["settings"].update(never_pair=[["p0", "nobody"]]), "unknown participant"),
    ],
)
def test_bad_problems_exit_with_one_line(tmp_path: Path, change: Any, reason: str) -> None:
    data = problem_data(6)
    change(data)
    assert_fails_with(run(write_json(tmp_path / "p.json", data)), reason)


def test_unreadable_inputs_exit_with_one_line(tmp_path: Path) -> None:
    assert_fails_with(run(tmp_path / "missing.json"), "cannot read")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert_fails_with(run(broken), "not valid JSON")
    assert_fails_with(run(tmp_path / "notes.txt"), "expected a .json problem or a .csv")
    problem = write_json(tmp_path / "p.json", problem_data(4))
    assert_fails_with(run(problem, "--output", tmp_path / "r.xlsx"), "--output must end in")
    assert_fails_with(run(problem, "--id-column", "x"), "apply to CSV input only")
    assert_fails_with(run(problem, "--mode", "trios"), "mode")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,q\na,1\nb,2,3\n")
    assert_fails_with(run(ragged), "row 3 has 3 cells")


@pytest.mark.parametrize(("delay", "drawn"), [(0.0, True), (60.0, False)])
def test_progress_bar_appears_only_on_long_runs(
    monkeypatch: pytest.MonkeyPatch, delay: float, drawn: bool
) -> None:
    monkeypatch.setattr(pair_run, "PROGRESS_DELAY_S", delay)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    with pair_run.LazyProgress(console) as progress:
        for step in range(5):
            progress.update(step / 4)
    assert ("pairing" in screen.getvalue()) is drawn


def test_csv_answers_of_the_wrong_type_and_bad_overrides(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("id,Energy,Hobbies\na,3,Hiking\nb,high,Gaming\nc,2,Hiking\n")
    assert_fails_with(
        run(responses, "--type", "Energy=scale"), "row 3, column 'Energy': 'high' is not a number"
    )
    assert_fails_with(run(responses, "--weight", "Hobbies=-1"), "weight")
    assert_fails_with(run(responses, "--type", "Colour=text"), "'Colour' is not a column")
    # Without the override the column is read as text and the run succeeds.
    assert run(responses).exit_code == 0


def test_interrupted_run_exits_130_without_an_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise Cancelled("stopped")

    monkeypatch.setattr(peerpear.engine, "solve", interrupted)
    result = run(write_json(tmp_path / "p.json", problem_data(4)))
    assert result.exit_code == pair_cli.INTERRUPTED_EXIT
    assert "cancelled" in result.stderr
    assert "error:" not in result.stderr


def test_role_mode_without_roles_is_an_error_not_a_valid_run(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("Email,Hobbies\n" + "".join(f"s{i}@x.edu,Hiking\n" for i in range(6)))
    assert_fails_with(run(responses, "--mode", "big_little"), "big_little mode needs a role column")
    data = problem_data(6, mode="big_little")
    for person in data["participants"]:
        del person["role"]
    problem = write_json(tmp_path / "p.json", data)
    assert_fails_with(run(problem), "big_little mode needs roles")


def test_form_labels_semicolons_and_names_end_to_end(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    lines = ["Timestamp;Email Address;Your name;Big or little?;Hobbies;Energy"]
    for i in range(8):
        role = "Big Sibling" if i % 2 == 0 else "Little Sibling"
        hobbies = "Hiking, Gaming" if i < 4 else "Cooking, Reading"
        lines.append(f"2026-09-01;s{i}@x.edu;Student {i};{role};{hobbies};{1 + i % 5}")
    responses.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "result.csv"
    result = run(responses, "--mode", "big_little", "-o", out)
    assert result.exit_code == 0, result.output
    assert "separated by ';', detected" in result.stdout
    rows = list(csv.DictReader(out.open(newline="")))
    assert {row["name"] for row in rows} == {f"Student {i}" for i in range(8)}
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row["group"], set()).add(row["role"])
    assert list(groups.values()) == [{"big", "little"}] * 4


def test_bad_delimiter_flag_is_one_line(tmp_path: Path) -> None:
    responses = tmp_path / "r.csv"
    responses.write_text("id,q\na,1\nb,2\n")
    assert_fails_with(run(responses, "--delimiter", "::"), "--delimiter")


def test_pair_help_is_readable_at_80_columns() -> None:
    result = runner.invoke(peerpear_app, ["pair", "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.output  # nothing cut off
    text = " ".join(result.output.replace("│", " ").split())  # help lines joined, no borders
    for expected in (
        "pairs, groups, big_little or mentor",
        "text, single_choice, multi_choice or scale",
        "--delimiter",
        "--role-column",
        "--output",
    ):
        assert expected in text
    # The defaults are shown, including those that come from the engine, not from the flag.
    for default in ("(pairs)", "(fair)", "(detected)", "[default: 50]"):
        assert default in text
