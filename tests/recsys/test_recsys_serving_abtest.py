"""Serving (scores, picks, reasons, feedback as history) and A/B helpers on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest

from recsys import History, Hybrid, Interactions, ItemCatalog, ItemKNN, Popularity
from recsys.abtest import VariantRate, assign_variant, wilson_interval
from recsys.serving import Ranker

# u1 and u2 bought a+b; u3 bought c+d; u4 bought c. cos(a,b) = 1, cos(c,d) = 1/sqrt(2), others 0.
BASKETS = {"u1": "ab", "u2": "ab", "u3": "cd", "u4": "c"}


@pytest.fixture(scope="module")
def ranker() -> Ranker:
    users = [u for u, items in BASKETS.items() for _ in items]
    items = [i for basket in BASKETS.values() for i in basket]
    catalog = ItemCatalog(list("abcde"), attributes={"price": np.array([10.0, 20.0, 30.0, 40.0, 50.0])})
    model = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, weights={"popularity": 0.0, "itemknn": 1.0})
    return Ranker(model.fit(Interactions(np.array(users), np.array(items)), catalog))


def names(suggestions) -> list[str]:
    return [s.item_id for s in suggestions]


def test_a_purchase_recommends_its_companion_with_the_reason(ranker: Ranker) -> None:
    history = History(np.array(["a"]))
    everything = np.ones(5, dtype=bool)
    best = ranker.pick(ranker.scores(history, "hybrid"), history, everything, k=1)
    assert names(best) == ["b"] and best[0].because == "a"
    # b filtered out: c, d, e tie at z = 0 with no similarity to a, so no reason; a itself never comes back.
    rest = ranker.pick(ranker.scores(history, "hybrid"), history, np.array([1, 0, 1, 1, 1], dtype=bool), k=5)
    assert names(rest) == ["c", "d", "e"] and all(s.because is None for s in rest)


def test_a_dislike_demotes_its_neighbours(ranker: Ranker) -> None:
    liked_c = History(np.array(["c"]))
    assert names(ranker.pick(ranker.scores(liked_c, "hybrid"), liked_c, np.ones(5, bool), k=1)) == ["d"]
    disliked_c = History(np.array(["a", "c"]), weights=np.array([1.0, -1.0]))
    picked = ranker.pick(ranker.scores(disliked_c, "hybrid"), disliked_c, np.ones(5, bool), k=3)
    assert names(picked) == ["b", "e", "d"]  # d (similar to the disliked c) drops below the unrelated e


def test_popularity_variant_ignores_history_but_still_excludes_it(ranker: Ranker) -> None:
    history = History(np.array(["c"]))
    scores = ranker.scores(history, "popularity")
    assert scores.tolist() == [2.0, 2.0, 2.0, 1.0, 0.0]
    assert names(ranker.pick(scores, history, np.ones(5, bool), k=4)) == ["a", "b", "d", "e"]
    with pytest.raises(ValueError, match="unknown variant"):
        ranker.scores(history, "random")


def test_personalised_needs_a_known_liked_or_bought_item(ranker: Ranker) -> None:
    assert ranker.personalised(History(np.array(["a"])))
    assert not ranker.personalised(History(np.array(["a"]), weights=np.array([-1.0])))
    assert not ranker.personalised(History(np.array(["zzz"])))
    assert not ranker.personalised(History())


def test_assignment_is_stable_balanced_and_per_experiment() -> None:
    variants = ("hybrid", "popularity")
    units = [f"user-{i}" for i in range(4000)]
    first = [assign_variant(u, "exp-1", variants) for u in units]
    assert first == [assign_variant(u, "exp-1", variants) for u in units]
    share = first.count("hybrid") / len(units)
    assert 0.47 < share < 0.53
    other = [assign_variant(u, "exp-2", variants) for u in units]
    agreement = sum(a == b for a, b in zip(first, other)) / len(units)
    assert 0.45 < agreement < 0.55  # a new experiment reshuffles independently
    with pytest.raises(ValueError):
        assign_variant("u", "exp", ())


def test_wilson_interval_against_hand_values() -> None:
    # p = 0.5, n = 10: centre 0.5, half-width 1.96 * sqrt(0.025 + 0.0096) / 1.3841 = 0.2634.
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    # 0 of 20: lower bound 0, upper z^2/(n + z^2) = 3.8415 / 23.8415.
    assert wilson_interval(0, 20) == pytest.approx((0.0, 3.8415 / 23.8415), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    row = VariantRate("hybrid", units=3, exposures=10, events=5)
    assert row.rate == 0.5 and row.interval == wilson_interval(5, 10)
