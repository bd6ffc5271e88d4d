"""Ranking metrics and the stratified split of the MovieLens protocol.

Definitions follow /work/shared/docs/recsys-protocol.md (Microsoft
"recommenders" python_evaluation, relevancy "top_k"), so our rows compare with
the published ones. Every metric is computed from a hit matrix: hits[u, r] is
True when user u's item at rank r+1 is relevant.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Collection, Hashable, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class RankingMetrics:
    precision_at_k: float
    recall_at_k: float
    ndcg_at_k: float
    map: float
    n_users: int

    def as_dict(self) -> dict:
        return asdict(self)


def hit_matrix(
    recommended: Mapping[Hashable, Sequence[Hashable]],
    relevant: Mapping[Hashable, Collection[Hashable]],
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(hits: n_users x k bool, n_relevant per user) over users present in both mappings."""
    users = [u for u in recommended if len(relevant.get(u, ())) > 0]
    hits = np.zeros((len(users), k), dtype=bool)
    n_relevant = np.zeros(len(users))
    for row, user in enumerate(users):
        truth = set(relevant[user])
        n_relevant[row] = len(truth)
        for rank, item in enumerate(list(recommended[user])[:k]):
            hits[row, rank] = item in truth
    return hits, n_relevant


def precision_at_k(hits: np.ndarray) -> float:
    """Mean over users of hits / k (k = number of columns, even for shorter lists)."""
    return float(hits.sum(axis=1).mean() / hits.shape[1])


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray) -> float:
    """Mean over users of hits / |test items of the user|."""
    return float((hits.sum(axis=1) / n_relevant).mean())


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray) -> float:
    """Binary-relevance NDCG with discount 1/ln(1 + rank); ideal = min(k, |test|) hits on top."""
    discounts = 1.0 / np.log1p(np.arange(1, hits.shape[1] + 1))
    dcg = hits @ discounts
    ideal = np.cumsum(discounts)[np.minimum(hits.shape[1], n_relevant).astype(int) - 1]
    return float((dcg / ideal).mean())


def mean_average_precision(hits: np.ndarray, n_relevant: np.ndarray) -> float:
    """The protocol's "map": sum over hits of (hits so far / rank), divided by |test|, averaged."""
    ranks = np.arange(1, hits.shape[1] + 1)
    precision_at_hit = np.cumsum(hits, axis=1) / ranks
    return float(((precision_at_hit * hits).sum(axis=1) / n_relevant).mean())


def evaluate(
    recommended: Mapping[Hashable, Sequence[Hashable]],
    relevant: Mapping[Hashable, Collection[Hashable]],
    k: int = 10,
) -> RankingMetrics:
    """All four metrics; users without test items or without recommendations are not counted."""
    hits, n_relevant = hit_matrix(recommended, relevant, k)
    if len(hits) == 0:
        raise ValueError("no user has both recommendations and relevant items")
    return RankingMetrics(
        precision_at_k(hits),
        recall_at_k(hits, n_relevant),
        ndcg_at_k(hits, n_relevant),
        mean_average_precision(hits, n_relevant),
        len(hits),
    )


def stratified_split(groups: np.ndarray, ratio: float = 0.75, seed: int = 42) -> np.ndarray:
    """Boolean train mask: within each group, the round(ratio x count) rows with the smallest draws.

    Exactly python_stratified_split(filter_by=<groups>): one uniform draw per row
    in input order from numpy's legacy generator seeded with *seed* (the same
    stream as numpy.random.seed(seed); numpy.random.rand(n)), rows sorted by
    (group, draw), round half to even.
    """
    groups = np.asarray(groups)
    n = len(groups)
    draws = np.random.RandomState(seed).rand(n)
    order = np.lexsort((draws, groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1] if n else np.zeros(0, int)
    counts = np.diff(np.r_[starts, n])
    group_of_row = np.repeat(np.arange(len(starts)), counts)
    rank = np.arange(n) - starts[group_of_row] + 1
    train = np.empty(n, dtype=bool)
    train[order] = rank <= np.round(ratio * counts)[group_of_row]
    return train
