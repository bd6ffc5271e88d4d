"""Run in .venv/rasa: featurize messages with SentenceEmbeddingFeaturizer through Rasa's graph API.

    python featurizer_check.py CONFIG_JSON TEXT...

CONFIG_JSON overrides the component's defaults (e.g. '{"token_features": true}').
Each text is tokenized by WhitespaceTokenizer and featurized three times: in one
batch with all the others, alone, and as a training example. Prints one JSON
object: per text the shapes and origins of its dense features, its sentence
vector from each run, and the row count of its sequence feature (or null);
plus ``invalid``: the error of each invalid configuration tried.
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.sentence_featurizer import SentenceEmbeddingFeaturizer

overrides, texts = json.loads(sys.argv[1]), sys.argv[2:]
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
context = ExecutionContext(None, "check")
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "sentence", **overrides}
featurizer = SentenceEmbeddingFeaturizer.create(config, storage, Resource("sentence"), context)


def featurized(batch: list) -> list:
    messages = [Message.build(text=t) for t in batch]
    tokenizer.process(messages)
    return featurizer.process(messages)


batch = featurized(texts)
single = [featurized([t])[0] for t in texts]
training = TrainingData([Message.build(text=t, intent="x") for t in texts])
tokenizer.process_training_data(training)
featurizer.process_training_data(training)
# TrainingData leaves out blank examples: their vector from training is null.
trained_vectors = {m.get(TEXT): m.get_dense_features(TEXT)[1].features[0].tolist() for m in training.training_examples}

out = []
for text, message, alone in zip(texts, batch, single):
    sequence, sentence = message.get_dense_features(TEXT)
    out.append({
        "origins": sorted({f.origin for f in message.features}),
        "sentence_shape": list(sentence.features.shape),
        "sequence_rows": None if sequence is None else sequence.features.shape[0],
        "sequence_dim": None if sequence is None else sequence.features.shape[1],
        "tokens": len(message.get("text_tokens")),
        "vector": sentence.features[0].tolist(),
        "vector_alone": alone.get_dense_features(TEXT)[1].features[0].tolist(),
        "vector_training": trained_vectors.get(text),
        "finite": bool(np.isfinite(sentence.features).all()),
    })

invalid: dict[str, str | None] = {}
bad_configs: dict[str, dict[str, object]] = {
    "encoder": {"encoder": "nope"}, "threads": {"threads": 0}, "token_features": {"token_features": "yes"},
    "scale": {"scale": 0},
}
for name, bad in bad_configs.items():
    try:
        SentenceEmbeddingFeaturizer.create({**config, **bad}, storage, Resource(name), context)
        invalid[name] = None
    except InvalidConfigException as error:
        invalid[name] = str(error)

print(json.dumps({"messages": out, "dim": featurizer.dim, "invalid": invalid,
                  "fingerprint": SentenceEmbeddingFeaturizer.fingerprint_addon(config)}))
