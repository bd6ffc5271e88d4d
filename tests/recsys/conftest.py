"""Tiny hand-made data sets whose scores are worked out by hand in the tests."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.data import Interactions, ItemCatalog

# Seven users, five items (co-purchase graph A-B-C and C-D-E):
#   u1: A B      u2: A B C    u3: B C    u4: C D
#   u5: D E      u6: D E      u7: D
# Item counts: A 2, B 3, C 3, D 4, E 2.
BASKETS = {
    "u1": "AB",
    "u2": "ABC",
    "u3": "BC",
    "u4": "CD",
    "u5": "DE",
    "u6": "DE",
    "u7": "D",
}


def interactions_from(baskets: dict[str, str]) -> Interactions:
    users = [u for u, items in baskets.items() for _ in items]
    items = [i for items in baskets.values() for i in items]
    return Interactions(np.array(users), np.array(items))


@pytest.fixture
def baskets() -> Interactions:
    return interactions_from(BASKETS)


@pytest.fixture
def shop() -> ItemCatalog:
    """Items A-E plus F, which nobody has bought yet (a new item)."""
    return ItemCatalog(
        np.array(list("ABCDEF")),
        attributes={
            "category": np.array(["books", "books", "games", "garden", "garden", "garden"]),
            "price": np.array([10.0, 25.0, 40.0, np.nan, 15.0, 30.0]),
            "in_stock": np.array([True, True, False, True, True, True]),
        },
        # Content features: A, B about reading; C both; D, E, F about gardening.
        features=np.array(
            [[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
        ),
    )
