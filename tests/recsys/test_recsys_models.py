"""Each model on tiny data, against scores and rankings worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.data import History, Interactions, ItemCatalog
from recsys.models import ALS, EASE, SAR, Content, ItemKNN, Popularity

from tests.recsys.conftest import interactions_from

DAY = 86400.0
S6 = math.sqrt(6)


def ids(recommendations):
    return [r.item_id for r in recommendations]


def scores(recommendations):
    return [r.score for r in recommendations]


# ---- popularity -----------------------------------------------------------------------------
def test_popularity_ranks_by_buyer_count_and_skips_what_the_user_has(baskets, shop):
    model = Popularity().fit(baskets, shop)
    assert model.counts.tolist() == [2, 3, 3, 4, 2, 0]  # A..F
    rec = model.recommend("u1", k=3)  # u1 has A, B
    assert ids(rec) == ["D", "C", "E"] and scores(rec) == [4, 3, 2]
    # A new user (empty history): ties B/C and A/E go to catalog order.
    assert ids(model.recommend(History(), k=6)) == ["D", "B", "C", "A", "E", "F"]


def test_base_models_refuse_unknown_user_ids(baskets):
    with pytest.raises(KeyError, match="unknown user"):
        Popularity().fit(baskets).recommend("nobody")


# ---- item-kNN -------------------------------------------------------------------------------
# Item columns: A {u1,u2}, B {u1,u2,u3}, C {u2,u3,u4}, D {u4..u7}, E {u5,u6}.
# cos(A,B)=2/sqrt6, cos(A,C)=1/sqrt6, cos(B,C)=2/3, cos(C,D)=1/sqrt12, cos(D,E)=2/sqrt8.
def test_itemknn_scores_are_sums_of_cosines(baskets):
    model = ItemKNN().fit(baskets)
    sim = model.matrix
    assert sim[0, 1] == pytest.approx(2 / S6) and sim[1, 2] == pytest.approx(2 / 3)
    assert sim[2, 3] == pytest.approx(1 / math.sqrt(12)) and sim[3, 4] == pytest.approx(2 / math.sqrt(8))
    rec = model.recommend("u1", k=3)  # A + B: C = 1/sqrt6 + 2/3, D = E = 0
    assert ids(rec) == ["C", "D", "E"]
    assert scores(rec) == pytest.approx([1 / S6 + 2 / 3, 0, 0], abs=1e-6)


def test_itemknn_neighbours_keeps_only_each_items_nearest(baskets):
    full = ItemKNN().fit(baskets).score(History(np.array(["B", "C"])))
    pruned = ItemKNN(neighbours=1).fit(baskets).score(History(np.array(["B", "C"])))
    # Full: A = cos(B,A) + cos(C,A), D = cos(C,D). With one neighbour, B keeps A and C keeps B.
    assert full[0] == pytest.approx(2 / S6 + 1 / S6) and full[3] == pytest.approx(1 / math.sqrt(12))
    assert pruned[0] == pytest.approx(2 / S6) and pruned[3] == 0.0


# ---- EASE -----------------------------------------------------------------------------------
def test_ease_two_items_closed_form():
    # c_AA = 4, c_BB = 2, c_AB = 2. With two items B_ij = c_ij / (c_ii + lambda).
    data = interactions_from({"u1": "AB", "u2": "A", "u3": "A", "u4": "AB"})
    model = EASE(l2=2.0).fit(data)
    assert model.matrix[0, 1] == pytest.approx(2 / 6)
    assert model.matrix[1, 0] == pytest.approx(2 / 4)
    assert np.diag(model.matrix).tolist() == [0.0, 0.0]
    assert model.score(History(np.array(["A"])))[1] == pytest.approx(1 / 3)


def test_ease_columns_are_ridge_regressions_on_the_other_items(baskets):
    lam = 0.5
    model = EASE(l2=lam).fit(baskets)
    x = model.user_vectors.toarray().astype(float)
    for j in range(x.shape[1]):
        others = [i for i in range(x.shape[1]) if i != j]
        design = x[:, others]
        ridge = np.linalg.solve(design.T @ design + lam * np.eye(len(others)), design.T @ x[:, j])
        assert model.matrix[others, j] == pytest.approx(ridge, abs=1e-5)


# ---- SAR ------------------------------------------------------------------------------------
def sar_data() -> Interactions:
    # (user, item, rating, day); t_now = day 60, half-life 30 days.
    rows = [
        ("u1", "A", 5, 60), ("u1", "B", 3, 30),
        ("u2", "A", 4, 60), ("u2", "C", 2, 0),
        ("u3", "B", 1, 60), ("u3", "C", 5, 60),
        ("u4", "D", 1, 60), ("u4", "A", 4, 0),
    ]
    users, items, ratings, days = zip(*rows)
    return Interactions(np.array(users), np.array(items), np.array(ratings, float), np.array(days) * DAY)


def test_sar_jaccard_similarity_and_decayed_affinity():
    model = SAR().fit(sar_data())
    sim = model.matrix  # item order A, B, C, D (first occurrence)
    # c_AA=3, c_BB=2, c_CC=2, c_DD=1, c_AB=c_AC=c_AD=c_BC=1.
    assert sim[0, 1] == pytest.approx(1 / 4) and sim[0, 2] == pytest.approx(1 / 4)
    assert sim[0, 3] == pytest.approx(1 / 3) and sim[1, 2] == pytest.approx(1 / 3)
    assert sim[1, 3] == 0 and sim[0, 0] == 1
    # u1 affinity: A = 5 x 2^0 = 5, B = 3 x 2^-1 = 1.5.
    assert model.user_vectors[0].toarray()[0, :2] == pytest.approx([5, 1.5])
    rec = model.recommend("u1", k=2)  # C = 5/4 + 1.5/3 = 1.75, D = 5/3
    assert ids(rec) == ["C", "D"] and scores(rec) == pytest.approx([1.75, 5 / 3], abs=1e-6)


def test_sar_history_scores_match_training_and_fresh_events_count_fully():
    model = SAR().fit(sar_data())
    same = History(np.array(["A", "B"]), np.array([5.0, 3.0]), np.array([60, 30]) * DAY)
    assert model.score(same) == pytest.approx(model.score(0), abs=1e-6)
    # A purchase of B just now (no timestamp) weighs 3, not 1.5: C = 5/4 + 3/3.
    fresh = History(np.array(["A", "B"]), np.array([5.0, 3.0]))
    assert model.score(fresh)[2] == pytest.approx(2.25, abs=1e-6)


def test_sar_without_decay_uses_plain_rating_sums():
    model = SAR(half_life_days=1e12).fit(sar_data())
    assert ids(model.recommend("u1", k=2)) == ["C", "D"]
    assert model.score(0)[2] == pytest.approx(5 / 4 + 3 / 3, abs=1e-5)


# ---- ALS ------------------------------------------------------------------------------------
def two_groups(users_per_group: int = 6) -> Interactions:
    """Group-1 users buy P, Q, R; group-2 users buy X, Y, Z; g1-0 misses R, g2-0 misses Z."""
    baskets = {}
    for g, items in (("g1", "PQR"), ("g2", "XYZ")):
        for n in range(users_per_group):
            baskets[f"{g}-{n}"] = items
    baskets["g1-0"], baskets["g2-0"] = "PQ", "XY"
    return interactions_from(baskets)


def test_als_recommends_the_missing_item_of_the_users_group():
    model = ALS(factors=2, regularization=0.1, alpha=5.0, iterations=20).fit(two_groups())
    assert ids(model.recommend("g1-0", k=1)) == ["R"]
    assert ids(model.recommend("g2-0", k=1)) == ["Z"]


def test_als_fold_in_solves_the_weighted_least_squares_problem(baskets):
    model = ALS(factors=3, regularization=0.5, alpha=4.0, iterations=10).fit(baskets)
    y = model.item_factors
    # Liked A (confidence 4 x 1), disliked D (preference 0, confidence 4 x 1), the rest confidence 1.
    history = History(np.array(["A", "D"]), np.array([1.0, -1.0]))
    confidence = np.ones(len(y))
    confidence[[0, 3]] = 4.0
    preference = np.zeros(len(y))
    preference[0] = 1.0
    expected = np.linalg.solve(
        y.T @ (confidence[:, None] * y) + 0.5 * np.eye(3), y.T @ (confidence * preference)
    )
    assert model.score(history) == pytest.approx(y @ expected, abs=1e-8)
    # Trained users are folded in the same way, so the two serving paths agree.
    u1 = History(np.array(["A", "B"]))
    assert model.score(u1) == pytest.approx(model.score(model.users.index("u1")), abs=1e-8)


# ---- content --------------------------------------------------------------------------------
# Unit feature rows: A = B = [1, 0], C = [1, 1]/sqrt2, D = E = F = [0, 1].
def test_content_scores_are_feature_cosines_to_the_history_profile(baskets, shop):
    model = Content().fit(baskets, shop)
    rec = model.recommend(History(np.array(["A"])), k=3)
    assert ids(rec) == ["B", "C", "D"] and scores(rec) == pytest.approx([1, 1 / math.sqrt(2), 0], abs=1e-6)
    assert ids(model.recommend(History(np.array(["D"])), k=3)) == ["E", "F", "C"]
    # Liking A and disliking D: profile (vA - vD) / 2 = [0.5, -0.5].
    mixed = model.recommend(History(np.array(["A", "D"]), np.array([1.0, -1.0])), k=3)
    assert ids(mixed) == ["B", "C", "E"] and scores(mixed) == pytest.approx([0.5, 0, -0.5], abs=1e-6)


def test_content_needs_texts_or_features(baskets):
    with pytest.raises(ValueError, match="texts or item features"):
        Content().fit(baskets, ItemCatalog(np.array(list("ABCDE"))))


# ---- real-time feedback ---------------------------------------------------------------------
@pytest.mark.parametrize("model", [ItemKNN(), EASE(l2=1.0), SAR(), ALS(factors=2, regularization=0.1, iterations=20)])
def test_a_new_purchase_moves_its_companion_up_without_refitting(model, baskets):
    model.fit(baskets)
    before = History(np.array(["C"]))
    after = before.add("D")  # D is bought together with E (u5, u6); C never is
    assert ids(model.recommend(before, k=5)).index("E") == 3  # last of A, B, D, E
    assert ids(model.recommend(after, k=5)).index("E") <= 1  # now among the top two of A, B, E
    assert model.score(after)[4] > model.score(before)[4]


def test_itemknn_feedback_scores_by_hand(baskets):
    model = ItemKNN().fit(baskets)
    after = History(np.array(["A", "B"])).add("D")
    # C = 1/sqrt6 + 2/3 + 1/sqrt12, E = cos(D,E) = 2/sqrt8: E jumps from third to second.
    assert ids(model.recommend(after, k=2)) == ["C", "E"]
    assert model.score(after)[2] == pytest.approx(1 / S6 + 2 / 3 + 1 / math.sqrt(12), abs=1e-6)
    assert model.score(after)[4] == pytest.approx(2 / math.sqrt(8), abs=1e-6)


def test_a_dislike_pushes_similar_items_down(baskets):
    model = ItemKNN().fit(baskets)
    liked = History(np.array(["C"]))  # A = 1/sqrt6, B = 2/3, D = 1/sqrt12
    assert ids(model.recommend(liked, k=3)) == ["B", "A", "D"]
    # Disliking B subtracts cos(B, .): A = 1/sqrt6 - 2/sqrt6 < 0, D unchanged.
    disliked = liked.add("B", weight=-1.0)
    assert ids(model.recommend(disliked, k=2)) == ["D", "E"]
    assert model.score(disliked)[0] == pytest.approx(-1 / S6, abs=1e-6)
