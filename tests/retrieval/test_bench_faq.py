"""The benchmark's own arithmetic: intent ranking, metrics and the sparse BM25 scorer."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bench.faq import (
    SparseBM25,
    intent_metrics,
    knn_vote,
    neighbour_metrics,
    reciprocal_rank_fusion,
    tokenize,
    top_k,
    top_m_mean,
)

# Two queries over 5 indexed utterances with intents [0, 1, 1, 2, 0].
DOC_LABELS = np.array([0, 1, 1, 2, 0])
SCORES = np.array([[0.9, 0.8, 0.7, 0.2], [0.6, 0.5, 0.4, 0.3]])
IDS = np.array([[1, 0, 2, 3], [3, 4, 0, 1]])


def test_top_m_mean_pads_missing_neighbours_with_the_last_score() -> None:
    nearest = top_m_mean(SCORES, IDS, DOC_LABELS, 3, m=1)
    assert nearest.tolist() == [[0.8, 0.9, 0.2], [0.5, 0.3, 0.6]]
    pairs = top_m_mean(SCORES, IDS, DOC_LABELS, 4, m=2)
    # Query 0: intent 1 has 0.9 and 0.7; intent 0 has 0.8 and pads with 0.2; intent 3 absent.
    assert pairs[0, :3].tolist() == pytest.approx([0.5, 0.8, 0.2])
    assert pairs[0, 3] == -np.inf


def test_intent_metrics_by_hand() -> None:
    intent_scores = np.array([[0.1, 0.9, 0.5], [0.7, 0.2, 0.3], [0.3, 0.2, 0.1]])
    # True intents: 1 (rank 1), 2 (rank 2), 2 (rank 3).
    assert intent_metrics(intent_scores, np.array([1, 2, 2])) == {
        "top1": round(1 / 3, 4),
        "recall_at_5": 1.0,
        "mrr_at_10": round((1 + 1 / 2 + 1 / 3) / 3, 4),
    }


def test_neighbour_metrics_count_repeated_intents() -> None:
    ids = np.array([[1, 2, 0] + [0] * 7, [3, 3, 3] + [3] * 7])
    # Query 0 (intent 0): first intent-0 neighbour at position 3; query 1 (intent 1): never.
    assert neighbour_metrics(ids, DOC_LABELS, np.array([0, 1])) == {
        "neighbour_recall_at_5": 0.5,
        "neighbour_mrr_at_10": round((1 / 3) / 2, 4),
    }


def test_knn_vote_and_rrf() -> None:
    votes = knn_vote(SCORES, IDS, DOC_LABELS, 3, k=3, sharpness=0.0)
    assert votes.tolist() == [[1, 2, 0], [2, 0, 1]]
    fused = reciprocal_rank_fusion(np.array([[3.0, 2.0, 1.0]]), np.array([[1.0, 3.0, 2.0]]), k=1)
    assert fused[0].tolist() == pytest.approx([1 / 2 + 1 / 4, 1 / 3 + 1 / 2, 1 / 4 + 1 / 3])


def test_top_k_sorts_and_breaks_ties_by_column() -> None:
    scores, ids = top_k(np.array([[0.1, 0.5, 0.5, 0.9]]), 3)
    assert ids.tolist() == [[3, 1, 2]] and scores.tolist() == [[0.9, 0.5, 0.5]]


def test_sparse_bm25_equals_rank_bm25() -> None:
    documents = ["my card has not arrived", "card payment declined", "how do I top up", "top up by card card"]
    queries = ["card arrived", "top up card card", "unknown words only"]
    reference = BM25Okapi([tokenize(d) for d in documents])
    scores = SparseBM25(documents).scores(queries)
    for row, query in zip(scores, queries):
        assert row == pytest.approx(reference.get_scores(tokenize(query)), abs=1e-9)
    assert scores[2].tolist() == [0.0] * 4
