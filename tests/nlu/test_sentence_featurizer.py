"""SentenceEmbeddingFeaturizer (nlu/) run by Rasa in .venv/rasa, checked from pytest in .venv/actions.

The component is driven through Rasa's graph API by ``featurizer_check.py`` and,
once, trained into a real (tiny) Rasa NLU model that parses messages.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RASA_BIN = PROJECT_ROOT / ".venv" / "rasa" / "bin"
CHECK = Path(__file__).with_name("featurizer_check.py")
ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
TEXTS = ["where is my order", "", "   ", "where is my order", "wo ist meine Bestellung",
         "where's my package", "what is the price of Apple stock", "MSFT?"]


def run_check(overrides: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    done = subprocess.run([str(RASA_BIN / "python"), str(CHECK), json.dumps(overrides), *texts],
                          check=False, cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def use_m3() -> dict[str, Any]:
    return run_check({}, TEXTS)


def cosine(a: list[float], b: list[float]) -> float:
    x, y = np.array(a), np.array(b)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def test_each_message_gets_one_sentence_vector_of_the_encoder_size(use_m3: dict[str, Any]) -> None:
    assert use_m3["dim"] == 512
    for message in use_m3["messages"]:
        assert message["sentence_shape"] == [1, 512]
        assert message["origins"] == ["sentence"]  # the alias, as DIET's `featurizers` option names it
        assert message["sequence_rows"] is None  # default: entity extraction keeps the token features it had
        assert message["finite"]


def test_text_vectors_are_unit_length_and_blank_texts_are_zero(use_m3: dict[str, Any]) -> None:
    norms = [float(np.linalg.norm(m["vector"])) for m in use_m3["messages"]]
    assert norms[1] == 0.0 and norms[2] == 0.0  # "" and whitespace
    for i in (0, 3, 4, 5, 6, 7):
        assert norms[i] == pytest.approx(1.0, abs=1e-3)


def test_same_text_same_vector_in_any_batch_and_in_training(use_m3: dict[str, Any]) -> None:
    first, repeated = use_m3["messages"][0], use_m3["messages"][3]
    assert first["vector"] == repeated["vector"]
    for message in use_m3["messages"]:
        # Another batch may change float rounding, never more.
        np.testing.assert_allclose(message["vector"], message["vector_alone"], atol=1e-5)
        if np.any(message["vector"]):  # Rasa's TrainingData drops blank examples
            np.testing.assert_allclose(message["vector"], message["vector_training"], atol=1e-5)
    assert use_m3["messages"][0]["vector_alone"] == use_m3["messages"][3]["vector_alone"]


def test_vectors_follow_meaning_across_languages(use_m3: dict[str, Any]) -> None:
    vectors = [m["vector"] for m in use_m3["messages"]]
    order, german, package, stock = vectors[0], vectors[4], vectors[5], vectors[6]
    assert cosine(order, package) > cosine(order, stock) + 0.1
    assert cosine(order, german) > cosine(order, stock) + 0.1


def test_token_features_give_one_row_per_token_and_scale_multiplies(use_m3: dict[str, Any]) -> None:
    result = run_check({"token_features": True, "scale": 2.5}, ["where is my order", "MSFT?", ""])
    assert [m["tokens"] for m in result["messages"]][:2] == [4, 1]
    for message in result["messages"]:
        assert message["sequence_rows"] == message["tokens"]
        assert message["sequence_dim"] == 512
    np.testing.assert_allclose(result["messages"][0]["vector"], np.array(use_m3["messages"][0]["vector"]) * 2.5,
                               rtol=1e-4, atol=1e-6)
    assert not np.any(result["messages"][2]["vector"])


def test_invalid_configurations_are_refused(use_m3: dict[str, Any]) -> None:
    assert "unknown encoder" in use_m3["invalid"]["encoder"]
    assert "threads" in use_m3["invalid"]["threads"]
    assert "token_features" in use_m3["invalid"]["token_features"]
    assert "scale must be a positive number" in use_m3["invalid"]["scale"]


def test_fingerprint_names_the_encoder_and_its_installed_version(use_m3: dict[str, Any]) -> None:
    name, _, version = use_m3["fingerprint"].partition("==")
    assert name == "use_m3"
    assert version and version != "missing"


def test_trained_rasa_model_uses_the_features_and_parses_empty_text(tmp_path: Path) -> None:
    """A tiny NLU model whose classifier sees only the dense sentence features (and token features)."""
    examples = {
        "order_status": ["where is my order", "has my parcel shipped", "track my delivery",
                         "when will my order arrive"],
        "stock_price": ["what is the price of apple", "how much is tesla stock", "quote for microsoft shares",
                        "current price of amazon"],
        "greet": ["hello", "hi there", "good morning", "hey"],
    }
    nlu = {"version": "3.1",
           "nlu": [{"intent": k, "examples": "".join(f"- {t}\n" for t in v)} for k, v in examples.items()]}
    (tmp_path / "nlu.yml").write_text(yaml.safe_dump(nlu, sort_keys=False))
    config = {"recipe": "default.v1", "language": "en", "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "nlu.sentence_featurizer.SentenceEmbeddingFeaturizer", "alias": "use", "token_features": True},
        {"name": "DIETClassifier", "epochs": 60, "number_of_transformer_layers": 0, "random_seed": 1,
         "featurizers": ["use"], "entity_recognition": False},
    ]}
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {**ENV, "RASA_CACHE_DIRECTORY": str(tmp_path / "cache")}
    trained = subprocess.run([str(RASA_BIN / "rasa"), "train", "nlu", "--config", str(tmp_path / "config.yml"),
                              "--nlu", str(tmp_path / "nlu.yml"), "--out", str(tmp_path), "--fixed-model-name", "m"],
                             check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    messages = ["is my package on its way", "share price of nvidia", "hallo", ""]
    (tmp_path / "messages.json").write_text(json.dumps(messages))
    parsed = subprocess.run([str(RASA_BIN / "python"), "-m", "nlu.evaluate", str(tmp_path / "m.tar.gz"),
                             str(tmp_path / "messages.json"), str(tmp_path / "out.json")],
                            check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert parsed.returncode == 0, parsed.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    # Paraphrases that are not training examples; 'hallo' is German.
    assert out["top"][:3] == ["order_status", "stock_price", "greet"]
    assert len(out["seconds"]) == 4 and all(s > 0 for s in out["seconds"])
