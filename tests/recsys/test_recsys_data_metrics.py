"""Ids, interaction matrices, metrics and the protocol split, against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.data import History, IdIndex, Interactions, user_item_matrix
from recsys.metrics import evaluate, stratified_split
from recsys.models.base import top_k


def test_id_index_maps_both_ways_for_ints_and_strings():
    ints = IdIndex([30, 10, 20])
    assert ints.indices([20, 30, 99]).tolist() == [2, 0, -1]
    assert ints.index(10) == 1 and ints.ids[1] == 10
    strings = IdIndex(["sku-b", "sku-a"])
    assert strings.indices(["sku-a", "nope"]).tolist() == [1, -1]
    assert "sku-b" in strings and "x" not in strings
    assert 5 not in strings  # a wrongly typed id is unknown, not an error
    with pytest.raises(KeyError):
        ints.index(99)
    with pytest.raises(ValueError, match="unique"):
        IdIndex([1, 1])


def test_interactions_validate_lengths():
    with pytest.raises(ValueError, match="same length"):
        Interactions(np.array([1, 2]), np.array([1]))


def test_user_item_matrix_sums_repeats_and_binarises_with_sign():
    rows, items = np.array([0, 0, 1, 1, 1]), np.array([2, 2, 0, 1, 1])
    weights = np.array([1.0, 2.0, 5.0, 1.0, -3.0])
    summed = user_item_matrix(rows, items, weights, 2, 3).toarray()
    assert summed.tolist() == [[0, 0, 3], [5, -2, 0]]
    signs = user_item_matrix(rows, items, weights, 2, 3, binary=True).toarray()
    assert signs.tolist() == [[0, 0, 1], [1, -1, 0]]
    cancelled = user_item_matrix(np.array([0, 0]), np.array([1, 1]), np.array([1.0, -1.0]), 1, 2)
    assert cancelled.nnz == 0  # a like and a dislike cancel out


def test_history_add_keeps_events_and_marks_missing_times_as_now():
    h = History(np.array(["A"]), timestamps=np.array([100.0]), preference="gardening")
    h2 = h.add("B", weight=-1.0).add("C", timestamp=200.0)
    assert h2.item_ids.tolist() == ["A", "B", "C"]
    assert h2.weights.tolist() == [1.0, -1.0, 1.0]
    assert h2.timestamps[0] == 100.0 and math.isnan(h2.timestamps[1]) and h2.timestamps[2] == 200.0
    assert h2.preference == "gardening" and len(h) == 1


def test_top_k_orders_by_score_breaks_ties_by_position_and_skips_minus_inf():
    scores = np.array([1.0, 3.0, -np.inf, 3.0, 2.0, 1.0])
    assert top_k(scores, 3).tolist() == [1, 3, 4]
    assert top_k(scores, 5).tolist() == [1, 3, 4, 0, 5]
    assert top_k(scores, 10).tolist() == [1, 3, 4, 0, 5]  # -inf never returned
    assert top_k(np.full(3, -np.inf), 2).tolist() == []


def test_metrics_match_hand_computation():
    recommended = {1: [10, 20, 30], 2: [40, 50, 60], 3: [70], 5: [80]}
    relevant = {1: {20, 30, 99}, 2: {40}, 4: {1}}
    m = evaluate(recommended, relevant, k=3)
    # Users counted: 1 and 2 (3 and 5 have no test items, 4 has no recommendations).
    assert m.n_users == 2
    # P@3: user 1 has 2 hits, user 2 has 1 -> (2/3 + 1/3) / 2
    assert m.precision_at_k == pytest.approx(0.5)
    # R@3: (2/3 + 1/1) / 2
    assert m.recall_at_k == pytest.approx(5 / 6)
    # NDCG: user 1 hits at ranks 2, 3, ideal 3 hits; user 2 hit at rank 1 (= ideal).
    u1 = (1 / math.log(3) + 1 / math.log(4)) / (1 / math.log(2) + 1 / math.log(3) + 1 / math.log(4))
    assert u1 == pytest.approx(0.530721, abs=1e-6)
    assert m.ndcg_at_k == pytest.approx((u1 + 1.0) / 2)
    # MAP: user 1 (1/2 + 2/3) / 3 = 7/18; user 2: 1/1 / 1.
    assert m.map == pytest.approx((7 / 18 + 1.0) / 2)


def test_precision_counts_short_lists_against_k_and_ndcg_ideal_is_capped_at_k():
    m = evaluate({1: [7]}, {1: {7, 8, 9, 10, 11}}, k=2)
    assert m.precision_at_k == pytest.approx(0.5)  # 1 hit / k=2 even though only one item was listed
    assert m.recall_at_k == pytest.approx(1 / 5)
    assert m.ndcg_at_k == pytest.approx((1 / math.log(2)) / (1 / math.log(2) + 1 / math.log(3)))
    assert m.map == pytest.approx(1 / 5)


def test_evaluate_without_common_users_is_an_error():
    with pytest.raises(ValueError):
        evaluate({1: [1]}, {2: {1}}, k=1)


# ---- the protocol split --------------------------------------------------------------------
# Items with 1, 2, 3, 6, 10 and 14 rows: 0.75 x count = 0.75, 1.5, 2.25, 4.5, 7.5, 10.5, which
# round half to even to 1, 2, 2, 4, 8, 10 (4.5 -> 4 and 10.5 -> 10 round down, 1.5 -> 2 and 7.5 -> 8 up).
COUNTS = {"d": 1, "a": 2, "e": 3, "b": 6, "c": 10, "f": 14}
EXPECTED_TRAIN = {"d": 1, "a": 2, "e": 2, "b": 4, "c": 8, "f": 10}


def _synthetic_items() -> np.ndarray:
    items = np.array([i for i, n in COUNTS.items() for _ in range(n)])
    return items[np.random.RandomState(7).permutation(len(items))]  # groups interleaved in file order


def test_split_train_counts_per_item_follow_round_half_even():
    items = _synthetic_items()
    train = stratified_split(items, ratio=0.75, seed=42)
    counts = {i: int(train[items == i].sum()) for i in COUNTS}
    assert counts == EXPECTED_TRAIN
    assert round(0.75 * 6) == 4 and round(0.75 * 14) == 10  # the Python rounding the protocol names


def test_split_picks_the_rows_with_the_smallest_draws_of_the_global_seeded_stream():
    items = _synthetic_items()
    np.random.seed(42)  # exactly the protocol's calls
    draws = np.random.rand(len(items))
    expected = np.zeros(len(items), dtype=bool)
    for item, n_train in EXPECTED_TRAIN.items():
        rows = np.flatnonzero(items == item)
        expected[rows[np.argsort(draws[rows])[:n_train]]] = True
    assert stratified_split(items, ratio=0.75, seed=42).tolist() == expected.tolist()
    assert stratified_split(items, ratio=0.75, seed=43).tolist() != expected.tolist()
