"""The hybrid: blend arithmetic, learned weights, cold start for users and items, filters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.data import History, Interactions, ItemCatalog
from recsys.filters import Where, category_in, exclude_items, in_stock, price_between
from recsys.models import Content, Hybrid, ItemKNN, Popularity
from recsys.models.hybrid import normalise

R2 = math.sqrt(2)
R32 = math.sqrt(1.5)


def ids(recommendations):
    return [r.item_id for r in recommendations]


def test_normalise_is_a_z_score_over_eligible_items_only():
    scores = np.array([[9.0, 3.0, 4.0, 2.0], [5.0, 5.0, 5.0, 5.0]])
    eligible = np.array([[False, True, True, True], [True, True, True, True]])
    z = normalise(scores, eligible)
    # Row 1 over {3, 4, 2}: mean 3, std sqrt(2/3).
    assert z[0] == pytest.approx([0.0, 0.0, R32, -R32], abs=1e-6)
    assert z[1].tolist() == [0, 0, 0, 0]  # constant scores carry no preference


# u1 (A, B) may get C, D, E.
#   popularity 3, 4, 2          -> z = 0, +sqrt1.5, -sqrt1.5
#   item-kNN   1.07, 0, 0       -> z = +sqrt2, -1/sqrt2, -1/sqrt2
@pytest.mark.parametrize(
    "weights, order, expected",
    [
        ({"popularity": 1.0, "itemknn": 0.0}, ["D", "C", "E"], [R32, 0.0, -R32]),
        ({"popularity": 1.0, "itemknn": 1.0}, ["C", "D", "E"], [R2, R32 - 1 / R2, -R32 - 1 / R2]),
        ({"popularity": 1.0, "itemknn": 0.25}, ["D", "C", "E"], [R32 - 0.25 / R2, 0.25 * R2, -R32 - 0.25 / R2]),
    ],
)
def test_fixed_weight_blend_by_hand(baskets, weights, order, expected):
    model = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, weights=weights).fit(baskets)
    rec = model.recommend("u1", k=3)
    assert ids(rec) == order
    assert [r.score for r in rec] == pytest.approx(expected, abs=1e-5)


def test_unknown_user_gets_popular_items(baskets):
    model = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, weights={"popularity": 1, "itemknn": 1})
    model.fit(baskets)
    assert ids(model.recommend("someone-new", k=3)) == ["D", "B", "C"]
    assert ids(model.recommend(History(), k=3)) == ["D", "B", "C"]


def test_new_item_is_scored_by_content(baskets, shop):
    """F has no buyers; its features match D and E, so a D-buyer is shown F first.

    u7 (D) may get A, B, C, E, F.  Content z (cosine to [0, 1]: 0, 0, .71, 1, 1) gives F
    1.008; F takes it in place of every component: 3 x 1.008 = 3.02, above E's
    0 (popularity) + 1.83 (item-kNN) + 1.01 (content) = 2.84.
    """
    weights = {"popularity": 1.0, "itemknn": 1.0, "content": 1.0}
    with_content = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN(), "content": Content()}, weights)
    with_content.fit(baskets, shop)
    rec = with_content.recommend("u7", k=2)
    assert ids(rec) == ["F", "E"]
    assert rec[0].score == pytest.approx(3.025, abs=2e-3) and rec[1].score == pytest.approx(2.839, abs=2e-3)
    without = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, {"popularity": 1, "itemknn": 1})
    assert ids(without.fit(baskets, shop).recommend("u7", k=5))[-1] == "F"


def block_data(seed: int = 0) -> Interactions:
    """40 users: group 1 buys items 0-9 often, group 2 buys items 10-19 rarely.

    Popularity therefore points every user at group-1 items, which is wrong for
    group 2; item-kNN follows the groups.
    """
    rng = np.random.RandomState(seed)
    users, items = [], []
    for u in range(40):
        first, p = (0, 0.6) if u < 20 else (10, 0.35)
        bought = [i for i in range(first, first + 10) if rng.rand() < p] or [first]
        users += [u] * len(bought)
        items += bought
    return Interactions(np.array(users), np.array(items))


def test_learned_weights_prefer_the_component_that_predicts_held_out_items():
    model = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, k=5).fit(block_data())
    assert model.weights["itemknn"] > model.weights["popularity"]
    assert 0 < model.validation_ndcg <= 1
    for user in range(20, 40):
        assert all(r.item_id >= 10 for r in model.recommend(user, k=3))


def test_hybrid_tracks_feedback_of_a_known_customer(baskets):
    model = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, weights={"popularity": 0.2, "itemknn": 1.0})
    model.fit(baskets)
    history = History(np.array(["C"]))
    assert ids(model.recommend(history, k=4))[-1] == "E"
    # After D: item-kNN z A -1.40, B 0.55, E 0.85; popularity z x 0.2: A -0.14, B 0.28, E -0.14.
    assert ids(model.recommend(history.add("D"), k=3)) == ["B", "E", "A"]


# ---- filters --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "filters, expected",
    [
        (None, ["D", "B", "C", "A", "E", "F"]),
        (category_in("garden"), ["D", "E", "F"]),
        (category_in("books", "games"), ["B", "C", "A"]),
        (price_between(12, 35), ["B", "E", "F"]),  # D has no price: never in a price range
        (in_stock(), ["D", "B", "A", "E", "F"]),
        (exclude_items(["D", "B"]), ["C", "A", "E", "F"]),
        ([category_in("garden"), in_stock(), price_between(high=20)], ["E"]),
        (Where("category", lambda c: c != "books"), ["D", "C", "E", "F"]),
        (np.array([True, False, False, False, False, True]), ["A", "F"]),
    ],
)
def test_filters_restrict_without_reordering(baskets, shop, filters, expected):
    model = Popularity().fit(baskets, shop)
    assert ids(model.recommend(History(), k=6, filters=filters)) == expected


def test_stock_changes_apply_without_refitting(baskets, shop):
    model = Popularity().fit(baskets, shop)
    model.items.set_attribute("in_stock", ["D"], [False])
    assert ids(model.recommend(History(), k=2, filters=in_stock())) == ["B", "A"]


def test_exclude_seen_can_be_turned_off(baskets, shop):
    model = Popularity().fit(baskets, shop)
    assert ids(model.recommend("u4", k=2)) == ["B", "A"]  # u4 has C, D
    assert ids(model.recommend("u4", k=2, exclude_seen=False)) == ["D", "B"]


def test_unknown_filter_column_names_the_available_ones(baskets, shop):
    model = Popularity().fit(baskets, shop)
    with pytest.raises(KeyError, match="colour.*category"):
        model.recommend(History(), filters=category_in("red", column="colour"))


# ---- text: stated preferences and new items (real MiniLM, offline) -----------------------------
TEXTS = {
    "A": "Hardcover mystery novel with a detective",
    "B": "Paperback science fiction novel about space travel",
    "C": "Family board game with dice and cards",
    "D": "Garden hose, 25 metres, for watering plants",
    "E": "Pruning shears for roses and hedges",
    "F": "Vegetable seed starter kit for the garden",
}


@pytest.fixture(scope="module")
def text_hybrid():
    from tests.recsys.conftest import BASKETS, interactions_from

    catalog = ItemCatalog(np.array(list(TEXTS)), texts=list(TEXTS.values()))
    components = {"popularity": Popularity(), "itemknn": ItemKNN(), "content": Content()}
    weights = {"popularity": 1.0, "itemknn": 1.0, "content": 1.0}
    return Hybrid(components, weights).fit(interactions_from(BASKETS), catalog)


def test_new_user_with_a_stated_preference_gets_matching_items(text_hybrid):
    garden = ids(text_hybrid.recommend(History(preference="tools for gardening"), k=3))
    assert set(garden) == {"D", "E", "F"}
    reading = ids(text_hybrid.recommend(History(preference="a good book to read"), k=2))
    assert set(reading) == {"A", "B"}
    assert ids(text_hybrid.recommend("new-customer", k=3)) == ["D", "B", "C"]  # no preference: popular


def test_new_item_text_reaches_buyers_of_similar_items(text_hybrid):
    assert ids(text_hybrid.recommend("u5", k=1)) == ["F"]  # u5 bought the hose and the shears
