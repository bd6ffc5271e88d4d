"""Matrix factorisation for implicit feedback: ALS (Hu, Koren & Volinsky 2008) via `implicit`.

`implicit` is used for training only. Serving needs just the item factors:
a user, trained or new, is folded in by the same closed-form least-squares
step ALS itself uses, so fresh events change the user vector immediately.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from recsys.data import History, Interactions
from recsys.models.base import Recommender


class ALS(Recommender):
    """Weighted ALS: confidence alpha x |r| on observed items (r < 0 = disliked), 1 elsewhere.

    Defaults (48 factors, strong regularisation) were chosen on a validation
    split carved from the MovieLens-100K training part, never on its test part.
    """

    name = "als"

    def __init__(
        self,
        factors: int = 48,
        regularization: float = 50.0,
        alpha: float = 10.0,
        iterations: int = 15,
        seed: int = 42,
    ):
        super().__init__(
            factors=factors, regularization=regularization, alpha=alpha, iterations=iterations, seed=seed
        )
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed

    def _fit(self, interactions: Interactions, item_idx: np.ndarray) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.seed,
                use_cg=False,
                num_threads=1,
            )
            model.fit(self.user_vectors, show_progress=False)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float64)
        self._prepare_fold_in()
        # One more user half-step against the final item factors: trained users and
        # folded-in histories then get exactly the same vectors.
        self.user_factors = self.fold_in(self.user_vectors)

    def fold_in(self, vectors: sp.csr_matrix) -> np.ndarray:
        """User factors (n x factors) minimising the ALS loss for fixed item factors."""
        y = self.item_factors
        base = self._base
        out = np.zeros((vectors.shape[0], self.factors))
        for row in range(vectors.shape[0]):
            start, end = vectors.indptr[row], vectors.indptr[row + 1]
            if start == end:
                continue
            idx = vectors.indices[start:end]
            conf = self.alpha * vectors.data[start:end]
            y_u = y[idx]
            a = base + (y_u.T * (np.abs(conf) - 1.0)) @ y_u
            b = y_u.T @ np.where(conf > 0, conf, 0.0)
            out[row] = np.linalg.solve(a, b)
        return out

    def score_users(self, user_idx: np.ndarray) -> np.ndarray:
        return self.user_factors[np.asarray(user_idx)] @ self.item_factors.T

    def _score_vectors(self, vectors: sp.csr_matrix, histories: Optional[Sequence[History]] = None) -> np.ndarray:
        return self.fold_in(vectors) @ self.item_factors.T

    def _model_state(self) -> dict[str, np.ndarray]:
        return {"item_factors": self.item_factors, "user_factors": self.user_factors}

    def _set_model_state(self, state: dict[str, np.ndarray]) -> None:
        self.item_factors = state["item_factors"]
        self.user_factors = state["user_factors"]
        self._prepare_fold_in()

    def _prepare_fold_in(self) -> None:
        """Y'Y + lambda I, the part of every fold-in system that does not depend on the user."""
        self._base = self.item_factors.T @ self.item_factors + self.regularization * np.eye(self.factors)
