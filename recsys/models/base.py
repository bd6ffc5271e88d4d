"""The interface every recommender shares, and the bookkeeping they all need.

``fit(interactions, items)`` learns from events; ``score(user)`` returns one
score per catalog item for a trained user index, a :class:`History` or a dense
history vector; ``recommend(user, k, filters, exclude_seen)`` turns scores into
a filtered top-k. Scoring from a history is what makes real-time
personalisation work: a purchase or a like made a minute ago changes the next
answer without retraining.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Hashable, Optional, Sequence, Union

import numpy as np
import scipy.sparse as sp

from recsys.data import (
    History,
    IdIndex,
    Interactions,
    ItemCatalog,
    first_occurrence_order,
    sparse_rows,
    user_item_matrix,
)
from recsys.filters import Filters, allowed_mask

log = logging.getLogger(__name__)

UserRef = Union[int, np.integer, History, np.ndarray]


@dataclass(frozen=True)
class Recommendation:
    item_id: Hashable
    score: float


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest finite scores, best first; ties go to the lower position."""
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(np.where(finite, -scores, np.inf), k - 1)[:k]
        candidates = np.flatnonzero(finite & (scores >= scores[part].min()))
    else:
        candidates = np.flatnonzero(finite)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


class Recommender:
    """Base class: id bookkeeping, history vectors, filtering, top-k, state for artifacts.

    Subclasses implement ``_fit`` and ``_score_vectors`` (scores for a batch of
    history vectors); a model with learned per-user parameters overrides
    ``score_users``.
    """

    name: ClassVar[str] = ""
    binary_history: ClassVar[bool] = True
    """Whether summed event weights become +1/-1 (likes/dislikes) in history vectors."""

    def __init__(self, **params: Any):
        self._params = params
        self.items: Optional[ItemCatalog] = None
        self.users: Optional[IdIndex] = None
        self.user_vectors: Optional[sp.csr_matrix] = None
        self.reference_time = 0.0
        self.data_hash = ""

    def params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-able): recorded in manifests, used by ``clone``."""
        return dict(self._params)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "Recommender":
        """An unfitted model from the ``params()`` recorded in a manifest."""
        return cls(**params)

    def learned(self) -> dict[str, Any]:
        """Small fitted values worth showing in a manifest (e.g. blend weights)."""
        return {}

    def clone(self) -> "Recommender":
        """An unfitted copy with the same parameters."""
        return type(self)(**self.params())

    # ---- fitting -------------------------------------------------------------------------
    def fit(self, interactions: Interactions, items: Optional[ItemCatalog] = None) -> "Recommender":
        """Learn from *interactions*; *items* defines the recommendable catalog (default: items seen)."""
        if items is None:
            items = ItemCatalog(first_occurrence_order(interactions.item_ids))
        item_idx = items.index.indices(interactions.item_ids)
        unknown = item_idx < 0
        if unknown.any():
            log.warning("%d interactions name items outside the catalog; ignored", int(unknown.sum()))
            interactions = interactions.subset(~unknown)
            item_idx = item_idx[~unknown]
        self.items = items
        self.users = IdIndex(first_occurrence_order(interactions.user_ids))
        self.reference_time = float(interactions.timestamps.max(initial=0.0))
        self.data_hash = interactions.data_hash()
        self.user_vectors = self._vectors(
            self.users.indices(interactions.user_ids),
            item_idx,
            interactions.weights,
            interactions.timestamps,
            len(self.users),
            self.reference_time,
        )
        self._fit(interactions, item_idx)
        return self

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        raise NotImplementedError

    def _event_values(self, weights: np.ndarray, timestamps: np.ndarray, reference_time: float) -> np.ndarray:
        """Value of each event in a history vector before summing per item."""
        return weights

    def _vectors(
        self,
        row_idx: np.ndarray,
        item_idx: np.ndarray,
        weights: np.ndarray,
        timestamps: np.ndarray,
        n_rows: int,
        reference_time: float,
    ) -> sp.csr_matrix:
        values = self._event_values(weights, timestamps, reference_time)
        return user_item_matrix(row_idx, item_idx, values, n_rows, len(self.items), self.binary_history)

    def vectorisation(self) -> tuple:
        """Models with equal keys build identical history vectors (the hybrid builds each once)."""
        return ("sign",) if self.binary_history else ("sum",)

    def history_vector(self, history: History) -> sp.csr_matrix:
        """1 x n_items vector of *history* in this model's weighting; unknown items are ignored."""
        idx = self.items.index.indices(history.item_ids)
        known = idx >= 0
        stamps = history.timestamps
        if stamps is None:
            reference, stamps = self.reference_time, np.full(len(history), self.reference_time)
        else:
            dated = ~np.isnan(stamps)
            reference = max(self.reference_time, float(stamps[dated].max(initial=-np.inf)))
            stamps = np.where(dated, stamps, reference)
        return self._vectors(
            np.zeros(int(known.sum()), dtype=np.int64),
            idx[known],
            history.weights[known],
            stamps[known],
            1,
            reference,
        )

    # ---- scoring -------------------------------------------------------------------------
    def _score_vectors(self, vectors: sp.csr_matrix, histories: Optional[Sequence[History]] = None) -> np.ndarray:
        """Scores (n x n_items) for history vectors; *histories* carry stated preferences if any."""
        raise NotImplementedError

    def score_users(self, user_idx: np.ndarray) -> np.ndarray:
        """Scores (n x n_items) for trained users, by index."""
        return self._score_vectors(sparse_rows(self.user_vectors, user_idx))

    def score(self, user: UserRef) -> np.ndarray:
        """Scores over all catalog items for a trained user index, a History or a dense history vector."""
        if isinstance(user, (int, np.integer)):
            return self.score_users(np.array([user]))[0]
        if isinstance(user, History):
            return self._score_vectors(self.history_vector(user), [user])[0]
        vector = np.asarray(user, dtype=np.float32)
        if vector.shape != (len(self.items),):
            raise ValueError(f"history vector has shape {vector.shape}, expected ({len(self.items)},)")
        return self._score_vectors(sp.csr_matrix(vector))[0]

    # ---- recommending --------------------------------------------------------------------
    def _seen(self, user: Union[Hashable, History]) -> tuple[UserRef, np.ndarray]:
        """The scoring reference for *user* and the catalog positions it has interacted with."""
        if isinstance(user, History):
            idx = self.items.index.indices(user.item_ids)
            return user, idx[idx >= 0]
        try:
            u = self.users.index(user)
        except KeyError:
            raise KeyError(
                f"unknown user {user!r}: pass a History (or use the hybrid model for cold start)"
            ) from None
        indptr = self.user_vectors.indptr
        return u, self.user_vectors.indices[indptr[u] : indptr[u + 1]]

    def recommend(
        self,
        user: Union[Hashable, History],
        k: int = 10,
        filters: Filters = None,
        exclude_seen: bool = True,
    ) -> list[Recommendation]:
        """Top-k items for a user id or a History, restricted by *filters*, best first."""
        ref, seen = self._seen(user)
        scores = self.score(ref).astype(np.float64)
        keep = allowed_mask(self.items, filters)
        if exclude_seen:
            keep[seen] = False
        scores[~keep] = -np.inf
        return [Recommendation(self.items.ids[i].item(), float(scores[i])) for i in top_k(scores, k)]

    # ---- state for artifacts -------------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        """Every fitted array (no pickles); the inverse of ``set_state``."""
        state = {
            "items.ids": self.items.ids,
            "users.ids": self.users.ids,
            "user_vectors.data": self.user_vectors.data,
            "user_vectors.indices": self.user_vectors.indices,
            "user_vectors.indptr": self.user_vectors.indptr,
            "reference_time": np.array(self.reference_time),
        }
        if self.items.texts is not None:
            state["items.texts"] = np.asarray(self.items.texts, dtype=str)
        if self.items.features is not None:
            state["items.features"] = self.items.features
        for name, column in self.items.attributes.items():
            state[f"items.attr.{name}"] = column
        return {**state, **{f"model.{k}": v for k, v in self._model_state().items()}}

    def set_state(self, state: dict[str, np.ndarray], data_hash: str = "") -> "Recommender":
        self.items = ItemCatalog(
            state["items.ids"],
            texts=list(state["items.texts"]) if "items.texts" in state else None,
            attributes={k[len("items.attr."):]: v for k, v in state.items() if k.startswith("items.attr.")},
            features=state.get("items.features"),
        )
        self.users = IdIndex(state["users.ids"])
        self.user_vectors = sp.csr_matrix(
            (state["user_vectors.data"], state["user_vectors.indices"], state["user_vectors.indptr"]),
            shape=(len(self.users), len(self.items)),
        )
        self.reference_time = float(state["reference_time"])
        self.data_hash = data_hash
        self._set_model_state({k[len("model."):]: v for k, v in state.items() if k.startswith("model.")})
        return self

    def _model_state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _set_model_state(self, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError
