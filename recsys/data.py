"""Typed inputs of the engine: interactions, the item catalog, a user's history.

The engine is generic over users x items. Ids are whatever the caller uses
(ints or strings); models work on dense indices, and :class:`IdIndex` is the
one place that maps between the two.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Hashable, Iterable, Mapping, Optional, Sequence

import numpy as np
import scipy.sparse as sp


def _id_array(ids: Iterable[Hashable]) -> np.ndarray:
    """Ids as an int64 or unicode array, so they sort, hash and save without pickle."""
    arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "U":
        return arr
    if arr.size == 0:
        return arr.astype(np.int64)
    return arr.astype(str)


def first_occurrence_order(ids: np.ndarray) -> np.ndarray:
    """Distinct values of *ids* in the order they first appear."""
    _, first = np.unique(ids, return_index=True)
    return ids[np.sort(first)]


class IdIndex:
    """Bijection between external ids and positions 0..n-1."""

    def __init__(self, ids: Iterable[Hashable]):
        self.ids = _id_array(ids)
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        if len(self._sorted) > 1 and np.any(self._sorted[1:] == self._sorted[:-1]):
            raise ValueError("ids must be unique")

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item_id: Hashable) -> bool:
        return self.indices([item_id])[0] >= 0

    def indices(self, ids: Iterable[Hashable]) -> np.ndarray:
        """Positions of *ids*; -1 for ids not in the index."""
        query = _id_array(ids)
        if len(self) == 0 or query.size == 0:
            return np.full(query.shape, -1, dtype=np.int64)
        if query.dtype.kind != self.ids.dtype.kind:
            try:
                query = query.astype(self.ids.dtype)
            except ValueError:  # e.g. "abc" against integer ids: none can match
                return np.full(query.shape, -1, dtype=np.int64)
        pos = np.searchsorted(self._sorted, query)
        pos_clipped = np.minimum(pos, len(self) - 1)
        found = (pos < len(self)) & (self._sorted[pos_clipped] == query)
        return np.where(found, self._order[pos_clipped], -1).astype(np.int64)

    def index(self, item_id: Hashable) -> int:
        """Position of one id; KeyError if unknown."""
        pos = int(self.indices([item_id])[0])
        if pos < 0:
            raise KeyError(item_id)
        return pos


@dataclass
class Interactions:
    """One row per event: user bought / rated / clicked item (weight) at time (seconds)."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    weights: Optional[np.ndarray] = None
    timestamps: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.user_ids = _id_array(self.user_ids)
        self.item_ids = _id_array(self.item_ids)
        n = len(self.user_ids)
        self.weights = np.ones(n) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        self.timestamps = (
            np.zeros(n) if self.timestamps is None else np.asarray(self.timestamps, dtype=np.float64)
        )
        if not (len(self.item_ids) == len(self.weights) == len(self.timestamps) == n):
            raise ValueError("user_ids, item_ids, weights and timestamps must have the same length")

    def __len__(self) -> int:
        return len(self.user_ids)

    def subset(self, rows: np.ndarray) -> "Interactions":
        """The rows selected by a boolean mask or index array, in their order."""
        return Interactions(
            self.user_ids[rows], self.item_ids[rows], self.weights[rows], self.timestamps[rows]
        )

    def data_hash(self) -> str:
        """sha256 of the content, recorded in artifact manifests to tie a model to its data."""
        digest = hashlib.sha256()
        for arr in (self.user_ids, self.item_ids, self.weights, self.timestamps):
            digest.update(str(arr.dtype).encode())
            digest.update(np.ascontiguousarray(arr).tobytes())
        return digest.hexdigest()


@dataclass
class ItemCatalog:
    """The items a model can recommend, in index order, with optional content.

    ``attributes`` are per-item columns that filters read (``category``,
    ``price``, ``in_stock``...). ``texts`` feed the text encoder; ``features``
    is a numeric matrix (e.g. one-hot categories or genres) for content
    similarity. Items never interacted with are still recommendable (cold items).
    """

    ids: np.ndarray
    texts: Optional[Sequence[str]] = None
    attributes: Mapping[str, np.ndarray] = field(default_factory=dict)
    features: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.ids = _id_array(self.ids)
        self.index = IdIndex(self.ids)
        n = len(self.ids)
        self.attributes = {name: np.asarray(col) for name, col in self.attributes.items()}
        for name, col in self.attributes.items():
            if len(col) != n:
                raise ValueError(f"attribute {name!r} has {len(col)} values for {n} items")
        if self.texts is not None and len(self.texts) != n:
            raise ValueError(f"{len(self.texts)} texts for {n} items")
        if self.features is not None:
            self.features = np.asarray(self.features, dtype=np.float64)
            if self.features.shape[0] != n:
                raise ValueError(f"features have {self.features.shape[0]} rows for {n} items")

    def __len__(self) -> int:
        return len(self.ids)

    def set_attribute(self, name: str, item_ids: Sequence[Hashable], values: Sequence) -> None:
        """Update one column for some items (e.g. stock levels) without refitting."""
        pos = self.index.indices(item_ids)
        if np.any(pos < 0):
            raise KeyError(f"unknown items: {list(np.asarray(item_ids)[pos < 0])}")
        col = self.attributes[name].copy() if name in self.attributes else None
        values = np.asarray(values)
        if col is None:
            col = np.zeros(len(self), dtype=values.dtype)
        col[pos] = values
        self.attributes = {**self.attributes, name: col}


@dataclass
class History:
    """What is known about one user at request time.

    Built by the caller from purchases, ratings and in-chat feedback, so new
    events change the next recommendations without retraining. A negative
    weight is a dislike. ``timestamps`` (seconds) drive time decay where a model
    uses it; missing (None or NaN) timestamps mean "now". ``preference`` is a stated taste in
    words ("light sci-fi for kids"), used by content scoring and cold start.
    """

    item_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    weights: Optional[np.ndarray] = None
    timestamps: Optional[np.ndarray] = None
    preference: str = ""

    def __post_init__(self) -> None:
        self.item_ids = _id_array(self.item_ids)
        n = len(self.item_ids)
        self.weights = np.ones(n) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        if self.timestamps is not None:
            self.timestamps = np.asarray(self.timestamps, dtype=np.float64)
        if len(self.weights) != n or (self.timestamps is not None and len(self.timestamps) != n):
            raise ValueError("item_ids, weights and timestamps must have the same length")

    def __len__(self) -> int:
        return len(self.item_ids)

    def add(self, item_id: Hashable, weight: float = 1.0, timestamp: Optional[float] = None) -> "History":
        """A new history with one more event (a purchase, a like, a dislike); no timestamp = now."""
        stamps = None
        if self.timestamps is not None or timestamp is not None:
            previous = np.full(len(self), np.nan) if self.timestamps is None else self.timestamps
            stamps = np.append(previous, np.nan if timestamp is None else timestamp)
        return History(
            np.append(self.item_ids, _id_array([item_id])),
            np.append(self.weights, weight),
            stamps,
            self.preference,
        )


def user_item_matrix(
    row_idx: np.ndarray,
    item_idx: np.ndarray,
    values: np.ndarray,
    n_rows: int,
    n_items: int,
    binary: bool = False,
) -> sp.csr_matrix:
    """CSR rows x items (float32); repeated (row, item) pairs are summed, then mapped to
    their sign if *binary*; zero cells are dropped. Built with numpy in one step,
    because serving builds one of these per request."""
    key = np.asarray(row_idx, dtype=np.int64) * n_items + np.asarray(item_idx, dtype=np.int64)
    cells, inverse = np.unique(key, return_inverse=True)
    data = np.bincount(inverse, weights=np.asarray(values, dtype=np.float64), minlength=len(cells))
    if binary:
        data = np.sign(data)
    keep = data != 0
    cells, data = cells[keep], data[keep]
    indptr = np.searchsorted(cells // n_items, np.arange(n_rows + 1))
    return sp.csr_matrix(
        (data.astype(np.float32), (cells % n_items).astype(np.int32), indptr.astype(np.int32)),
        shape=(n_rows, n_items),
    )


def sparse_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """matrix[rows], with a cheap path for the single row of a serving request."""
    rows = np.asarray(rows)
    if rows.shape == (1,):
        start, end = matrix.indptr[rows[0]], matrix.indptr[rows[0] + 1]
        return sp.csr_matrix(
            (matrix.data[start:end], matrix.indices[start:end], np.array([0, end - start], dtype=np.int32)),
            shape=(1, matrix.shape[1]),
        )
    return matrix[rows]
