"""Slack, through Rasa's own Slack connector with three things it lacks.

- Replies go to `SLACK_API_BASE_URL` (Rasa's connector always posts to slack.com), so
  the tests can stand a local server in for Slack's Web API.
- A resent event (`X-Slack-Retry-Num`, same `event_id`) is acknowledged and not
  processed again, whatever Slack's retry reason.
- Malformed requests get 400 with a reason instead of a 500; the URL verification
  challenge is answered as Slack documents it (`{"challenge": ...}`).

Signature checking (HMAC-SHA256 of `v0:timestamp:body` with the signing secret,
timestamps older than five minutes refused) and the background processing that
answers Slack at once, so slow turns do not make it resend, are Rasa's.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.rest import pseudonym, refusal
from channels.state import ChannelState
from channels.compound import splitting

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"


def bad_request(reason: str, status: int = HTTPStatus.BAD_REQUEST) -> HTTPResponse:
    return response.json({"error": "bad_request", "reason": reason}, status=status)


class SlackOutput(SlackBot):
    """Rasa's Slack output, posting to a configurable Web API base URL."""

    def __init__(self, token: Text, api_base_url: Text, slack_channel: Optional[Text] = None,
                 thread_id: Optional[Text] = None, proxy: Optional[Text] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_base_url.rstrip("/") + "/", proxy=proxy)


class SlackChannel(SlackInput):
    """`/webhooks/slack/webhook`: Slack's Events API and interactive button clicks."""

    api_base_url: str = DEFAULT_API_BASE_URL
    state: ChannelState

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackChannel":
        credentials = credentials or {}
        channel = cls(
            credentials.get("slack_token") or "",
            credentials.get("slack_channel"),
            credentials.get("proxy"),
            credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            use_threads=bool(credentials.get("use_threads", False)),
            slack_signing_secret=credentials.get("slack_signing_secret") or "",
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
        )
        channel.api_base_url = credentials.get("slack_api_base_url") or DEFAULT_API_BASE_URL
        channel.state = ChannelState.from_settings()
        return channel

    @property
    def enabled(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    def _validate_credentials(self) -> None:
        """Unconfigured (no token, no secret) is allowed and disabled; half-configured is an error."""
        if bool(self.slack_token) != bool(self.slack_signing_secret):
            missing = "SLACK_SIGNING_SECRET" if self.slack_token else "SLACK_BOT_TOKEN"
            raise InvalidConfigException(f"The Slack channel needs {missing} as well; set it or unset both.")
        if not self.enabled:
            logger.info("Slack channel not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): disabled")

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return SlackOutput(
            self.slack_token, self.api_base_url, channel or self.slack_channel, thread_id, self.proxy,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = splitting(on_new_message)  # several requests in one message: each served
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return bad_request("The Slack channel is not configured on this server.", HTTPStatus.SERVICE_UNAVAILABLE)
            if not self.is_request_from_slack_authentic(request):
                return bad_request(
                    "The request is not signed with this app's signing secret "
                    "(X-Slack-Signature) or its X-Slack-Request-Timestamp is more than five minutes off."
                )
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                return await self._receive_event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._receive_interaction(request, on_new_message)
            return bad_request("Expected a JSON event or a form-encoded interaction payload.", HTTPStatus.UNSUPPORTED_MEDIA_TYPE)

        return webhook

    async def _receive_event(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            body = json.loads(request.body or b"")
        except ValueError:
            return bad_request("The body is not valid JSON.")
        if not isinstance(body, dict):
            return bad_request("The body must be a JSON object.")
        if body.get("type") == "url_verification":
            if not isinstance(body.get("challenge"), str):
                return bad_request('A url_verification request needs a "challenge" string.')
            return response.json({"challenge": body["challenge"]})
        event = body.get("event")
        if not isinstance(event, dict):
            return bad_request('An event callback needs an "event" object.')
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id and not await self.state.claim(self.name(), event_id):
            logger.info("Slack resent event (retry %s); already processed", request.headers.get("X-Slack-Retry-Num", "?"))
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        if not self._is_user_message(body):
            return response.text("Not a user message; ignored.")
        metadata = self._event_metadata(body)
        if not self._is_supported_channel(body, metadata):
            return response.text("Channel not supported; ignored.")
        sender = self._get_conversation_id(event.get("user") or "", metadata["out_channel"], metadata["thread_id"])
        text = self._sanitize_user_message(str(event.get("text", "")), metadata["users"])
        return await self._process(request, on_new_message, text, sender, metadata)

    async def _receive_interaction(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = json.loads(request.form.get("payload") or "")
        except ValueError:
            return bad_request('An interaction needs a "payload" form field holding JSON.')
        if not isinstance(payload, dict) or not self._is_interactive_message(payload):
            return bad_request("Only button and menu interactions are supported.")
        text = self._get_interactive_response(payload["actions"][0])
        if not isinstance(text, str) or not isinstance(payload.get("user"), dict):
            return response.text("Nothing to send; ignored.")
        metadata = self.get_metadata(request)
        sender = self._get_conversation_id(payload["user"].get("id") or "", metadata.get("out_channel"), metadata.get("thread_id"))
        return await self._process(request, on_new_message, text, sender, metadata)

    async def _process(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       text: str, sender: Optional[str], metadata: Dict[str, Any]) -> HTTPResponse:
        if not sender:
            return bad_request("The event names no user.")
        polite = refusal(text)
        if polite is not None:
            output = self.get_output_channel(metadata.get("out_channel"), metadata.get("thread_id") if self.use_threads else None)
            await output.send_text_message(sender, polite)
            return response.text("")
        logger.debug("Slack message from %s", pseudonym(sender))
        return await self.process_message(request, on_new_message, text, sender, metadata)

    @staticmethod
    def _event_metadata(body: Dict[str, Any]) -> Dict[str, Any]:
        """Rasa's get_metadata, from the already parsed body."""
        event = body["event"]
        users = body.get("authed_users") or [
            a.get("user_id") for a in (body.get("authorizations") or [])[:1] if isinstance(a, dict)
        ]
        return {"out_channel": event.get("channel"), "thread_id": event.get("thread_ts", event.get("ts")), "users": users}
