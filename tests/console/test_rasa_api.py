"""The console's Rasa client against a fake_rasa Rasa API: paths, token, timeouts, failures."""

from __future__ import annotations

import pytest

from console.rasa_api import RasaClient, RasaUnavailable
from tests.console.fake_rasa import FakeRasa


def test_ids_reach_rasa_exactly_as_rasa_names_them(fake_rasa: FakeRasa) -> None:
    client = RasaClient(fake_rasa.url + "/", fake_rasa.token)
    for conversation_id in ("whatsapp:+14155550100", "U024BE7LH", "ann@example.com", "3f2a9c1e-7b2d-4c1a"):
        fake_rasa.events[conversation_id] = [{"event": "user", "text": "hi", "timestamp": 1.0}]
        assert [e.text for e in client.transcript(conversation_id)] == ["hi"]
        assert fake_rasa.requests[-1].conversation_id == conversation_id


@pytest.mark.parametrize("conversation_id", ["two words", "what?", "a#b", "100%", "ünï", ""])
def test_ids_rasa_cannot_address_are_refused_without_a_request(fake_rasa: FakeRasa, conversation_id: str) -> None:
    with pytest.raises(RasaUnavailable, match="cannot be addressed"):
        RasaClient(fake_rasa.url, fake_rasa.token).send_agent_message(conversation_id, "hello", "Ann", 1)
    assert fake_rasa.requests == []


def test_a_wrong_token_is_named_but_not_shown(fake_rasa: FakeRasa) -> None:
    with pytest.raises(RasaUnavailable, match="RASA_API_TOKEN") as refused:
        RasaClient(fake_rasa.url, "wrong-secret-token").transcript("c1")
    assert "wrong-secret-token" not in str(refused.value)


def test_slow_broken_and_missing_servers_become_rasa_unavailable(fake_rasa: FakeRasa) -> None:
    fake_rasa.delay_s = 1.0
    with pytest.raises(RasaUnavailable, match="could not be reached"):
        RasaClient(fake_rasa.url, fake_rasa.token, timeout_s=0.2).transcript("c1")
    fake_rasa.delay_s = 0.0
    fake_rasa.failing = True
    with pytest.raises(RasaUnavailable, match="HTTP 500"):
        RasaClient(fake_rasa.url, fake_rasa.token).resume_and_ask_rating("c1")
    fake_rasa.stop()
    with pytest.raises(RasaUnavailable, match="could not be reached"):
        RasaClient(fake_rasa.url, fake_rasa.token).send_agent_message("c1", "hello", "Ann", 1)


def test_resume_stops_when_rasa_refuses_it(fake_rasa: FakeRasa) -> None:
    fake_rasa.failing = True
    with pytest.raises(RasaUnavailable):
        RasaClient(fake_rasa.url, fake_rasa.token).resume_and_ask_rating("c1")
    assert [r.endpoint for r in fake_rasa.requests] == ["tracker/events"]  # no rating question without the resume
