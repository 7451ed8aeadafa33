"""Choosing the text embedder: the setting, the engine's fallback, `peerpear pair --embedder`.

These run with or without the semantic extra: where it matters, its absence is simulated.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from peerpear import text_embedding
from peerpear.config import Settings
from peerpear.engine import TfidfEmbedder, default_embedder
from peerpear.engine import semantic as semantic_module
from peerpear.engine.semantic import SemanticUnavailable
from peerpear.pair_cli import BAD_INPUT_EXIT, pair_command
from peerpear.text_embedding import TextEmbedding, default_cache_dir

pair_app = typer.Typer()
pair_app.command()(pair_command)


@pytest.fixture
def without_semantic(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on an install without the extra."""
    monkeypatch.setattr(semantic_module, "installed", lambda: False)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        "importlib.util.find_spec",
        lambda name, *a: None if name == "wordllama" else real_find_spec(name, *a),
    )


def test_auto_falls_back_to_tfidf_without_the_extra(without_semantic: None) -> None:
    assert isinstance(default_embedder(), TfidfEmbedder)
    assert isinstance(default_embedder(7, "auto"), TfidfEmbedder)
    assert TextEmbedding("auto").semantic is False


def test_semantic_without_the_extra_says_how_to_install_it(without_semantic: None) -> None:
    with pytest.raises(SemanticUnavailable, match=r"extra \(uv sync --extra semantic"):
        default_embedder(choice="semantic")


def test_tfidf_is_tfidf_and_an_unknown_choice_is_refused() -> None:
    assert isinstance(default_embedder(choice="tfidf"), TfidfEmbedder)
    assert TextEmbedding("tfidf").semantic is False
    with pytest.raises(ValueError, match="unknown text embedder"):
        default_embedder(choice="bert")  # type: ignore[arg-type]


def test_the_setting_refuses_semantic_without_the_extra(without_semantic: None) -> None:
    with pytest.raises(ValidationError, match="PEERPEAR_TEXT_EMBEDDER=semantic needs"):
        Settings(text_embedder="semantic")
    assert Settings(text_embedder="auto").text_embedder == "auto"
    with pytest.raises(ValidationError):
        Settings(text_embedder="bert")


def test_the_cache_folder_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PEERPEAR_EMBEDDING_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "peerpear"
    assert TextEmbedding.from_settings(Settings()).cache_dir == tmp_path / "xdg" / "peerpear"
    chosen = Settings(text_embedder="tfidf", embedding_cache_dir=tmp_path / "mine")
    assert TextEmbedding.from_settings(chosen) == TextEmbedding("tfidf", tmp_path / "mine")
    assert TextEmbedding.from_settings(Settings(embedding_cache=False)).cache_dir is None


def test_the_server_configures_this_process(tmp_path: Path) -> None:
    before = text_embedding.current()
    try:
        settings = Settings(text_embedder="tfidf", embedding_cache_dir=tmp_path)
        text_embedding.configure(settings)
        assert text_embedding.current() == TextEmbedding("tfidf", tmp_path)
    finally:
        text_embedding._current = before


def test_the_command_line_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERPEAR_TEXT_EMBEDDER", "tfidf")
    monkeypatch.setenv("PEERPEAR_EMBEDDING_CACHE_DIR", str(tmp_path))
    assert TextEmbedding.from_env() == TextEmbedding("tfidf", tmp_path)
    assert TextEmbedding.from_env("semantic").choice == "semantic"  # the flag wins
    monkeypatch.setenv("PEERPEAR_EMBEDDING_CACHE", "false")
    assert TextEmbedding.from_env().cache_dir is None
    with pytest.raises(ValueError, match="expected one of auto, semantic, tfidf"):
        TextEmbedding.from_env("bert")


def write_problem(folder: Path) -> Path:
    path = folder / "problem.json"
    people = [
        {"id": f"p{i}", "answers": {"about": text}}
        for i, text in enumerate(["I love hiking", "trail running", "chess club", "board games"])
    ]
    problem = {
        "questions": [{"id": "about", "type": "text"}],
        "participants": people,
        "settings": {"mode": "pairs"},
    }
    path.write_text(json.dumps(problem))
    return path


def test_pair_with_tfidf_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(pair_app, ["--embedder", "tfidf", str(write_problem(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "compared by shared words (TF-IDF" in result.output


def test_pair_semantic_without_the_extra_is_bad_input(
    tmp_path: Path, without_semantic: None
) -> None:
    result = CliRunner().invoke(pair_app, ["--embedder", "semantic", str(write_problem(tmp_path))])
    assert result.exit_code == BAD_INPUT_EXIT
    assert "'semantic' extra" in result.output and "--embedder tfidf" in result.output


def test_pair_refuses_an_unknown_embedder(tmp_path: Path) -> None:
    result = CliRunner().invoke(pair_app, ["--embedder", "bert", str(write_problem(tmp_path))])
    assert result.exit_code == BAD_INPUT_EXIT
    assert "unknown text embedder 'bert'" in result.output


def test_no_home_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert default_cache_dir() is None
    monkeypatch.delenv("PEERPEAR_EMBEDDING_CACHE_DIR", raising=False)
    assert TextEmbedding.from_env("tfidf").cache_dir is None
