"""Rasa input channels of this project (loaded by the Rasa server through credentials.yml).

This package runs inside the Rasa environment; it may import rasa, never the engines.
"""
