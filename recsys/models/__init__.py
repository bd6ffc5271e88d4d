"""All recommenders, by the name recorded in artifact manifests."""

from __future__ import annotations

from typing import Any, Mapping

from recsys.models.base import Recommendation, Recommender, top_k
from recsys.models.content import Content
from recsys.models.hybrid import Hybrid, default_components
from recsys.models.item_item import EASE, SAR, ItemKNN
from recsys.models.mf import ALS
from recsys.models.popularity import Popularity

MODELS: dict[str, type[Recommender]] = {
    cls.name: cls for cls in (Popularity, ItemKNN, EASE, SAR, ALS, Content, Hybrid)
}


def build(name: str, params: Mapping[str, Any]) -> Recommender:
    """An unfitted model from its manifest name and parameters."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}") from None
    return cls.from_params(dict(params))


__all__ = [
    "ALS",
    "EASE",
    "MODELS",
    "SAR",
    "Content",
    "Hybrid",
    "ItemKNN",
    "Popularity",
    "Recommendation",
    "Recommender",
    "build",
    "default_components",
    "top_k",
]
