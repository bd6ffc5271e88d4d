"""Business filters: boolean masks over the catalog's attribute columns.

A filter only decides which items may be shown; it never changes scores, so
any model can be combined with any filter. Masks are evaluated against the
catalog at request time, so live columns (stock) need no refit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Optional, Protocol, Sequence, Union

import numpy as np

from recsys.data import ItemCatalog


class ItemFilter(Protocol):
    def mask(self, items: ItemCatalog) -> np.ndarray:
        """True for every item that may be recommended."""


def _column(items: ItemCatalog, name: str) -> np.ndarray:
    try:
        return items.attributes[name]
    except KeyError:
        raise KeyError(f"the catalog has no attribute {name!r}; it has {sorted(items.attributes)}") from None


@dataclass(frozen=True)
class OneOf:
    """Attribute value is one of *values* (e.g. category in {"books", "games"})."""

    column: str
    values: tuple

    def mask(self, items: ItemCatalog) -> np.ndarray:
        return np.isin(_column(items, self.column), np.asarray(self.values))


@dataclass(frozen=True)
class Between:
    """low <= attribute <= high; either bound may be None. Missing (NaN) values fail."""

    column: str
    low: Optional[float] = None
    high: Optional[float] = None

    def mask(self, items: ItemCatalog) -> np.ndarray:
        col = _column(items, self.column).astype(np.float64)
        keep = ~np.isnan(col)
        if self.low is not None:
            keep &= col >= self.low
        if self.high is not None:
            keep &= col <= self.high
        return keep


@dataclass(frozen=True)
class IsTrue:
    """A boolean (or count) attribute is true / positive, e.g. in stock."""

    column: str

    def mask(self, items: ItemCatalog) -> np.ndarray:
        return _column(items, self.column).astype(bool)


@dataclass(frozen=True)
class Excluding:
    """Every item except the given ids (already bought, disliked, in the basket)."""

    item_ids: tuple

    def mask(self, items: ItemCatalog) -> np.ndarray:
        keep = np.ones(len(items), dtype=bool)
        pos = items.index.indices(list(self.item_ids))
        keep[pos[pos >= 0]] = False
        return keep


@dataclass(frozen=True)
class Where:
    """Any vectorised predicate over one column: ``Where("title", lambda c: np.char.find(c, "x") >= 0)``."""

    column: str
    predicate: Callable[[np.ndarray], np.ndarray]

    def mask(self, items: ItemCatalog) -> np.ndarray:
        return np.asarray(self.predicate(_column(items, self.column)), dtype=bool)


def category_in(*categories: Hashable, column: str = "category") -> OneOf:
    return OneOf(column, tuple(categories))


def price_between(low: Optional[float] = None, high: Optional[float] = None, column: str = "price") -> Between:
    return Between(column, low, high)


def in_stock(column: str = "in_stock") -> IsTrue:
    return IsTrue(column)


def exclude_items(item_ids: Sequence[Hashable]) -> Excluding:
    return Excluding(tuple(item_ids))


Filters = Union[None, np.ndarray, ItemFilter, Sequence[ItemFilter]]


def allowed_mask(items: ItemCatalog, filters: Filters) -> np.ndarray:
    """AND of all filters; a ready boolean mask over catalog positions is passed through."""
    if filters is None:
        return np.ones(len(items), dtype=bool)
    if isinstance(filters, np.ndarray):
        if filters.shape != (len(items),):
            raise ValueError(f"mask has shape {filters.shape}, catalog has {len(items)} items")
        return filters.astype(bool)
    if hasattr(filters, "mask"):
        filters = [filters]
    keep = np.ones(len(items), dtype=bool)
    for item_filter in filters:
        keep &= item_filter.mask(items)
    return keep
