"""A tracker's events as the agent reads them (the event list is shaped like Rasa 3.6's tracker JSON)."""

from __future__ import annotations

from datetime import UTC, datetime

from console.transcript import TranscriptEntry, entries

T = 1_763_719_200.0  # 2025-11-21 10:00:00 UTC


def _at(offset: float) -> datetime:
    return datetime.fromtimestamp(T + offset, UTC)


def _bot(text: str | None, offset: float, buttons: list | None = None, image: str | None = None,
         metadata: dict | None = None) -> dict:
    return {"event": "bot", "timestamp": T + offset, "metadata": metadata or {}, "text": text,
            "data": {"elements": None, "quick_replies": None, "buttons": buttons, "attachment": image,
                     "image": image, "custom": None}}


EVENTS = [
    {"event": "action", "timestamp": T, "name": "action_session_start", "policy": None, "confidence": 1.0},
    {"event": "session_started", "timestamp": T},
    {"event": "action", "timestamp": T, "name": "action_listen"},
    {"event": "user", "timestamp": T + 1, "text": "where is my order", "input_channel": "rest",
     "parse_data": {"intent": {"name": "order_status", "confidence": 0.98}, "entities": []},
     "metadata": {}, "message_id": "m1"},
    {"event": "user_featurization", "timestamp": T + 1, "use_text_for_featurization": False},
    {"event": "active_loop", "timestamp": T + 1, "name": "order_verification_form"},
    {"event": "slot", "timestamp": T + 1, "name": "requested_slot", "value": "order_number"},
    _bot("What is your order number?", 2, buttons=[{"title": "I don't have it", "payload": "/no_number"},
                                                    {"title": "Talk to a person", "payload": "/human_handoff"}]),
    {"event": "user", "timestamp": T + 30, "text": "this is useless!!", "input_channel": "rest"},
    _bot("I'm sorry. A colleague will take over; please stay here.", 31),
    {"event": "pause", "timestamp": T + 31},
    {"event": "user", "timestamp": T + 90, "text": "hello? anyone?", "input_channel": "rest"},
    _bot("Ann Example from our support team has joined the conversation.", 120,
         metadata={"agent": "Ann Example", "ticket_id": 7}),
    _bot("Here is the chart you asked for.", 121, image="http://127.0.0.1:5055/charts/a.png"),
    _bot(None, 122),  # an utterance with nothing to show
    {"event": "resume", "timestamp": T + 300},
    {"event": "user", "timestamp": T + 301, "text": "/rate{\"rating\": 5}"},
]


def test_a_realistic_conversation() -> None:
    assert entries(EVENTS) == [
        TranscriptEntry("customer", "where is my order", _at(1), None),
        TranscriptEntry("assistant", "What is your order number?\n[I don't have it] [Talk to a person]", _at(2), None),
        TranscriptEntry("customer", "this is useless!!", _at(30), None),
        TranscriptEntry("assistant", "I'm sorry. A colleague will take over; please stay here.", _at(31), None),
        TranscriptEntry("system", "Handed to a person", _at(31), None),
        TranscriptEntry("customer", "hello? anyone?", _at(90), None),
        TranscriptEntry("agent", "Ann Example from our support team has joined the conversation.", _at(120),
                        "Ann Example"),
        TranscriptEntry("assistant", "Here is the chart you asked for.\n(image)", _at(121), None),
        TranscriptEntry("system", "Assistant resumed", _at(300), None),
        TranscriptEntry("customer", "/rate{\"rating\": 5}", _at(301), None),
    ]


def test_events_without_time_or_data_do_not_break_the_transcript() -> None:
    assert entries([{"event": "user"}, {"event": "bot", "text": "hi", "data": None, "metadata": None}]) == [
        TranscriptEntry("customer", "", None, None), TranscriptEntry("assistant", "hi", None, None)]
    assert entries([]) == []
