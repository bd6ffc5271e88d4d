"""BM25 keyword scoring: rank-bm25's Okapi model, scored as one sparse matrix product.

The FAQ engine uses it as the lexical half of its hybrid article score (a customer who
types "Apple Pay" or "APO" names the article's own words, which a sentence encoder can
blur); bench/faq.py uses it on BANKING77.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from rank_bm25 import BM25Okapi


def tokenize(text: str) -> list[str]:
    """Lowercase runs of ASCII letters and digits (the tokens both indexing and queries use)."""
    return re.findall(r"[a-z0-9]+", text.lower())


class SparseBM25:
    """rank-bm25's BM25Okapi (same idf, k1, b), with every document's term weights in a
    sparse matrix so a batch of queries is scored by one product instead of Python loops.

    Invariant: ``scores([q])[0]`` equals ``BM25Okapi(tokenized docs).get_scores(tokenize(q))``.
    """

    def __init__(self, documents: list[str]) -> None:
        self.tokens = [tokenize(d) for d in documents]
        self.model = BM25Okapi(self.tokens)
        self.vocabulary = {t: j for j, t in enumerate(self.model.idf)}
        rows, cols, values = [], [], []
        k1, b, avgdl = self.model.k1, self.model.b, self.model.avgdl
        for d, frequencies in enumerate(self.model.doc_freqs):
            norm = k1 * (1 - b + b * self.model.doc_len[d] / avgdl)
            for term, tf in frequencies.items():
                rows.append(d)
                cols.append(self.vocabulary[term])
                values.append(self.model.idf[term] * tf * (k1 + 1) / (tf + norm))
        self.weights = sp.csr_matrix((values, (rows, cols)), shape=(len(documents), len(self.vocabulary)))

    def scores(self, queries: list[str]) -> np.ndarray:
        """One row per query, one column per document."""
        rows, cols = [], []
        for q, text in enumerate(queries):
            for term in tokenize(text):  # repeated query terms count again, as in rank-bm25
                if term in self.vocabulary:
                    rows.append(q)
                    cols.append(self.vocabulary[term])
        counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(queries), len(self.vocabulary)))
        return np.asarray((counts @ self.weights.T).todense())

    def relative_scores(self, query: str) -> np.ndarray:
        """BM25 scores of every document divided by the best one (0..1); all zeros when no
        query word occurs in any document."""
        raw = self.scores([query])[0]
        best = float(raw.max()) if raw.size else 0.0
        return raw / best if best > 0 else np.zeros_like(raw)
