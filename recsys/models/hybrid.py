"""Hybrid: a learned blend of per-user normalised component scores, with cold-start paths.

Each component's scores for a user are z-normalised over the items the user
may still be shown, so models with different scales add up. The blend weights
are learned by coordinate ascent on NDCG@k over a validation split carved
from the training interactions only (the protocol's stratified split applied
to train), then every component is refitted on all training data.

Cold start: a user with no known history gets popularity, or a mix of
popularity and content scores of a stated preference; an item nobody has
interacted with yet takes its content z-score in place of each collaborative
z-score, so a good content match can rank among warm items.
"""

from __future__ import annotations

import logging
from typing import Any, Hashable, Mapping, Optional, Union

import numpy as np

from recsys.data import History, Interactions, ItemCatalog, sparse_rows
from recsys.metrics import ndcg_at_k, stratified_split
from recsys.models.base import Recommender, UserRef
from recsys.models.content import Content
from recsys.models.item_item import EASE, SAR, ItemKNN
from recsys.models.mf import ALS
from recsys.models.popularity import Popularity

log = logging.getLogger(__name__)

WEIGHT_GRID = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def default_components(items: ItemCatalog) -> dict[str, Recommender]:
    """Every model of the engine; content only when the catalog has texts or features."""
    components: dict[str, Recommender] = {
        "popularity": Popularity(),
        "sar": SAR(),
        "itemknn": ItemKNN(),
        "ease": EASE(),
        "als": ALS(),
    }
    if items.texts is not None or items.features is not None:
        components["content"] = Content()
    return components


def normalise(scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Row-wise z-scores over eligible entries; ineligible entries and constant rows give 0."""
    scores = np.asarray(scores, dtype=np.float64)
    count = np.maximum(eligible.sum(axis=1, keepdims=True), 1)
    mean = np.where(eligible, scores, 0.0).sum(axis=1, keepdims=True) / count
    centred = np.where(eligible, scores - mean, 0.0)
    std = np.sqrt((centred**2).sum(axis=1, keepdims=True) / count)
    return np.divide(centred, std, out=np.zeros_like(centred), where=std > 1e-12).astype(np.float32)


class Hybrid(Recommender):
    """Weighted sum of normalised component scores; weights learned on train-only validation."""

    name = "hybrid"

    def __init__(
        self,
        components: Optional[Mapping[str, Recommender]] = None,
        weights: Optional[Mapping[str, float]] = None,
        validation_ratio: float = 0.75,
        seed: int = 42,
        k: int = 10,
        cold_preference_weight: float = 0.7,
    ):
        super().__init__(
            validation_ratio=validation_ratio, seed=seed, k=k, cold_preference_weight=cold_preference_weight
        )
        self.components = dict(components) if components is not None else None
        self.weights = dict(weights) if weights is not None else None
        self.fixed_weights = weights is not None
        self.validation_ratio = validation_ratio
        self.seed = seed
        self.k = k
        self.cold_preference_weight = cold_preference_weight
        self.validation_ndcg = float("nan")

    def params(self) -> dict[str, Any]:
        specs = {n: {"model": c.name, "params": c.params()} for n, c in (self.components or {}).items()}
        fixed = {"weights": self.weights} if self.fixed_weights else {}
        return {**super().params(), "components": specs, **fixed}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "Hybrid":
        from recsys.models import build

        params = dict(params)
        specs = params.pop("components")
        return cls(components={n: build(s["model"], s["params"]) for n, s in specs.items()}, **params)

    def clone(self) -> "Hybrid":
        components = {n: c.clone() for n, c in self.components.items()} if self.components else None
        return Hybrid(components, self.weights if self.fixed_weights else None, **super().params())

    # ---- fitting -------------------------------------------------------------------------
    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        if self.components is None:
            self.components = default_components(self.items)
        if "popularity" not in self.components:
            self.components = {"popularity": Popularity(), **self.components}
        if not self.fixed_weights:
            self.weights = self._learn_weights(interactions)
        for name, component in self.components.items():
            log.info("hybrid: fitting %s on %d interactions", name, len(interactions))
            component.fit(interactions, self.items)
        self._refresh_cold_items()

    def _refresh_cold_items(self) -> None:
        self.cold_items = self.components["popularity"].counts == 0

    def _learn_weights(self, interactions: Interactions) -> dict[str, float]:
        """Coordinate ascent on NDCG@k of the blend over a validation split of *interactions*."""
        in_part = stratified_split(interactions.item_ids, self.validation_ratio, self.seed)
        part, held = interactions.subset(in_part), interactions.subset(~in_part)
        clones = {}
        for name, component in self.components.items():
            log.info("hybrid: fitting %s on the validation part (%d interactions)", name, len(part))
            clones[name] = component.clone().fit(part, self.items)
        reference = clones["popularity"]
        rows = reference.users.indices(held.user_ids)
        cols = self.items.index.indices(held.item_ids)
        relevant = np.zeros((len(reference.users), len(self.items)), dtype=bool)
        relevant[rows[rows >= 0], cols[rows >= 0]] = True
        users = np.flatnonzero(relevant.any(axis=1))
        relevant = relevant[users]
        if len(users) == 0:
            log.warning("hybrid: the validation split has no held-out events; using equal weights")
            self.validation_ndcg = float("nan")
            return {n: 1.0 for n in clones}
        eligible = reference.user_vectors[users].toarray() == 0
        cold = reference.counts == 0
        z = {n: normalise(c.score_users(users), eligible) for n, c in clones.items()}
        n_relevant = relevant.sum(axis=1)

        def quality(weights: dict[str, float]) -> float:
            blended = np.where(eligible, self._blend(z, weights, cold), -np.inf)
            top = np.argpartition(-blended, min(self.k, blended.shape[1] - 1), axis=1)[:, : self.k]
            order = np.argsort(-np.take_along_axis(blended, top, axis=1), axis=1)
            top = np.take_along_axis(top, order, axis=1)
            return ndcg_at_k(np.take_along_axis(relevant, top, axis=1), n_relevant)

        weights = {n: 1.0 for n in clones}
        best = quality(weights)
        log.info("hybrid: validation NDCG@%d with equal weights %.4f (%d users)", self.k, best, len(users))
        for round_ in range(4):
            improved = False
            for name in weights:
                for value in WEIGHT_GRID:
                    trial = {**weights, name: value}
                    if value == weights[name] or not any(trial.values()):
                        continue
                    q = quality(trial)
                    if q > best + 1e-6:
                        best, weights, improved = q, trial, True
            log.info("hybrid: round %d validation NDCG@%d %.4f weights %s", round_ + 1, self.k, best, weights)
            if not improved:
                break
        self.validation_ndcg = best
        return weights

    # ---- scoring -------------------------------------------------------------------------
    def _blend(self, z: Mapping[str, np.ndarray], weights: Mapping[str, float], cold: np.ndarray) -> np.ndarray:
        total = sum(w * z[n] for n, w in weights.items() if w)
        if cold.any() and "content" in z:
            total[:, cold] = sum(weights.values()) * z["content"][:, cold]
        return total

    def _active(self) -> dict[str, Recommender]:
        """Components that contribute: weighted ones, and content whenever there are cold items."""
        return {
            n: c
            for n, c in self.components.items()
            if self.weights.get(n) or (n == "content" and self.cold_items.any())
        }

    def score_users(self, user_idx: np.ndarray) -> np.ndarray:
        eligible = sparse_rows(self.user_vectors, user_idx).toarray() == 0
        z = {n: normalise(c.score_users(user_idx), eligible) for n, c in self._active().items()}
        return self._blend(z, self.weights, self.cold_items)

    def score(self, user: UserRef) -> np.ndarray:
        if isinstance(user, (int, np.integer)):
            return self.score_users(np.array([user]))[0]
        if isinstance(user, np.ndarray):
            nonzero = np.flatnonzero(user)
            user = History(self.items.ids[nonzero], weights=user[nonzero])
        eligible = np.ones((1, len(self.items)), dtype=bool)
        known = self.items.index.indices(user.item_ids)
        eligible[0, known[known >= 0]] = False
        if not (known >= 0).any():
            return self._cold_user_scores(user, eligible)
        vectors: dict[tuple, Any] = {}
        z = {}
        for name, component in self._active().items():
            key = component.vectorisation()
            if key not in vectors:
                vectors[key] = component.history_vector(user)
            z[name] = normalise(component._score_vectors(vectors[key], [user]), eligible)
        return self._blend(z, self.weights, self.cold_items)[0]

    def _cold_user_scores(self, history: History, eligible: np.ndarray) -> np.ndarray:
        """Popularity, mixed with content scores of the stated preference when there is one."""
        popular = normalise(self.components["popularity"].score(history)[None, :], eligible)[0]
        content = self.components.get("content")
        if not history.preference or content is None:
            return popular
        stated = normalise(content.score(history)[None, :], eligible)[0]
        w = self.cold_preference_weight
        return w * stated + (1.0 - w) * popular

    def _seen(self, user: Union[Hashable, History]) -> tuple[UserRef, np.ndarray]:
        """Unknown user ids are new users: an empty history, served by the cold-start path."""
        if not isinstance(user, History) and user not in self.users:
            user = History()
        return super()._seen(user)

    # ---- state ---------------------------------------------------------------------------
    def learned(self) -> dict[str, Any]:
        ndcg = None if np.isnan(self.validation_ndcg) else round(float(self.validation_ndcg), 6)
        return {"weights": self.weights, "validation_ndcg_at_k": ndcg}

    def _model_state(self) -> dict[str, np.ndarray]:
        state = {
            "weight_names": np.array(list(self.weights), dtype=str),
            "weight_values": np.array(list(self.weights.values()), dtype=np.float64),
        }
        for name, component in self.components.items():
            state.update({f"component.{name}.{k}": v for k, v in component.get_state().items()})
        return state

    def _set_model_state(self, state: dict[str, np.ndarray]) -> None:
        self.weights = dict(zip(state["weight_names"].tolist(), state["weight_values"].tolist()))
        for name, component in self.components.items():
            prefix = f"component.{name}."
            component.set_state({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}, self.data_hash)
        self._refresh_cold_items()
