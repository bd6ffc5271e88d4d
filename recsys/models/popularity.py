"""Most popular items: the baseline every model must beat, and the cold-start fallback."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp

from recsys.data import History, Interactions
from recsys.models.base import Recommender


class Popularity(Recommender):
    """Score = number of distinct users who interacted with the item (same for everyone)."""

    name = "popularity"

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        positive = self.user_vectors > 0
        self.counts = np.asarray(positive.sum(axis=0), dtype=np.float64).ravel()

    def _score_vectors(self, vectors: sp.csr_matrix, histories: Optional[Sequence[History]] = None) -> np.ndarray:
        return np.tile(self.counts, (vectors.shape[0], 1))

    def _model_state(self) -> dict[str, np.ndarray]:
        return {"counts": self.counts}

    def _set_model_state(self, state: dict[str, np.ndarray]) -> None:
        self.counts = state["counts"]
