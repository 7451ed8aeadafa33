"""The CSV reader: column roles, type inference, overrides, errors, and a real survey export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from peerpear.engine import EngineError
from peerpear.engine.csv_config import (
    CsvConfigError,
    CsvOptions,
    QuestionOverride,
    load_csv_options,
    overrides_from_flags,
)
from peerpear.engine.csv_questions import infer_question
from peerpear.engine.csv_reader import CsvReadError, read_csv_problem

# Tests read nothing outside the repository: the real export is a sample shipped with the tests.
BFI_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bfi_sample.csv"

FORM_HEADER = [
    "Timestamp",
    "Email Address",
    "Your name",
    "Role",
    "What are your hobbies?",
    "Class year",
    "How outgoing are you?",
    "Tell us about yourself",
]
FORM_ROWS = [
    ["2026/09/01 10:00", "ann@x.edu", "Ann", "big", "Hiking, Gaming", "2027", "4", "I run trails"],
    ["2026/09/01 10:05", "bob@x.edu", "Bob", "Little", "Gaming", "2028", "2", "Chess and tea"],
    ["2026/09/01 10:09", "cy@x.edu", "Cy", "little", "Cooking, Hiking", "2027", "", "Baking bread"],
    ["2026/09/01 10:12", "dee@x.edu", "", "either", "Cooking, Gaming", "2028", "5", ""],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def form_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "form.csv", FORM_HEADER, FORM_ROWS)


def test_google_form_export_is_read_with_inferred_types(form_csv: Path) -> None:
    read = read_csv_problem(form_csv, CsvOptions(role_column="Role", name_column="Your name"))
    problem = read.problem
    by_id = {q.id: q for q in problem.questions}
    assert list(by_id) == [
        "what_are_your_hobbies",
        "class_year",
        "how_outgoing_are_you",
        "tell_us_about_yourself",
    ]
    hobbies = by_id["what_are_your_hobbies"]
    assert hobbies.type == "multi_choice"
    assert hobbies.options == ["Cooking", "Gaming", "Hiking"]
    assert hobbies.prompt == "What are your hobbies?"
    year = by_id["class_year"]
    # Numbers compare by distance; only rating-like ones (0..10) are stretched down to 1.
    assert (year.type, year.min, year.max) == ("scale", 2027, 2028)
    outgoing = by_id["how_outgoing_are_you"]
    # The data only used 2..5, but rating scales start at 1.
    assert (outgoing.type, outgoing.min, outgoing.max) == ("scale", 1, 5)
    assert by_id["tell_us_about_yourself"].type == "text"

    people = {p.id: p for p in problem.participants}
    assert list(people) == ["ann@x.edu", "bob@x.edu", "cy@x.edu", "dee@x.edu"]
    assert people["ann@x.edu"].answers["what_are_your_hobbies"] == ["Hiking", "Gaming"]
    assert people["bob@x.edu"].role == "little"  # role cells are case-insensitive
    assert people["ann@x.edu"].name == "Ann"
    assert people["dee@x.edu"].name is None
    # Empty cells are missing answers, not empty strings.
    assert "how_outgoing_are_you" not in people["cy@x.edu"].answers
    assert "tell_us_about_yourself" not in people["dee@x.edu"].answers

    uses = {c.header: c.use for c in read.columns}
    assert uses["Timestamp"] == "ignored"
    assert uses["Email Address"] == "id"
    assert all(c.inferred for c in read.columns if c.use == "question")


def test_overrides_by_header_or_id_set_type_weight_and_mode(form_csv: Path) -> None:
    options = CsvOptions(
        questions={
            "Class year": QuestionOverride(type="single_choice", mode="different", weight=2),
            "how_outgoing_are_you": QuestionOverride(min=0, max=10),
        }
    )
    read = read_csv_problem(form_csv, options)
    by_id = {q.id: q for q in read.problem.questions}
    year = by_id["class_year"]
    assert (year.type, year.mode, year.weight, year.options) == (
        "single_choice",
        "different",
        2,
        ["2027", "2028"],
    )
    assert (by_id["how_outgoing_are_you"].min, by_id["how_outgoing_are_you"].max) == (0, 10)
    report = {c.question_id: c for c in read.columns if c.use == "question"}
    assert not report["class_year"].inferred
    assert report["how_outgoing_are_you"].inferred  # only the range was given


def test_semicolon_separated_picks_keep_commas_inside_options(tmp_path: Path) -> None:
    rows = [
        ["1", "Food, drinks;Music"],
        ["2", "Music"],
        ["3", "Food, drinks"],
        ["4", "Music;Food, drinks"],
    ]
    path = write_csv(tmp_path / "s.csv", ["id", "Likes"], rows)
    problem = read_csv_problem(path).problem
    assert problem.questions[0].type == "multi_choice"
    assert problem.questions[0].options == ["Food, drinks", "Music"]
    assert problem.participants[0].answers["likes"] == ["Food, drinks", "Music"]


def test_columns_become_attributes_and_rows_without_id_column_get_row_ids(tmp_path: Path) -> None:
    rows = [["F", "x", "1"], ["M", "y", "2"], ["F", "x", "3"]]
    path = write_csv(tmp_path / "a.csv", ["Gender", "Pick", "Pick"], rows)
    read = read_csv_problem(path, CsvOptions(attribute_columns=["gender"]))
    assert [p.id for p in read.problem.participants] == ["row2", "row3", "row4"]
    assert read.problem.participants[1].attributes == {"Gender": "M"}
    # Duplicate headers still give unique question ids.
    assert [q.id for q in read.problem.questions] == ["pick", "pick_2"]


@pytest.mark.parametrize(
    ("header", "rows", "options", "message"),
    [
        (["id", "q"], [["a", "1"], ["a", "2"]], CsvOptions(), "'a' appears 2 times"),
        (["id", "q"], [["a", "1"], ["", "2"]], CsvOptions(), "row 3: the id cell is empty"),
        (
            ["id", "role", "q"],
            [["a", "boss", "1"], ["b", "big", "2"]],
            CsvOptions(role_column="role"),
            "row 2: role 'boss'",
        ),
        (["id", "q"], [["a", "1"], ["b", "2"]], CsvOptions(id_column="ID number"), "'ID number'"),
        (
            ["id", "q"],
            [["a", "1"], ["b", "lots"]],
            CsvOptions(questions={"q": QuestionOverride(type="scale", min=1, max=5)}),
            "row 3, column 'q': 'lots' is not a number",
        ),
        (
            ["id", "q"],
            [["a", "1"], ["b", "9"]],
            CsvOptions(questions={"q": QuestionOverride(min=1, max=5)}),
            "9 is outside the scale 1..5",
        ),
        (
            ["id", "q"],
            [["a", "x"], ["b", "z"]],
            CsvOptions(questions={"q": QuestionOverride(type="single_choice", options=["x"])}),
            "'z' is not one of the options",
        ),
        (["id", "q"], [["a", "1"], ["b", "2", "extra"]], CsvOptions(), "row 3 has 3 cells"),
        (["id", "q"], [["a", "1"]], CsvOptions(), "too few participants"),
    ],
)
def test_bad_files_fail_with_a_one_line_reason(
    tmp_path: Path, header: list[str], rows: list[list[str]], options: CsvOptions, message: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", header, rows)
    with pytest.raises(EngineError) as caught:
        read_csv_problem(path, options)
    assert message in str(caught.value)


def test_unreadable_file_is_a_csv_read_error(tmp_path: Path) -> None:
    with pytest.raises(CsvReadError, match="cannot read"):
        read_csv_problem(tmp_path / "missing.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CsvReadError, match="not a readable UTF-8 CSV"):
        read_csv_problem(binary)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "3", "2", "3"], "scale"),
        (["2.0", "6.0", "4.0"], "scale"),
        (["17", "45", "23"], "scale"),
        (["Yes", "No", "Yes", "No"], "single_choice"),
        (["Hiking, Gaming", "Gaming", "Hiking"], "multi_choice"),
        (["I like tea, and cake", "Mostly books, some films", "Running"], "text"),
        (["Blue", "Green", "Red", "Purple"], "text"),  # nothing recurs: not an option list
        ([], "text"),
    ],
)
def test_inference_rules(values: list[str], kind: str) -> None:
    assert infer_question(values).type == kind


def test_config_files_in_json_and_toml_and_flags_on_top(tmp_path: Path) -> None:
    toml_file = tmp_path / "c.toml"
    toml_file.write_text(
        'id_column = "rownames"\nignore_columns = ["age"]\n'
        '[questions.A1]\ntype = "scale"\nweight = 2\n[settings]\nmode = "groups"\n',
        encoding="utf-8",
    )
    json_file = tmp_path / "c.json"
    json_file.write_text(json.dumps({"id_column": "rownames", "ignore_columns": ["age"]}))
    from_toml = load_csv_options(toml_file)
    assert from_toml.questions["A1"] == QuestionOverride(type="scale", weight=2)
    assert from_toml.settings == {"mode": "groups"}
    assert load_csv_options(json_file).ignore_columns == ["age"]

    flags = CsvOptions(
        id_column="other",
        ignore_columns=["education"],
        questions=overrides_from_flags([], ["A1=3"], ["A1=different"]),
    )
    merged = from_toml.merged_with(flags)
    assert merged.id_column == "other"
    assert merged.ignore_columns == ["age", "education"]
    assert merged.questions["A1"] == QuestionOverride(type="scale", weight=3, mode="different")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id_column = ", "not valid toml"),
        ('colour = "red"', "colour"),
        ('[questions.q]\ntype = "essay"', "questions.q.type"),
    ],
)
def test_bad_config_files_are_reported(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CsvConfigError, match=message):
        load_csv_options(path)


def test_bad_override_flags_are_reported() -> None:
    with pytest.raises(CsvConfigError, match="COLUMN=VALUE"):
        overrides_from_flags(["no equals sign"], [], [])
    with pytest.raises(CsvConfigError, match="weight"):
        overrides_from_flags([], ["q=-1"], [])


def test_bfi_export_reads_as_25_six_point_scales() -> None:
    path = BFI_SAMPLE
    options = CsvOptions(
        id_column="rownames", attribute_columns=["gender"], ignore_columns=["education", "age"]
    )
    read = read_csv_problem(path, options)
    problem = read.problem

    with path.open(newline="") as handle:
        raw = list(csv.DictReader(handle))
    items = [name for name in raw[0] if name not in ("rownames", "gender", "education", "age")]
    assert len(problem.participants) == len(raw) == 280
    assert [q.id for q in problem.questions] == [item.lower() for item in items]
    assert {(q.type, q.min, q.max) for q in problem.questions} == {("scale", 1, 6)}

    # Every blank cell is a missing answer and every filled one a number on the scale.
    blanks = sum(1 for row in raw for item in items if not row[item].strip())
    answered = sum(len(p.answers) for p in problem.participants)
    assert blanks > 0
    assert answered == len(raw) * len(items) - blanks
    first = problem.participants[0]
    assert first.id == raw[0]["rownames"]
    assert first.answers["a1"] == float(raw[0]["A1"])
    assert {p.attributes["gender"] for p in problem.participants} == {"1", "2"}
    uses = {c.header: c.use for c in read.columns}
    assert (uses["gender"], uses["age"], uses["rownames"]) == ("attribute", "ignored", "id")
