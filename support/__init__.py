"""Human handoff engine: sentiment, escalation policy, ticket categorisation and routing, tickets.

Plain Python with typed inputs and outputs; it never imports ``rasa`` or
``rasa_sdk`` (the Rasa adapters live in ``actions/``). See ``docs/handoff.md``.
"""
