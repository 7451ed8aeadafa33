"""Affinity between participants (DESIGN §3), vectorized.

affinity(i, j) = sum_q w_q * m_q(i) m_q(j) * sim_q(i, j) / sum_q w_q * m_q(i) m_q(j), where
m_q marks who answered q (a missing answer is no signal; no common question gives 0) and sim_q
is equality (single choice), Jaccard (multi choice), 1 - |a - b| / range (scale) or the cosine of
text embeddings, (cos - b) / (1 - b) clipped to [0, 1] where b is the embedder's ``baseline`` (0
for TF-IDF); mode ``different`` uses 1 - sim.

Most terms are bilinear, so the numerator is one matrix product ``left @ right.T`` over stacked
feature columns: one-hot options, and for scales a "thermometer" code, since for levels
v_0 < ... < v_k, |a - b| = sum_t gap_t * (T_t(a) + T_t(b) - 2 T_t(a) T_t(b)) with
T_t(x) = [x >= v_{t+1}]. Jaccard and (signed) text cosines need an elementwise step and are done
per row block, which keeps peak memory near the n x n float32 output (400 MB at n = 10,000).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from peerpear.engine.embedding import Embedder, default_embedder
from peerpear.engine.problem import Problem, Question

F32 = NDArray[np.float32]
BLOCK_ROWS = 1024
MAX_THERMOMETER_LEVELS = 64
MAX_PATTERNS = 64
DENSE_TEXT_DIM = 1024
SMALL_TEXT_DIM = 64
SPARSE_TEXT_SHARE = 0.1
MAX_CODES = 1 << 16
MAX_CODED_OPTIONS = 255  # more options: Jaccard elementwise (the code table would be huge)


@dataclass
class _Terms:
    """Feature columns: numerator = left @ right.T + elementwise terms; denominator likewise."""

    left: list[F32] = field(default_factory=list)
    right: list[F32] = field(default_factory=list)
    den_cols: list[F32] = field(default_factory=list)
    den_weights: list[float] = field(default_factory=list)
    # (weight, sign, multi-hot matrix): sign -1 means mode "different" (the +w*m*m part is bilinear)
    jaccard: list[tuple[float, float, F32]] = field(default_factory=list)
    # (weight, sign, rows, baseline): cos = rows_i . rows_j, rescaled from [baseline, 1]
    cosine: list[tuple[float, float, F32, float]] = field(default_factory=list)
    sparse_cosine: list[tuple[float, float, sp.csr_matrix]] = field(default_factory=list)
    abs_diff: list[tuple[float, float, F32, float, F32]] = field(default_factory=list)

    def bilinear(self, left: F32, right: F32) -> None:
        self.left.append(left.reshape(len(left), -1))
        self.right.append(right.reshape(len(right), -1))


def _answers(problem: Problem, q: Question) -> list[object]:
    return [p.answers.get(q.id) for p in problem.participants]


def _one_hot(values: list[object], multi: bool) -> F32:
    """Rows of 0/1 per option (unanswered rows stay 0); options in order of first use."""
    labels: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, value in enumerate(values):
        if value is None:
            continue
        items = value if multi and isinstance(value, list) else [value]
        for item in items:
            rows.append(row)
            cols.append(labels.setdefault(str(item), len(labels)))
    out = np.zeros((len(values), max(len(labels), 1)), dtype=np.float32)
    out[rows, cols] = 1.0
    return out


def _add_scale(terms: _Terms, q: Question, values: list[object], mask: F32, sign: float) -> None:
    assert q.min is not None and q.max is not None
    span = q.max - q.min
    x = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)  # type: ignore[arg-type]
    levels = np.unique(x[~np.isnan(x)])
    if len(levels) > MAX_THERMOMETER_LEVELS:
        terms.abs_diff.append((q.weight, sign, np.nan_to_num(x).astype(np.float32), span, mask))
        return
    for lower, upper in itertools.pairwise(levels):
        step = (x >= upper).astype(np.float32)  # NaN compares False: unanswered rows stay 0
        c = np.float32(-sign * q.weight * (upper - lower) / span)
        terms.bilinear(c * step, mask)
        terms.bilinear(c * mask, step)
        terms.bilinear(-2 * c * step, step)


def _build_terms(problem: Problem, embedder: Embedder) -> _Terms:
    terms = _Terms()
    for q in problem.questions:
        if q.weight <= 0:
            continue
        values = _answers(problem, q)
        mask = np.array([v is not None for v in values], dtype=np.float32)
        if not mask.any():
            continue
        w = float(q.weight)
        sign = 1.0 if q.mode == "similar" else -1.0
        terms.den_cols.append(mask)
        terms.den_weights.append(w)
        # similar: +w*sim; different: +w*mask*mask - w*sim
        if sign < 0:
            terms.bilinear(np.float32(w) * mask, mask)
        if q.type == "single_choice":
            hot = _one_hot(values, multi=False)
            terms.bilinear(np.float32(sign * w) * hot, hot)
        elif q.type == "multi_choice":
            _add_multi_choice(terms, values, sign * w)
        elif q.type == "scale":  # sim * both-answered = mask * mask - |a - b| / span
            terms.bilinear(np.float32(sign * w) * mask, mask)
            _add_scale(terms, q, values, mask, sign)
        elif (texts := _embed_sparse(embedder, values)) is not None:
            # exact sparse rows (TF-IDF): cosines are non-negative
            if _dense_text(texts):  # small vocabulary, many shared words: one more dense product
                dense = texts.toarray()
                terms.bilinear(np.float32(sign * w) * dense, dense)
            else:
                terms.sparse_cosine.append((w, sign, texts))
        else:
            emb = _embed_texts(embedder, values)
            baseline = float(getattr(embedder, "baseline", 0.0))
            if baseline == 0 and emb.min(initial=0.0) >= 0:  # cosines in [0, 1]: bilinear
                terms.bilinear(np.float32(sign * w) * emb, emb)
            else:
                terms.cosine.append((w, sign, emb, baseline))
    return terms


def _dense_text(texts: sp.csr_matrix) -> bool:
    """Whether the text columns join the dense product rather than a sparse one of their own.

    A sparse product costs about the number of pairs that share a word; with few words per
    answer over a larger vocabulary (a share of pairs of about words**2 / vocabulary) that is
    much less than one more dense column per word.
    """
    rows, dim = texts.shape
    if dim > DENSE_TEXT_DIM:
        return False
    words = texts.nnz / max(rows, 1)
    return bool(dim <= SMALL_TEXT_DIM or words * words / dim > SPARSE_TEXT_SHARE)


def _embed_sparse(embedder: Embedder, values: list[object]) -> sp.csr_matrix | None:
    answered = [i for i, v in enumerate(values) if v is not None]
    rows_of = embedder.embed_sparse([str(values[i]) for i in answered])
    if rows_of is None:
        return None
    vectors = rows_of.tocoo()
    rows = np.asarray(answered, dtype=np.int64)[vectors.row]
    shape = (len(values), vectors.shape[1])
    return sp.csr_matrix((vectors.data, (rows, vectors.col)), shape=shape, dtype=np.float32)


def _embed_texts(embedder: Embedder, values: list[object]) -> F32:
    answered = [i for i, v in enumerate(values) if v is not None]
    vectors = np.asarray(embedder.embed([str(values[i]) for i in answered]), dtype=np.float32)
    out = np.zeros((len(values), vectors.shape[1]), dtype=np.float32)
    out[answered] = vectors
    return out


def _add_multi_choice(terms: _Terms, values: list[object], signed_w: float) -> None:
    """Few distinct answer sets: Jaccard is a lookup table, so it stays bilinear."""
    hot = _one_hot(values, multi=True)
    patterns, pattern_of = np.unique(hot, axis=0, return_inverse=True)
    if len(patterns) > MAX_PATTERNS:
        terms.jaccard.append((abs(signed_w), np.sign(signed_w), hot))
        return
    inter = patterns @ patterns.T
    count = patterns.sum(axis=1)
    union = count[:, None] + count[None, :] - inter
    table = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    which = np.zeros((len(values), len(patterns)), dtype=np.float32)
    which[np.arange(len(values)), pattern_of.ravel()] = 1.0
    terms.bilinear(np.float32(signed_w) * (which @ table), which)


def compute_affinity(problem: Problem, embedder: Embedder | None = None) -> F32:
    """Returns the n x n affinity matrix (float32, symmetric, zero diagonal, values in [0, 1]).

    Text answers are embedded by ``embedder``, by default ``default_embedder``: the semantic
    embedder when it is installed, else TF-IDF.

    Only the upper block triangle is computed; it is mirrored, so the result is exactly symmetric.
    """
    n = len(problem.participants)
    terms = _build_terms(problem, embedder or default_embedder(problem.settings.seed))
    if not terms.den_cols:
        return np.zeros((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)  # every entry is written below
    if not terms.left:  # every term is elementwise; a zero column keeps the product valid
        terms.bilinear(np.zeros(n, np.float32), np.zeros(n, np.float32))
    stacked = _Stacked(terms)
    for start in range(0, n, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, n))
        cols = slice(start, n)
        block = _block(stacked, rows, cols)
        out[rows, cols] = block
        for tile in range(0, n - start, BLOCK_ROWS):  # tile by tile: a whole .T copy thrashes
            width = slice(tile, tile + BLOCK_ROWS)
            out[start + tile : start + tile + BLOCK_ROWS, rows] = block[:, width].T
    np.fill_diagonal(out, 0.0)
    return out


class _Stacked:
    """The feature columns of ``_Terms`` stacked once into matrices."""

    def __init__(self, terms: _Terms) -> None:
        self.terms = terms
        self.left, self.right = np.hstack(terms.left), np.hstack(terms.right)
        self.den_right = np.stack(terms.den_cols, axis=1)
        self.den_left = self.den_right * np.asarray(terms.den_weights, dtype=np.float32)
        narrow = [term for term in terms.jaccard if term[2].shape[1] <= MAX_CODED_OPTIONS]
        self.jaccard = _jaccard_codes(narrow)
        self.cosine = [_cosine_factors(*term) for term in terms.cosine]
        self.wide_jaccard = [
            (w, sign, hot, hot.sum(axis=1))
            for w, sign, hot in terms.jaccard
            if hot.shape[1] > MAX_CODED_OPTIONS
        ]


def _cosine_factors(
    w: float, sign: float, emb: F32, baseline: float
) -> tuple[F32, F32, float, float]:
    """(left, right, w, sign) with left @ right.T = w * (cos - baseline) / (1 - baseline): the
    weight, the scale and the shift folded into one product (one more column), so that a block
    needs only the clip at 0 and the sum after it."""
    scale = np.float32(w / (1 - baseline))
    ones = np.ones((len(emb), 1), dtype=np.float32)
    left = np.hstack([scale * emb, np.float32(-baseline) * scale * ones])
    return left, np.hstack([emb, ones]), w, sign


def _jaccard_codes(
    jaccard: list[tuple[float, float, F32]],
) -> list[tuple[F32, F32, F32]]:
    """Jaccard terms as lookups: (left, right, table) with value = table[left @ right.T].

    For two answer sets, Jaccard = inter / (c_i + c_j - inter) depends only on the overlap and
    the two sizes, which are small integers and bilinear (inter = hot_i . hot_j; c_i + c_j is a
    product with a column of ones). So a mixed-radix code of (overlap, size sum) over several
    questions is one small matrix product (exact: integers below 2**24 in float32), and the
    weighted sum of their Jaccards is one lookup in a table of every code. When everybody picks
    the same number of options (or none), the overlap alone is the code. Questions are packed
    into codes of at most ``MAX_CODES`` values.
    """
    packed: list[tuple[F32, F32, F32]] = []
    left: list[F32] = []
    right: list[F32] = []
    # per question in the current code: (radix, signed weight, largest answer, uniform sizes)
    parts: list[tuple[int, float, int, bool]] = []
    radix = 1

    def close() -> None:
        if not parts:
            return
        codes = np.arange(radix)
        table = np.zeros(radix, dtype=np.float64)
        for base, signed_w, top, uniform in parts:
            digit = codes // base
            inter = digit % (top + 1)
            size_sum = 2 * top if uniform else (digit // (top + 1)) % (2 * top + 1)
            union = size_sum - inter
            table += signed_w * np.divide(
                inter, union, out=np.zeros(radix), where=(union > 0) & (inter > 0)
            )
        packed.append((np.hstack(left), np.hstack(right), table.astype(np.float32)))
        left.clear()
        right.clear()
        parts.clear()

    for w, sign, hot in jaccard:
        count = hot.sum(axis=1)
        top = max(int(count.max()), 1)
        uniform = bool(np.isin(count, [0, top]).all())
        size = top + 1 if uniform else (top + 1) * (2 * top + 1)
        if radix * size > MAX_CODES:
            close()
            radix = 1
        scale = np.float32(radix)
        left.append(scale * hot)
        right.append(hot)
        if not uniform:
            ones = np.ones((len(hot), 1), dtype=np.float32)
            sums = np.float32(radix * (top + 1)) * count[:, None]
            left += [sums, np.float32(radix * (top + 1)) * ones]
            right += [ones, count[:, None].astype(np.float32)]
        parts.append((radix, float(sign * w), top, uniform))
        radix *= size
    close()
    return packed


def _block(stacked: _Stacked, rows: slice, cols: slice) -> F32:
    """Affinities of ``rows`` x ``cols``."""
    terms = stacked.terms
    num = stacked.left[rows] @ stacked.right[cols].T
    for left, right, table in stacked.jaccard:
        code = left[rows] @ right[cols].T
        num += np.take(table, code.astype(np.int32))
    for w, sign, hot, count in stacked.wide_jaccard:
        # in place: these blocks are the largest arrays of the whole run
        inter = hot[rows] @ hot[cols].T
        union = np.subtract(count[rows, None], inter)
        union += count[None, cols]
        np.maximum(union, 1.0, out=union)  # both unanswered: inter is 0 anyway
        np.divide(inter, union, out=inter)
        inter *= np.float32(sign * w)
        num += inter
    for left, right, w, sign in stacked.cosine:
        cos = left[rows] @ right[cols].T  # w * clip((cos - b) / (1 - b), 0, 1):
        np.clip(cos, 0.0, w, out=cos)
        if sign > 0:
            num += cos
        else:
            num -= cos
    for w, sign, texts in terms.sparse_cosine:
        num += np.float32(sign * w) * (texts[rows] @ texts[cols].T).toarray()
    for w, sign, x, span, answered in terms.abs_diff:
        # the w*mask*mask part is bilinear already; subtract w*|a-b|/span where both answered
        dist = np.abs(x[rows, None] - x[None, cols])
        dist *= answered[rows, None] * answered[None, cols]
        dist *= np.float32(sign * w / span)
        num -= dist
    den = stacked.den_left[rows] @ stacked.den_right[cols].T
    np.divide(num, den, out=num, where=den > 0)
    num[den <= 0] = 0.0
    result: F32 = np.clip(num, 0.0, 1.0, out=num)
    return result
