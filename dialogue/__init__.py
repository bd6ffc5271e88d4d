"""Dialogue components the Rasa server loads from ``config.yml`` (they run in ``.venv/rasa``)."""
