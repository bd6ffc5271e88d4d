"""FAISS indexes over normalised embeddings (inner product = cosine similarity).

``flat`` is exact and is the default: a knowledge base of a few thousand
passages is searched exhaustively in well under a millisecond. ``hnsw`` and
``ivf`` trade a little recall for speed on collections of ~100k vectors and up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import faiss
import numpy as np
from tqdm import tqdm

INDEX_KINDS = ("flat", "hnsw", "ivf")


@dataclass(frozen=True)
class IndexSpec:
    """Which FAISS index to build; ``ef_search`` and ``nprobe`` are search-time knobs."""

    kind: str = "flat"
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    nprobe: int = 32

    def __post_init__(self) -> None:
        if self.kind not in INDEX_KINDS:
            raise ValueError(f"index kind {self.kind!r} is not one of {', '.join(INDEX_KINDS)}")

    def describe(self) -> str:
        """Build-time identity recorded in the manifest: an index built otherwise is rebuilt."""
        if self.kind == "hnsw":
            return f"hnsw(M={self.hnsw_m},efConstruction={self.ef_construction})"
        return self.kind


def ivf_list_count(n: int) -> int:
    """~4·√n inverted lists, with at least 39 training points per list (FAISS's minimum)."""
    return max(1, min(int(4 * math.sqrt(n)), n // 39))


def build_index(vectors: np.ndarray, spec: IndexSpec, progress: bool = False) -> faiss.Index:
    """An index holding *vectors* (row i gets id i), ready to search."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    if spec.kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif spec.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec.ef_construction
    else:
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, ivf_list_count(n), faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    batch = 4096
    for start in tqdm(range(0, n, batch), desc=f"Adding to {spec.kind} index", unit="batch", disable=not progress):
        index.add(vectors[start : start + batch])
    configure_search(index, spec)
    return index


def configure_search(index: faiss.Index, spec: IndexSpec) -> None:
    """Apply the search-time parameters once, after building or loading (not per query)."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = spec.ef_search
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = min(spec.nprobe, index.nlist)
