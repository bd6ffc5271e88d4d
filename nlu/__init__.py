"""Rasa NLU components of the project, loaded from ``config.yml`` in ``.venv/rasa``.

``nlu.sentence_featurizer.SentenceEmbeddingFeaturizer`` adds one dense sentence
embedding per message next to the sparse features (``docs/nlu.md``).
"""
