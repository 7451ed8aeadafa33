"""CSV exports as real forms produce them: role labels, name and email columns, semicolons,
short rows, long free text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from peerpear.engine.csv_config import CsvOptions, QuestionOverride, load_csv_options
from peerpear.engine.csv_questions import infer_question
from peerpear.engine.csv_reader import CsvReadError, read_csv_problem


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def sibling_form(tmp_path: Path, roles: list[str]) -> Path:
    rows = [["Email", "Which are you?", "Hobbies"]]
    rows += [[f"p{i}@x.edu", role, ["Hiking", "Gaming"][i % 2]] for i, role in enumerate(roles)]
    return write_csv(tmp_path / "siblings.csv", rows)


def big_little(**options: object) -> CsvOptions:
    return CsvOptions.model_validate({"settings": {"mode": "big_little"}, **options})


def test_form_role_labels_map_to_roles_case_and_space_insensitively(tmp_path: Path) -> None:
    labels = ["Big Sibling", " little  SIBLING ", "No preference", "Either", "big", "Little"]
    path = sibling_form(tmp_path, labels)
    read = read_csv_problem(path, big_little(role_column="Which are you?"))
    roles = [p.role for p in read.problem.participants]
    assert roles == ["big", "little", "either", "either", "big", "little"]


def test_mentor_labels_and_a_configured_label(tmp_path: Path) -> None:
    path = sibling_form(tmp_path, ["Mentor", "Mentee", "Senior buddy", "mentee"])
    options = CsvOptions(
        role_column="Which are you?",
        role_values={"Senior Buddy": "mentor"},
        settings={"mode": "mentor", "capacity": 2},
    )
    roles = [p.role for p in read_csv_problem(path, options).problem.participants]
    assert roles == ["mentor", "mentee", "mentor", "mentee"]


def test_an_unmapped_role_label_names_itself_and_the_accepted_labels(tmp_path: Path) -> None:
    path = sibling_form(tmp_path, ["Big Sibling", "Grand Sibling", "Little Sibling"])
    with pytest.raises(CsvReadError) as caught:
        read_csv_problem(path, big_little(role_column="Which are you?"))
    message = str(caught.value)
    assert "row 3: role 'Grand Sibling' is not a known role label" in message
    assert "'big sibling'" in message and "'no preference'" in message
    assert "'mentor'" not in message  # only labels that big_little mode accepts are offered


def test_a_role_of_another_mode_names_the_row(tmp_path: Path) -> None:
    path = sibling_form(tmp_path, ["Big Sibling", "Mentor", "Little Sibling"])
    with pytest.raises(CsvReadError, match="row 3: role 'Mentor' means 'mentor'"):
        read_csv_problem(path, big_little(role_column="Which are you?"))


def test_the_role_column_is_recognized_by_its_labels_in_role_modes(tmp_path: Path) -> None:
    path = sibling_form(tmp_path, ["Big Sibling", "Little Sibling", "Little Sibling", "Big"])
    read = read_csv_problem(path, big_little())
    assert [p.role for p in read.problem.participants] == ["big", "little", "little", "big"]
    uses = {c.header: (c.use, c.inferred) for c in read.columns}
    assert uses["Which are you?"] == ("role", True)
    assert [q.id for q in read.problem.questions] == ["hobbies"]


def test_a_recognized_role_column_with_an_unknown_label_names_the_label(tmp_path: Path) -> None:
    path = sibling_form(tmp_path, ["Big Sibling", "Little Sibling", "Grand sib", "Big"])
    with pytest.raises(CsvReadError, match="row 4: role 'Grand sib' is not a known role label"):
        read_csv_problem(path, big_little())


@pytest.mark.parametrize("mode", ["big_little", "mentor"])
def test_a_role_mode_without_a_role_column_is_an_error(tmp_path: Path, mode: str) -> None:
    rows = [["Email", "Hobbies"]] + [[f"p{i}@x.edu", "Hiking"] for i in range(4)]
    path = write_csv(tmp_path / "no_roles.csv", rows)
    with pytest.raises(CsvReadError, match=f"{mode} mode needs a role column.*--role-column"):
        read_csv_problem(path, CsvOptions(settings={"mode": mode}))


def test_name_and_email_columns_are_not_questions_unless_asked(tmp_path: Path) -> None:
    header = ["Email Address", "First name", "Last name", "Parent email", "Hobbies"]
    rows = [header]
    for i in range(4):
        rows.append([f"s{i}@x.edu", f"Ann{i}", f"Lee{i}", f"parent{i}@y.org", "Hiking"])
    path = write_csv(tmp_path / "form.csv", rows)
    read = read_csv_problem(path)
    assert [q.id for q in read.problem.questions] == ["hobbies"]
    first = read.problem.participants[0]
    assert (first.id, first.name) == ("s0@x.edu", "Ann0 Lee0")  # first + last: the display name
    uses = {c.header: c.use for c in read.columns}
    assert uses == {
        "Email Address": "id",
        "First name": "name",
        "Last name": "name",
        "Parent email": "ignored",
        "Hobbies": "question",
    }

    asked = CsvOptions(questions={"Parent email": QuestionOverride(type="text")})
    questions = [q.id for q in read_csv_problem(path, asked).problem.questions]
    assert questions == ["parent_email", "hobbies"]


def test_a_name_header_becomes_the_display_name(tmp_path: Path) -> None:
    rows = [["What is your name?", "Hobbies"], ["Ann", "Hiking"], ["Bob", "Gaming"]]
    read = read_csv_problem(write_csv(tmp_path / "names.csv", rows))
    assert [p.name for p in read.problem.participants] == ["Ann", "Bob"]
    assert [q.id for q in read.problem.questions] == ["hobbies"]


def test_a_row_with_fewer_cells_than_the_header_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    # Row numbers are spreadsheet rows: the blank line still counts.
    path.write_text("id,Hobbies,Energy\na,Hiking,3\n\nb,Gaming\nc,Hiking,2\n")
    with pytest.raises(CsvReadError, match="row 4 has 2 cells but the header 3"):
        read_csv_problem(path)


def test_semicolon_exports_are_detected(tmp_path: Path) -> None:
    rows = [["Email", "Hobbies", "Energy", "Hours"]]
    rows += [
        ["a@x.edu", "Hiking, Gaming", "4", "1,5"],
        ["b@x.edu", "Gaming", "2", "2,0"],
        ["c@x.edu", "Cooking, Hiking", "5", "0,5"],
    ]
    path = write_csv(tmp_path / "european.csv", rows, delimiter=";")
    read = read_csv_problem(path)
    assert (read.delimiter, read.delimiter_detected) == (";", True)
    by_id = {q.id: q for q in read.problem.questions}
    assert list(by_id) == ["hobbies", "energy", "hours"]
    assert by_id["hobbies"].type == "multi_choice"
    assert read.problem.participants[0].answers["hobbies"] == ["Hiking", "Gaming"]
    assert read.problem.participants[0].answers["energy"] == 4


def test_a_given_delimiter_wins_over_detection(tmp_path: Path) -> None:
    path = tmp_path / "both.csv"
    path.write_text("key,name;x\n1,a;b\n2,c;d\n3,a;d\n")
    detected = read_csv_problem(path)
    assert (detected.delimiter, detected.delimiter_detected) == (",", True)
    assert [q.prompt for q in detected.problem.questions] == ["key", "name;x"]
    given = read_csv_problem(path, CsvOptions(delimiter="semicolon"))
    assert (given.delimiter, given.delimiter_detected) == (";", False)
    assert [q.prompt for q in given.problem.questions] == ["key,name", "x"]


def test_a_bad_delimiter_is_refused() -> None:
    with pytest.raises(ValueError, match="one character"):
        CsvOptions(delimiter=";;")


def test_quoted_commas_and_semicolons_inside_cells_keep_the_comma(tmp_path: Path) -> None:
    rows = [["id", "Likes", "About"]]
    rows += [
        ["1", "Food, drinks;Music", "Hi; I'm Ann"],
        ["2", "Music", "Hello"],
        ["3", "Food, drinks", "Hey, there"],
    ]
    read = read_csv_problem(write_csv(tmp_path / "quoted.csv", rows))
    assert read.delimiter == ","
    assert read.problem.participants[0].answers["likes"] == ["Food, drinks", "Music"]


def test_long_free_form_answers_are_text_even_when_few_and_repeated() -> None:
    long_answers = [
        "I love hiking in the mountains with friends on weekends",
        "Reading fantasy novels by the fire with a cup of tea",
    ] * 3
    inference = infer_question(long_answers)
    assert inference.type == "text"
    assert "long free-form answers" in inference.reason
    # Short labels that recur stay an option list, and so do long checkbox answers of short picks.
    assert infer_question(["In person", "Online"] * 3).type == "single_choice"
    picks = ["Hiking, Gaming, Cooking, Reading, Music, Travel, Film", "Hiking, Film"] * 2
    assert infer_question(picks).type == "multi_choice"


def test_one_long_answer_is_text(tmp_path: Path) -> None:
    rows = [["id", "Anything else?"], ["a", "I would prefer someone who also commutes by bike"]]
    rows += [["b", ""], ["c", ""]]
    read = read_csv_problem(write_csv(tmp_path / "one.csv", rows))
    assert read.problem.questions[0].type == "text"


def test_the_readme_config_example_reads_a_matching_export(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("**The config file**", 1)[1].split("```toml\n", 1)[1].split("```")[0]
    config = tmp_path / "columns.toml"
    config.write_text(example, encoding="utf-8")
    options = load_csv_options(config)
    header = ["Timestamp", "Email Address", "Your name", "Big or little?", "Gender"]
    header += ["Phone number", "What are your hobbies?", "How outgoing are you?"]
    rows = [header]
    for i in range(6):
        role = "Big Sib (2nd year+)" if i < 2 else "Little Sib (1st year)"
        hobbies = ["Hiking, Gaming", "Cooking", "Reading, Hiking"][i % 3]
        person = ["2026-09-01", f"s{i}@x.edu", f"Student {i}", role, "FM"[i % 2], "555-0100"]
        rows.append([*person, hobbies, str(1 + i)])
    read = read_csv_problem(write_csv(tmp_path / "export.csv", rows), options)
    uses = {c.header: c.use for c in read.columns}
    assert uses["Big or little?"] == "role" and uses["Gender"] == "attribute"
    assert uses["Phone number"] == "ignored" and uses["Timestamp"] == "ignored"
    by_id = {q.id: q for q in read.problem.questions}
    assert by_id["what_are_your_hobbies"].weight == 2
    assert (by_id["how_outgoing_are_you"].max, by_id["how_outgoing_are_you"].mode) == (
        7,
        "different",
    )
    people = read.problem.participants
    assert [p.role for p in people] == ["big", "big"] + ["little"] * 4
    assert people[0].name == "Student 0" and people[0].attributes == {"Gender": "F"}
    assert read.problem.settings.mode == "big_little"
