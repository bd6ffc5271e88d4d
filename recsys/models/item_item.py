"""Item-item models: score = history vector @ B, with B learned three ways.

Because the user enters only through the history vector, these models serve
new events (a purchase, a like) immediately: add the item to the history and
score again. B is kept dense (float32), which suits catalogs up to ~20k items.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp

from recsys.data import History, Interactions
from recsys.models.base import Recommender

SECONDS_PER_DAY = 86400.0


def cooccurrence(user_vectors: sp.csr_matrix) -> np.ndarray:
    """c_ij = number of users who interacted positively with both i and j."""
    positive = (user_vectors > 0).astype(np.float64)
    return np.asarray((positive.T @ positive).todense())


class ItemItemModel(Recommender):
    """Shared scoring and state; subclasses set ``self.matrix`` (n_items x n_items) in ``_fit``."""

    matrix: np.ndarray

    def _score_vectors(self, vectors: sp.csr_matrix, histories: Optional[Sequence[History]] = None) -> np.ndarray:
        return np.asarray(vectors @ self.matrix)

    def _model_state(self) -> dict[str, np.ndarray]:
        return {"matrix": self.matrix}

    def _set_model_state(self, state: dict[str, np.ndarray]) -> None:
        self.matrix = state["matrix"]


class ItemKNN(ItemItemModel):
    """Cosine similarity between item columns; each history item votes for its nearest items.

    ``neighbours`` keeps, for every item, only its most similar items (None: all).
    """

    name = "itemknn"

    def __init__(self, neighbours: Optional[int] = None):
        super().__init__(neighbours=neighbours)
        self.neighbours = neighbours

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        counts = cooccurrence(self.user_vectors)
        norms = np.sqrt(np.diag(counts))
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = counts / np.outer(norms, norms)
        sim[~np.isfinite(sim)] = 0.0
        np.fill_diagonal(sim, 0.0)
        if self.neighbours is not None and self.neighbours < sim.shape[1]:
            drop = np.argpartition(-sim, self.neighbours, axis=1)[:, self.neighbours:]
            np.put_along_axis(sim, drop, 0.0, axis=1)
        self.matrix = sim.astype(np.float32)


class EASE(ItemItemModel):
    """Embarrassingly Shallow Autoencoder (Steck 2019): closed-form ridge item-item weights.

    B = I - P / diag(P) with P = (X'X + lambda I)^-1, so diag(B) = 0.
    """

    name = "ease"

    def __init__(self, l2: float = 500.0):
        super().__init__(l2=l2)
        self.l2 = l2

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        gram = cooccurrence(self.user_vectors)
        gram[np.diag_indices_from(gram)] += self.l2
        inverse = np.linalg.inv(gram)
        weights = inverse / (-np.diag(inverse))
        np.fill_diagonal(weights, 0.0)
        self.matrix = weights.astype(np.float32)


class SAR(ItemItemModel):
    """Simple Algorithm for Recommendation, as in Microsoft "recommenders" (protocol doc).

    Jaccard item similarity s_ij = c_ij / (c_ii + c_jj - c_ij); user affinity
    a_ui = sum of weight x 2^(-(t_ref - t) / half_life); scores = A S.
    """

    name = "sar"
    binary_history = False

    def __init__(self, half_life_days: float = 30.0):
        super().__init__(half_life_days=half_life_days)
        self.half_life_days = half_life_days

    def vectorisation(self) -> tuple:
        return ("decay", self.half_life_days)

    def _event_values(self, weights: np.ndarray, timestamps: np.ndarray, reference_time: float) -> np.ndarray:
        age = (reference_time - timestamps) / (self.half_life_days * SECONDS_PER_DAY)
        return weights * np.exp2(-age)

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        counts = cooccurrence(self.user_vectors)
        diag = np.diag(counts)
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = counts / (diag[:, None] + diag[None, :] - counts)
        sim[~np.isfinite(sim)] = 0.0
        self.matrix = sim.astype(np.float32)
