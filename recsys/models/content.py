"""Content-based scoring from item texts (sentence embeddings) and attribute features.

Needs no interactions for an item, so it is what lets new items and new users
(who state a preference in words) get sensible recommendations.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp

from recsys.data import History, Interactions
from recsys.models.base import Recommender
from recsys.text import TextEncoder, default_encoder


class Content(Recommender):
    """score(i) = profile . v_i, v_i = [sqrt(wt) text embedding, sqrt(wf) unit feature row].

    A user profile is the weight-averaged vector of the history items (dislikes
    subtract) plus the embedding of the stated preference, so scores are
    wt x text cosine + wf x feature cosine.
    """

    name = "content"

    def __init__(self, text_weight: float = 1.0, feature_weight: float = 1.0, encoder: Optional[TextEncoder] = None):
        super().__init__(text_weight=text_weight, feature_weight=feature_weight)
        self.text_weight = text_weight
        self.feature_weight = feature_weight
        self.encoder = encoder

    def clone(self) -> "Content":
        return Content(**self.params(), encoder=self.encoder)

    def _encoder(self) -> TextEncoder:
        if self.encoder is None:
            self.encoder = default_encoder()
        return self.encoder

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        parts = []
        self.text_dim = 0
        if self.items.texts is not None:
            text = self._encoder().encode(list(self.items.texts))
            self.text_dim = text.shape[1]
            parts.append(np.sqrt(self.text_weight) * text)
        if self.items.features is not None:
            feats = self.items.features
            norms = np.linalg.norm(feats, axis=1, keepdims=True)
            parts.append(np.sqrt(self.feature_weight) * np.divide(feats, norms, out=np.zeros_like(feats), where=norms > 0))
        if not parts:
            raise ValueError("the content model needs item texts or item features")
        self.item_vectors = np.hstack(parts).astype(np.float32)

    def _score_vectors(self, vectors: sp.csr_matrix, histories: Optional[Sequence[History]] = None) -> np.ndarray:
        rows = np.repeat(np.arange(vectors.shape[0]), np.diff(vectors.indptr))
        total = np.bincount(rows, weights=np.abs(vectors.data), minlength=vectors.shape[0]).astype(np.float32)
        profiles = np.asarray(vectors @ self.item_vectors) / np.maximum(total, 1e-12)[:, None]
        for row, history in enumerate(histories or ()):
            if history.preference and self.text_dim:
                stated = self._encoder().encode([history.preference])[0]
                profiles[row, : self.text_dim] += np.float32(np.sqrt(self.text_weight)) * stated
        return profiles @ self.item_vectors.T

    def _model_state(self) -> dict[str, np.ndarray]:
        return {"item_vectors": self.item_vectors, "text_dim": np.array(self.text_dim)}

    def _set_model_state(self, state: dict[str, np.ndarray]) -> None:
        self.item_vectors = state["item_vectors"]
        self.text_dim = int(state["text_dim"])
