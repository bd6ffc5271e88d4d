"""Ticket category and priority from the conversation, and the agent queue of each category.

The model is two multinomial logistic regressions (category, priority) over
TF-IDF features of word 1–2-grams and character 2–5-grams; the priority head
also sees the sentiment score (:mod:`support.sentiment`). It is trained on
the labelled messages in ``data/support/messages.csv`` (written for this
project; ``split`` marks the held-out evaluation rows).

Saved artifacts are a ``manifest.json`` (vocabularies, classes, training data
hash, held-out metrics, checksum) and a ``weights.npz`` of plain arrays:
loading never unpickles anything, and inference is a few sparse products.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from support.sentiment import analyse

CATEGORIES = ("orders", "payments", "returns", "account", "market_data", "technical", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_QUEUE = "general"
TURN_SEPARATOR = " | "
PROJECT_ROOT = Path(__file__).resolve().parent.parent
LABELLED_DATA = PROJECT_ROOT / "data" / "support" / "messages.csv"

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
_ANALYSERS = {"word": ("word", (1, 2)), "char": ("char_wb", (2, 5))}
_REGULARISATION_C = 10.0


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    category: str
    priority: str
    split: str  # "train" or "eval"


@dataclass(frozen=True)
class Routing:
    """What the model predicts for one conversation, with its probabilities."""

    category: str
    category_confidence: float
    priority: str
    priority_confidence: float


def conversation_text(customer_messages: Sequence[str]) -> str:
    """The customer's turns as the model reads them (the labelled snippets use the same separator)."""
    return TURN_SEPARATOR.join(m.strip() for m in customer_messages if m and m.strip())


def file_sha256(path: Union[str, Path]) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_labelled(path: Union[str, Path] = LABELLED_DATA) -> list[LabelledMessage]:
    """The labelled set; an unknown label or split is an error naming its line."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            message = LabelledMessage(row["text"].strip(), row["category"], row["priority"], row["split"])
            if (not message.text or message.category not in CATEGORIES or message.priority not in PRIORITIES
                    or message.split not in ("train", "eval")):
                raise ValueError(f"{path}:{line}: empty text or unknown category/priority/split")
            rows.append(message)
    return rows


def parse_queues(spec: str) -> dict[str, str]:
    """``SUPPORT_QUEUES`` (``category=queue,...``) as a mapping; unknown categories are an error."""
    queues = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        category, _, queue = (part.strip() for part in pair.partition("="))
        if category not in CATEGORIES or not queue:
            raise SystemExit(f"SUPPORT_QUEUES: {pair!r} is not `category=queue` with a category in {CATEGORIES}.")
        queues[category] = queue
    return queues


def queue_for(category: str, queues: Mapping[str, str]) -> str:
    """The agent queue a ticket of *category* is routed to."""
    return queues.get(category, DEFAULT_QUEUE)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class RoutingModel:
    """TF-IDF features + two linear heads; fitted with scikit-learn, applied with numpy."""

    def __init__(self, vocabularies: dict[str, dict[str, int]], idf: dict[str, np.ndarray],
                 heads: dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray]]) -> None:
        self.vocabularies = vocabularies
        self.idf = idf
        self.heads = heads  # name -> (classes, coef, intercept)
        self._counters = {
            name: CountVectorizer(analyzer=kind, ngram_range=ngrams, lowercase=True, vocabulary=vocabularies[name])
            for name, (kind, ngrams) in _ANALYSERS.items()
        }

    @classmethod
    def fit(cls, messages: Sequence[LabelledMessage], progress: Callable[[str], None] = lambda _: None,
            ) -> RoutingModel:
        texts = [m.text for m in messages]
        vocabularies, idf = {}, {}
        for name, (kind, ngrams) in _ANALYSERS.items():
            counter = CountVectorizer(analyzer=kind, ngram_range=ngrams, lowercase=True)
            counts = counter.fit_transform(texts)
            document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
            vocabularies[name] = {term: int(i) for term, i in counter.vocabulary_.items()}
            idf[name] = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
            progress(f"features: {name} {counts.shape[1]} terms")
        model = cls(vocabularies, idf, {})
        features = model._features(texts)
        for head, labels, order in (("category", [m.category for m in messages], CATEGORIES),
                                    ("priority", [m.priority for m in messages], PRIORITIES)):
            x = features if head == "category" else model._with_sentiment(features, texts)
            classifier = LogisticRegression(C=_REGULARISATION_C, max_iter=5000, class_weight="balanced")
            classifier.fit(x, labels)
            classes = tuple(str(c) for c in classifier.classes_)
            missing = set(order) - set(classes)
            if missing:
                raise ValueError(f"no training examples for {head} {sorted(missing)}")
            model.heads[head] = (classes, classifier.coef_.astype(np.float64), classifier.intercept_.astype(np.float64))
            progress(f"fitted {head} head on {len(texts)} messages ({len(classes)} classes)")
        return model

    def _features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        blocks = []
        for name, counter in self._counters.items():
            counts = counter.transform(texts).astype(np.float64).tocsr()
            counts.data = 1.0 + np.log(counts.data)  # sublinear term frequency
            weighted = counts @ sparse.diags(self.idf[name])
            norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
            norms[norms == 0] = 1.0
            blocks.append(sparse.diags(1.0 / norms) @ weighted)
        return sparse.hstack(blocks).tocsr()

    @staticmethod
    def _with_sentiment(features: sparse.csr_matrix, texts: Sequence[str]) -> sparse.csr_matrix:
        scores = np.array([[analyse(t).score] for t in texts])
        return sparse.hstack([features, sparse.csr_matrix(scores)]).tocsr()

    def _probabilities(self, head: str, features: sparse.csr_matrix) -> np.ndarray:
        _, coef, intercept = self.heads[head]
        logits = np.asarray(features @ coef.T) + intercept
        if coef.shape[0] == 1:  # binary heads store one row
            logits = np.hstack([-logits, logits])
        return _softmax(logits)

    def predict_many(self, texts: Sequence[str]) -> list[Routing]:
        features = self._features(texts)
        categories = self._probabilities("category", features)
        priorities = self._probabilities("priority", self._with_sentiment(features, texts))
        category_classes, priority_classes = self.heads["category"][0], self.heads["priority"][0]
        return [
            Routing(category_classes[int(c.argmax())], float(c.max()), priority_classes[int(p.argmax())], float(p.max()))
            for c, p in zip(categories, priorities)
        ]

    def predict(self, text: str) -> Routing:
        """Category and priority of one conversation (see :func:`conversation_text`)."""
        return self.predict_many([text])[0]

    def save(self, directory: Union[str, Path], extra: Optional[dict[str, Any]] = None) -> Path:
        """Write the model under *directory*; *extra* (data hash, metrics) goes into the manifest."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {f"idf_{name}": values for name, values in self.idf.items()}
        for head, (_, coef, intercept) in self.heads.items():
            arrays[f"{head}_coef"], arrays[f"{head}_intercept"] = coef, intercept
        tmp_weights = directory / (WEIGHTS + ".tmp.npz")
        np.savez(tmp_weights, **arrays)
        os.replace(tmp_weights, directory / WEIGHTS)
        manifest = {
            "format": FORMAT_VERSION,
            "model": "tfidf-word1-2+char2-5 logistic regression (category; priority + sentiment)",
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "classes": {head: list(classes) for head, (classes, _, _) in self.heads.items()},
            "vocabularies": self.vocabularies,
            "weights_sha256": file_sha256(directory / WEIGHTS),
            **(extra or {}),
        }
        tmp_manifest = directory / (MANIFEST + ".tmp")
        tmp_manifest.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        os.replace(tmp_manifest, directory / MANIFEST)
        return directory / MANIFEST

    @classmethod
    def load(cls, directory: Union[str, Path]) -> RoutingModel:
        """The model saved under *directory*; refuses weights that do not match their manifest."""
        manifest = read_manifest(directory)
        weights_path = Path(directory) / WEIGHTS
        if file_sha256(weights_path) != manifest["weights_sha256"]:
            raise ValueError(f"{weights_path} does not match its manifest (checksum differs)")
        with np.load(weights_path, allow_pickle=False) as weights:
            idf = {name: weights[f"idf_{name}"] for name in _ANALYSERS}
            heads = {head: (tuple(classes), weights[f"{head}_coef"], weights[f"{head}_intercept"])
                     for head, classes in manifest["classes"].items()}
        return cls(manifest["vocabularies"], idf, heads)


def read_manifest(directory: Union[str, Path]) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT_VERSION}")
    return manifest


@dataclass(frozen=True)
class Evaluation:
    category_accuracy: float
    category_macro_f1: float
    priority_accuracy: float
    priority_macro_f1: float
    n_train: int
    n_eval: int


def evaluate(model: RoutingModel, messages: Sequence[LabelledMessage], n_train: int) -> Evaluation:
    """Accuracy and macro-F1 of *model* on held-out *messages*."""
    predicted = model.predict_many([m.text for m in messages])
    categories = ([m.category for m in messages], [p.category for p in predicted])
    priorities = ([m.priority for m in messages], [p.priority for p in predicted])
    return Evaluation(
        category_accuracy=float(accuracy_score(*categories)),
        category_macro_f1=float(f1_score(*categories, labels=list(CATEGORIES), average="macro", zero_division=0)),
        priority_accuracy=float(accuracy_score(*priorities)),
        priority_macro_f1=float(f1_score(*priorities, labels=list(PRIORITIES), average="macro", zero_division=0)),
        n_train=n_train,
        n_eval=len(messages),
    )
