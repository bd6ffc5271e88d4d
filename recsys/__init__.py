"""Recommender engine: generic over users x items, with optional item texts and attributes.

Plain Python with typed inputs and outputs; no Rasa, no database. See
docs/recsys.md for the design and the measured MovieLens-100K table.
"""

from recsys.data import History, IdIndex, Interactions, ItemCatalog
from recsys.models import (
    ALS,
    EASE,
    SAR,
    Content,
    Hybrid,
    ItemKNN,
    Popularity,
    Recommendation,
    Recommender,
)

__all__ = [
    "ALS",
    "EASE",
    "SAR",
    "Content",
    "History",
    "Hybrid",
    "IdIndex",
    "Interactions",
    "ItemCatalog",
    "ItemKNN",
    "Popularity",
    "Recommendation",
    "Recommender",
]
