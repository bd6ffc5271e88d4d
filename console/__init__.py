"""The support agents' console: a Sanic web app over the ticket engine in ``support/``.

Agents log in, take tickets from the queue, read the conversation and answer
the customer through Rasa's HTTP API (``console.rasa_api``). Nothing here
imports ``rasa``; the console runs in ``.venv/actions``.
"""
