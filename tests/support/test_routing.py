"""The labelled set, the category/priority model, its artifacts and the queue mapping."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant import settings
from support import train as train_command
from support.routing import (
    CATEGORIES,
    DEFAULT_QUEUE,
    PRIORITIES,
    RoutingModel,
    conversation_text,
    evaluate,
    load_labelled,
    parse_queues,
    queue_for,
)

MESSAGES = load_labelled()
TRAIN = [m for m in MESSAGES if m.split == "train"]
HELD_OUT = [m for m in MESSAGES if m.split == "eval"]


@pytest.fixture(scope="module")
def model() -> RoutingModel:
    return RoutingModel.fit(TRAIN)


def test_labelled_set_covers_every_label_in_both_splits() -> None:
    assert len(MESSAGES) >= 300 and len({m.text for m in MESSAGES}) == len(MESSAGES)
    for split in (TRAIN, HELD_OUT):
        assert set(Counter(m.category for m in split)) == set(CATEGORIES)
        assert set(Counter(m.priority for m in split)) == set(PRIORITIES)
    assert not {m.text for m in TRAIN} & {m.text for m in HELD_OUT}


def test_bad_labelled_rows_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,category,priority,split\nhello,orders,normal,train\nwhere,shipping,normal,train\n")
    with pytest.raises(ValueError, match="bad.csv:3"):
        load_labelled(path)


def test_model_beats_the_majority_class_on_held_out_messages(model: RoutingModel) -> None:
    result = evaluate(model, HELD_OUT, len(TRAIN))
    majority_category = Counter(m.category for m in HELD_OUT).most_common(1)[0][1] / len(HELD_OUT)
    majority_priority = Counter(m.priority for m in HELD_OUT).most_common(1)[0][1] / len(HELD_OUT)
    assert result.n_eval == len(HELD_OUT)
    assert result.category_accuracy > 3 * majority_category
    assert result.category_macro_f1 > 0.5
    assert result.priority_accuracy > majority_priority


def test_clear_messages_get_their_category_and_urgency(model: RoutingModel) -> None:
    fraud = model.predict("someone made charges on my card through your shop that I never made, I need a refund now")
    assert fraud.category == "payments" and fraud.priority in ("high", "urgent")
    assert model.predict("how do I reset my password").category == "account"
    assert model.predict(conversation_text(["hi", "the ticker MSFT price looks wrong"])).category == "market_data"
    assert 0 < fraud.category_confidence <= 1 and 0 < fraud.priority_confidence <= 1


def test_saved_model_predicts_exactly_like_the_fitted_one(model: RoutingModel, tmp_path: Path) -> None:
    model.save(tmp_path, {"data_sha256": "x"})
    loaded = RoutingModel.load(tmp_path)
    texts = [m.text for m in HELD_OUT]
    assert loaded.predict_many(texts) == model.predict_many(texts)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["classes"]["category"] == sorted(CATEGORIES) and manifest["data_sha256"] == "x"


def test_tampered_weights_are_refused(model: RoutingModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    with np.load(tmp_path / "weights.npz") as weights:
        arrays = dict(weights)
    arrays["category_intercept"] = arrays["category_intercept"] + 1
    np.savez(tmp_path / "weights.npz", **arrays)
    with pytest.raises(ValueError, match="checksum"):
        RoutingModel.load(tmp_path)


def test_train_command_writes_a_manifest_and_skips_when_current(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SUPPORT_MODEL_DIR", str(tmp_path / "router"))
    assert train_command.main([]) == 0
    output = capsys.readouterr().out
    assert "[1/3]" in output and "[3/3] held out" in output
    manifest = json.loads((tmp_path / "router" / "manifest.json").read_text())
    assert manifest["heldout"]["n_eval"] == len(HELD_OUT) and 0 < manifest["heldout"]["category_accuracy"] <= 1
    assert train_command.main(["--if-stale"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_train_command_reports_a_missing_data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SUPPORT_MODEL_DIR", str(tmp_path / "router"))
    assert train_command.main(["--data", str(tmp_path / "missing.csv")]) == 1
    assert capsys.readouterr().err.startswith("error:")


def test_queues_come_from_settings() -> None:
    queues = parse_queues(settings.get("SUPPORT_QUEUES", {}))
    assert set(queues) == set(CATEGORIES)
    assert queue_for("payments", queues) == "billing"
    assert queue_for("payments", parse_queues("orders=orders")) == DEFAULT_QUEUE
    with pytest.raises(SystemExit, match="SUPPORT_QUEUES"):
        parse_queues("shipping=logistics")
