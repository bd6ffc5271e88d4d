"""Serving a fitted hybrid: scores per user history, request-time filtering, and reasons.

Scoring is split from picking so that a caller can cache one score vector per
user and still apply fresh filters (category, price, live stock) per request.
Every item in the history is excluded from what is picked: bought, liked and
disliked items are not offered again. Feedback enters as history events
(+1 like, -1 dislike), so it changes the next scores without retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Optional

import numpy as np

from recsys.data import History
from recsys.models.base import top_k
from recsys.models.hybrid import Hybrid

VARIANTS = ("hybrid", "popularity")


@dataclass(frozen=True)
class Suggestion:
    item_id: Hashable
    score: float
    # The liked or bought item this one is most similar to; None when the reason is popularity.
    because: Optional[Hashable]


class Ranker:
    """Recommendations from a fitted :class:`Hybrid`, as the blend or as plain popularity (A/B)."""

    def __init__(self, model: Hybrid) -> None:
        self.model = model
        self.items = model.items
        self.popularity = np.asarray(model.components["popularity"].counts, dtype=np.float64)
        self._similarity = self._item_similarity()

    def _item_similarity(self) -> np.ndarray:
        """Co-purchase cosine where there is one, content cosine (scaled below it) otherwise."""
        knn = self.model.components.get("itemknn")
        similarity = np.array(knn.matrix, dtype=np.float64) if knn is not None else np.zeros((len(self.items),) * 2)
        content = self.model.components.get("content")
        if content is not None:
            vectors = content.item_vectors / np.maximum(np.linalg.norm(content.item_vectors, axis=1, keepdims=True), 1e-12)
            similarity += 1e-3 * (vectors @ vectors.T)
        np.fill_diagonal(similarity, 0.0)
        return similarity

    def scores(self, history: History, variant: str) -> np.ndarray:
        """One score per catalog item for *history* under *variant* (cacheable)."""
        if variant == "popularity":
            return self.popularity.copy()
        if variant != "hybrid":
            raise ValueError(f"unknown variant {variant!r}; known: {VARIANTS}")
        return np.asarray(self.model.score(history), dtype=np.float64)

    def personalised(self, history: History) -> bool:
        """Whether *history* has a liked or bought item the model knows (else it is a cold start)."""
        known = self.items.index.indices(history.item_ids[history.weights > 0])
        return bool((known >= 0).any())

    def pick(self, scores: np.ndarray, history: History, allowed: np.ndarray, k: int) -> list[Suggestion]:
        """Top *k* allowed items not in *history*, each with the history item that explains it."""
        scores = np.where(allowed, scores, -np.inf)
        seen = self.items.index.indices(history.item_ids)
        scores[seen[seen >= 0]] = -np.inf
        liked = self.items.index.indices(history.item_ids[history.weights > 0])
        liked = liked[liked >= 0]
        picked = []
        for position in top_k(scores, k):
            because = None
            if len(liked):
                similarity = self._similarity[liked, position]
                if similarity.max() > 0:
                    because = self.items.ids[liked[int(np.argmax(similarity))]].item()
            picked.append(Suggestion(self.items.ids[position].item(), float(scores[position]), because))
        return picked
