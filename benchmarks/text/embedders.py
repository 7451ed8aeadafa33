"""The text embedders side by side: install size, cold load, speed, cache, quality.

    uv run --extra semantic python -m benchmarks.text.embedders [--repeats 5] [--json FILE]

TF-IDF (the reference, always there) against the semantic embedder (``wordllama``, the
``semantic`` extra; its rows are left out when it is not installed). Every figure is a median
over ``--repeats`` runs, and the semantic one is also given as a ratio to TF-IDF's in the same
run. Measured:

- **install size**: the files (RECORD) of every distribution the extra adds to the base
  install (wordllama and those of its dependencies nothing else pulls in).
- **cold load**: a fresh interpreter imports the embedder and loads its model (TF-IDF: imports
  scikit-learn's text module), with the peak resident memory of that process.
- **10k answers**: embedding 10,000 short answers (about 12 words, made from hobby phrases,
  seeded) in a warm process: what the affinity asks of it (TF-IDF: its exact sparse rows).
- **affinity 10k**: ``compute_affinity`` of 10,000 people with one text question (the embedding
  plus the 10,000 x 10,000 similarity), the engine's whole cost of the question.
- **cache**: the semantic embedder with its file cache, first run (computes and stores every
  vector) and second run of the same 10,000 answers (reads them back).
- **quality**: on ``tests/data/paraphrases.json`` (24 triplets of an answer, a paraphrase with
  no content word in common, an unrelated answer): the similarity the affinity uses (cosine
  rescaled from the embedder's baseline, clipped to [0, 1]) of answer and paraphrase against
  answer and unrelated answer; "pairs right" counts answers nearer their paraphrase than their
  unrelated answer, "top-1" those whose paraphrase is the nearest of all 48 other texts.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from peerpear.engine import Embedder, Problem, TfidfEmbedder, compute_affinity
from peerpear.engine import semantic as semantic_module

ROOT = Path(__file__).resolve().parents[2]
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.json"
RESULTS = ROOT / "benchmarks" / "results"
N_TEXTS = 10_000
PHRASES = [
    "hiking", "trail running", "rock climbing", "swimming laps", "playing soccer",
    "pickup basketball", "tennis", "yoga", "lifting weights", "cycling", "skiing", "surfing",
    "playing guitar", "singing in a choir", "playing piano", "jazz", "making beats",
    "going to concerts", "film photography", "painting", "drawing comics", "pottery",
    "knitting", "baking bread", "cooking curries", "trying new restaurants", "coffee",
    "reading fantasy novels", "writing poetry", "journaling", "learning languages",
    "chess", "board games", "video games", "anime", "watching movies", "theater",
    "volunteering", "tutoring kids", "debate", "coding side projects", "robotics",
    "astronomy", "gardening", "birdwatching", "camping", "traveling", "investing",
    "podcasts", "dancing salsa", "thrifting", "fashion", "my dog", "hanging out with friends",
]  # fmt: skip
TEMPLATES = [
    "I love {a} and {b}, and lately I have been getting into {c}",
    "Mostly {a}, sometimes {b} with friends on weekends",
    "{a} is my thing, also {b} and a bit of {c} when I have time",
    "I spend my free time on {a} and {b}",
    "Big fan of {a}; I also enjoy {b} and {c}",
]


def short_answers(n: int, seed: int = 0) -> list[str]:
    """``n`` answers of about 12 words, seeded; many distinct, as in a large event."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a, b, c = rng.choice(PHRASES, size=3, replace=False)
        out.append(str(rng.choice(TEMPLATES)).format(a=a, b=b, c=c))
    return out


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- install size -----------------------------------------------------------------------


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(roots: list[str], extra: str | None = None) -> set[str]:
    """Distributions installed for ``roots`` (requirements with markers only for ``extra``)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for requirement in requires:
            marker = requirement.split(";", 1)[1] if ";" in requirement else ""
            wanted = extra is not None and re.search(rf"""extra\s*==\s*['"]{extra}['"]""", marker)
            if "extra" in marker and not wanted:
                continue
            todo.append(_name(requirement))
    return seen


def _size_mb(names: set[str]) -> float:
    total = 0
    for name in names:
        for file in metadata.files(name) or []:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def install_size() -> dict[str, Any]:
    base = _closure(["peerpear"])
    added = _closure(["peerpear"], extra="semantic") - base
    return {"added": sorted(added), "mb": _size_mb(added), "wordllama_mb": _size_mb({"wordllama"})}


# --- cold load (fresh interpreters) -----------------------------------------------------

COLD = {
    "tfidf": "from sklearn.feature_extraction.text import TfidfVectorizer",
    "semantic": "from peerpear.engine.semantic import load_model; load_model()",
}
# Peak memory from VmHWM: ru_maxrss would count the parent's pages at the fork before exec.
PROBE = """
import json, time
started = time.perf_counter()
{code}
elapsed = time.perf_counter() - started
status = open("/proc/self/status").read().split("VmHWM:")[1].split()
print(json.dumps({{"s": elapsed, "peak_mb": int(status[0]) / 1024}}))
"""


def cold_load(kind: str, repeats: int) -> dict[str, float]:
    runs = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", PROBE.format(code=COLD[kind])],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "s": statistics.median(r["s"] for r in runs),
        "peak_mb": statistics.median(r["peak_mb"] for r in runs),
    }


# --- speed, affinity, cache ---------------------------------------------------------------


def text_problem(texts: list[str]) -> Problem:
    return Problem.model_validate(
        {
            "questions": [{"id": "about", "type": "text"}],
            "participants": [{"id": f"p{i}", "answers": {"about": t}} for i, t in enumerate(texts)],
            "settings": {"mode": "groups", "group_size": 5},
        }
    )


def embed_time(embedder: Embedder, texts: list[str], repeats: int) -> float:
    if isinstance(embedder, TfidfEmbedder):
        return median_time(lambda: embedder.embed_sparse(texts), repeats)
    return median_time(lambda: embedder.embed(texts), repeats)


def cache_times(texts: list[str], repeats: int) -> dict[str, float]:
    """First and second run of the same texts through a fresh file cache, ``repeats`` times."""
    from peerpear.engine.embedding_cache import EmbeddingCache
    from peerpear.engine.semantic import SemanticEmbedder

    first, second = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            cold = SemanticEmbedder(EmbeddingCache(Path(folder)))
            started = time.perf_counter()
            vectors = cold.embed(texts)
            first.append(time.perf_counter() - started)
            warm = SemanticEmbedder(EmbeddingCache(Path(folder)))  # as a later run would
            started = time.perf_counter()
            again = warm.embed(texts)
            second.append(time.perf_counter() - started)
            assert np.array_equal(vectors, again), "the cache changed a vector"
    return {"first_s": statistics.median(first), "second_s": statistics.median(second)}


# --- quality ----------------------------------------------------------------------------


def similarity(embedder: Embedder, rows: np.ndarray, other: np.ndarray) -> np.ndarray:
    """What the affinity uses: the cosine rescaled from the baseline, clipped to [0, 1]."""
    baseline = float(getattr(embedder, "baseline", 0.0))
    out: np.ndarray = np.clip((rows @ other.T - baseline) / (1 - baseline), 0, 1)
    return out


def quality(embedder: Embedder) -> dict[str, Any]:
    triplets = json.loads(PARAPHRASES.read_text())["triplets"]
    answers = [t["answer"] for t in triplets]
    paraphrases = [t["paraphrase"] for t in triplets]
    unrelated = [t["unrelated"] for t in triplets]
    n = len(triplets)
    vectors = np.asarray(embedder.embed(answers + paraphrases + unrelated), dtype=np.float32)
    a, p, u = vectors[:n], vectors[n : 2 * n], vectors[2 * n :]
    sim_p = np.diag(similarity(embedder, a, p))
    sim_u = np.diag(similarity(embedder, a, u))
    cos_unrelated = (a @ u.T).ravel()  # every answer against every unrelated answer
    candidates = similarity(embedder, a, np.vstack([p, u]))
    return {
        "triplets": n,
        "right": int((sim_p > sim_u).sum()),
        "top1": int((candidates.argmax(axis=1) == np.arange(n)).sum()),
        "paraphrase_mean": float(sim_p.mean()),
        "unrelated_mean": float(sim_u.mean()),
        "margin": float(sim_p.mean() - sim_u.mean()),
        "raw_cos_unrelated_mean": float(cos_unrelated.mean()),
        "raw_cos_unrelated_p85": float(np.quantile(cos_unrelated, 0.85)),
        "raw_cos_paraphrase_mean": float(np.diag(a @ p.T).mean()),
    }


def measure(repeats: int) -> dict[str, Any]:
    texts = short_answers(N_TEXTS)
    problem = text_problem(texts)
    results: dict[str, Any] = {"n_texts": N_TEXTS, "repeats": repeats, "embedders": {}}
    kinds = ["tfidf"] + (["semantic"] if semantic_module.installed() else [])
    for kind in kinds:
        print(f"{kind}: cold load", file=sys.stderr)
        row: dict[str, Any] = {"cold": cold_load(kind, repeats)}
        embedder: Embedder
        if kind == "semantic":
            semantic_module.load_model()
            embedder = semantic_module.SemanticEmbedder()
            row["model"] = semantic_module.model_id()
            row["install"] = install_size()
        else:
            embedder = TfidfEmbedder()
        embedder.embed(texts[:100])  # first-call costs
        print(f"{kind}: 10k answers, affinity", file=sys.stderr)
        row["embed_10k_s"] = embed_time(embedder, texts, repeats)
        row["affinity_10k_s"] = median_time(
            lambda e=embedder: compute_affinity(problem, e),  # type: ignore[misc]
            repeats,
        )
        row["quality"] = quality(embedder)
        if kind == "semantic":
            print(f"{kind}: cache", file=sys.stderr)
            row["cache"] = cache_times(texts, repeats)
        results["embedders"][kind] = row
    return results


def render(results: dict[str, Any]) -> str:
    rows = results["embedders"]
    ref = rows["tfidf"]

    def ratio(kind: str, value: float, ref_value: float) -> str:
        return f"{value:.3f}" if kind == "tfidf" else f"{value:.3f} ({value / ref_value:.1f}x)"

    lines = [
        "| embedder | added install | cold load s | load peak MB | 10k answers s | "
        "affinity 10k s | pairs right | top-1 | paraphrase sim | unrelated sim |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, row in rows.items():
        q = row["quality"]
        size = f"{row['install']['mb']:.0f} MB" if "install" in row else "-"
        lines.append(
            f"| {kind} | {size} | {ratio(kind, row['cold']['s'], ref['cold']['s'])} | "
            f"{row['cold']['peak_mb']:.0f} | "
            f"{ratio(kind, row['embed_10k_s'], ref['embed_10k_s'])} | "
            f"{ratio(kind, row['affinity_10k_s'], ref['affinity_10k_s'])} | "
            f"{q['right']}/{q['triplets']} | {q['top1']}/{q['triplets']} | "
            f"{q['paraphrase_mean']:.3f} | {q['unrelated_mean']:.3f} |"
        )
    if "semantic" in rows and "cache" in rows["semantic"]:
        cache = rows["semantic"]["cache"]
        lines.append("")
        lines.append(
            f"Cache, 10k answers: first run {cache['first_s']:.3f} s (embeds and stores), "
            f"second run {cache['second_s']:.3f} s (reads back); without cache "
            f"{rows['semantic']['embed_10k_s']:.3f} s."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=RESULTS / "text-embedders.json")
    args = parser.parse_args(argv)
    results = measure(args.repeats)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(render(results))
    print(f"results in {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
