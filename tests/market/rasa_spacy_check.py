"""Run in .venv/rasa: load a spaCy model through Rasa's SpacyNLP + SpacyEntityExtractor
and print the `ticker` entities of each sentence given on the command line (JSON)."""

import json
import sys
import tempfile
from pathlib import Path

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

model_path, sentences = sys.argv[1], sys.argv[2:]
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
context = ExecutionContext(None, "check")
nlp = SpacyNLP.create({**SpacyNLP.get_default_config(), "model": model_path}, storage, Resource("nlp"), context)
model = nlp.provide()
extractor = SpacyEntityExtractor.create({**SpacyEntityExtractor.get_default_config(), "dimensions": ["ticker"]},
                                        storage, Resource("entities"), context)
messages = [Message.build(text=s) for s in sentences]
nlp.process(messages, model)
extractor.process(messages, model)
print(json.dumps([[e["value"] for e in m.get("entities", [])] for m in messages]))
