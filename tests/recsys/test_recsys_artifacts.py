"""Fitted models survive save/load unchanged; the manifest says what they are."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from recsys import artifacts
from recsys.data import History
from recsys.filters import in_stock
from recsys.models import ALS, EASE, SAR, Content, Hybrid, ItemKNN, Popularity

from tests.recsys.test_recsys_hybrid import block_data


@pytest.mark.parametrize(
    "make",
    [Popularity, ItemKNN, EASE, SAR, lambda: ALS(factors=2, iterations=5), Content],
    ids=["popularity", "itemknn", "ease", "sar", "als", "content"],
)
def test_round_trip_gives_identical_scores(make, baskets, shop, tmp_path):
    model = make().fit(baskets, shop)
    artifacts.save(model, tmp_path / "model")
    loaded = artifacts.load(tmp_path / "model")
    assert type(loaded) is type(model) and loaded.params() == model.params()
    users = np.arange(len(model.users))
    assert np.array_equal(loaded.score_users(users), model.score_users(users))
    history = History(np.array(["A", "E"]), np.array([1.0, -1.0]))
    assert np.array_equal(loaded.score(history), model.score(history))
    assert loaded.recommend("u3", k=3, filters=in_stock()) == model.recommend("u3", k=3, filters=in_stock())


def test_manifest_records_model_params_data_hash_and_time(baskets, shop, tmp_path):
    model = EASE(l2=3.0).fit(baskets, shop)
    path = artifacts.save(model, tmp_path / "ease")
    manifest = json.loads(path.read_text())
    assert manifest["model"] == "ease" and manifest["params"] == {"l2": 3.0}
    assert manifest["data_hash"] == baskets.data_hash() and len(manifest["data_hash"]) == 64
    assert manifest["n_users"] == 7 and manifest["n_items"] == 6
    assert datetime.fromisoformat(manifest["created"]).tzinfo is not None
    other = EASE(l2=3.0).fit(baskets.subset(np.arange(len(baskets)) > 0), shop)
    assert other.data_hash != model.data_hash


def test_hybrid_round_trip_keeps_learned_weights(tmp_path):
    model = Hybrid({"popularity": Popularity(), "itemknn": ItemKNN()}, k=5).fit(block_data())
    artifacts.save(model, tmp_path / "hybrid")
    manifest = artifacts.read_manifest(tmp_path / "hybrid")
    assert manifest["learned"]["weights"] == model.weights
    assert set(manifest["params"]["components"]) == {"popularity", "itemknn"}
    loaded = artifacts.load(tmp_path / "hybrid")
    assert loaded.weights == model.weights
    assert np.array_equal(loaded.score_users(np.arange(40)), model.score_users(np.arange(40)))
    assert loaded.recommend("stranger", k=3) == model.recommend("stranger", k=3)


def test_a_tampered_state_file_is_refused(baskets, tmp_path):
    artifacts.save(Popularity().fit(baskets), tmp_path / "pop")
    with np.load(tmp_path / "pop" / "state.npz") as npz:
        state = {k: npz[k] for k in npz.files}
    state["model.counts"] = state["model.counts"] * 2
    np.savez(tmp_path / "pop" / "state.npz", **state)
    with pytest.raises(ValueError, match="checksum"):
        artifacts.load(tmp_path / "pop")


def test_an_unfitted_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="fitted"):
        artifacts.save(EASE(), tmp_path / "x")
