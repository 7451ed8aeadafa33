"""Pairing runs and `peerpear pair` with the semantic embedder: the solver process embeds with
the process's choice (and its cache), the CLI uses it when installed.

Skipped where the ``semantic`` extra is not installed; CI installs it.
"""

from __future__ import annotations

import json
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

pytest.importorskip("wordllama")

from peerpear.engine.embedding_cache import EmbeddingCache
from peerpear.engine.semantic import model_id
from peerpear.pair_cli import pair_command
from peerpear.pairing import solver_process
from peerpear.pairing.solver_process import solve_in_subprocess
from peerpear.text_embedding import TextEmbedding

PARAPHRASES = Path(__file__).resolve().parents[1] / "data" / "paraphrases.json"


def paraphrase_problem() -> dict[str, Any]:
    """Each answer and its paraphrase (no content word in common): pairs of partners."""
    triplets = json.loads(PARAPHRASES.read_text())["triplets"]
    people = [
        {"id": f"{kind}{i}", "answers": {"t": t[field]}}
        for kind, field in (("a", "answer"), ("p", "paraphrase"))
        for i, t in enumerate(triplets)
    ]
    return {
        "questions": [{"id": "t", "type": "text"}],
        "participants": people,
        "settings": {"mode": "pairs", "objective": "total"},
    }


def partners(groups: list[list[str]]) -> int:
    return sum(1 for members in groups if len({m[1:] for m in members}) == 1)


async def _keep_going(progress: float) -> bool:
    return True


async def test_a_run_embeds_with_the_chosen_embedder_and_fills_the_cache(tmp_path: Path) -> None:
    problem = paraphrase_problem()
    semantic = await solve_in_subprocess(
        problem, _keep_going, text=TextEmbedding("semantic", tmp_path)
    )
    assert partners([g["members"] for g in semantic["groups"]]) >= 16
    texts = [p["answers"]["t"] for p in problem["participants"]]
    assert len(EmbeddingCache(tmp_path).get(model_id(), texts)) == len(texts)  # the child's
    tfidf = await solve_in_subprocess(problem, _keep_going, text=TextEmbedding("tfidf", None))
    assert partners([g["members"] for g in tfidf["groups"]]) <= 4


def _report_loaded(conn: Connection) -> None:
    from peerpear.engine import semantic

    conn.send(semantic.loaded())  # before anything here could have loaded it
    conn.close()


def test_the_solver_fork_server_has_loaded_the_model() -> None:
    """Each run's child starts with the model in memory: the fork server loaded it once."""
    ctx = solver_process._mp_context(TextEmbedding("semantic"))
    if ctx.get_start_method() != "forkserver":
        pytest.skip("no fork server on this platform")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_report_loaded, args=(sender,))
    child.start()
    sender.close()
    try:
        assert receiver.poll(60) and receiver.recv() is True
    finally:
        child.join(10)


def test_pair_uses_the_semantic_embedder_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PEERPEAR_TEXT_EMBEDDER", raising=False)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(paraphrase_problem()))
    out = tmp_path / "result.json"
    app = typer.Typer()
    app.command()(pair_command)
    result = CliRunner().invoke(app, [str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "compared by meaning (semantic embedder)" in result.output
    groups = json.loads(out.read_text())["groups"]
    assert partners([g["members"] for g in groups]) >= 16
