"""Channel configuration without the stack: credentials.yml, what the launcher prints, the page server."""

from __future__ import annotations

import re

import requests
import yaml

from assistant import settings
from assistant.launcher import channel_lines, server_environment
from assistant.stack_process import free_port
from assistant.web_page import start_page_server

CREDENTIALS = (settings.PROJECT_ROOT / "credentials.yml").read_text()


def test_credentials_name_the_project_channels_and_only_documented_variables() -> None:
    assert set(yaml.safe_load(CREDENTIALS)) == {
        "channels.rest.ValidatedRestInput",
        "channels.socketio.PollingSocketIOInput",
        "channels.slack.SlackChannel",
        "channels.whatsapp.WhatsAppInput",
    }
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", CREDENTIALS))
    assert used and used <= {s.name for s in settings.SETTINGS}


def test_the_launcher_exports_every_variable_credentials_use() -> None:
    env = server_environment({})
    assert all(name in env for name in re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", CREDENTIALS))


def test_messaging_channels_are_on_only_when_fully_configured() -> None:
    off = channel_lines(server_environment({}))
    assert "Slack:             off" in off and "WhatsApp:          off" in off
    on = channel_lines(server_environment({
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
        "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_WHATSAPP_NUMBER": "whatsapp:+1555",
    }))
    assert "/webhooks/slack/webhook" in on and "/webhooks/whatsapp/webhook" in on
    half = channel_lines(server_environment({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}))
    assert "WhatsApp:          off" in half


def test_the_page_server_tells_the_page_where_rasa_is() -> None:
    env = server_environment({"WEB_PORT": str(free_port()), "RASA_PORT": "5123"})
    server = start_page_server(env)
    try:
        base = f"http://127.0.0.1:{env['WEB_PORT']}"
        config = requests.get(f"{base}/config.js", timeout=5)
        assert config.status_code == 200 and '"rasaPort": "5123"' in config.text
        assert requests.get(f"{base}/", timeout=5).text.count('id="chat"') == 1
        assert requests.get(f"{base}/../assistant/settings.py", timeout=5).status_code == 404
    finally:
        server.shutdown()
