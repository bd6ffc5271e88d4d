"""WhatsApp through Twilio: Rasa's Twilio connector made safe to expose.

Rasa's `twilio` channel accepts any POST as a message from any number and sends
replies with Twilio's blocking client. This channel
- checks `X-Twilio-Signature` with Twilio's own RequestValidator (HMAC-SHA1 of the
  webhook URL followed by the sorted POST parameters, base64) and answers 403 with
  the reason when it is missing or wrong;
- takes only `whatsapp:` senders, and processes a message id (`MessageSid`) once, so
  a message Twilio resends is acknowledged without a second answer;
- answers Twilio at once and runs the turn in the background; replies are posted
  to Twilio's Messages resource with aiohttp, never blocking the event loop;
- renders what WhatsApp cannot show: buttons become numbered options (a reply "2"
  is mapped back to the second payload, per conversation), images are sent as
  MediaUrl, long texts are split at Twilio's 1,600-character limit.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text
from urllib.parse import parse_qsl

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.rest import pseudonym, refusal
from channels.state import ChannelState
from channels.compound import splitting

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
MAX_BODY_CHARS = 1600  # Twilio refuses longer message bodies
SEND_TIMEOUT_S = 15
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WHATSAPP_PREFIX = "whatsapp:"
ZWJ = "\u200d"  # zero-width joiner: glues emoji into one (👨‍👩‍👧)


def _extends(char: str) -> bool:
    """True for a character drawn as part of the one before it: an accent, a variation selector, a
    skin-tone modifier or the joiner inside an emoji sequence."""
    return (bool(unicodedata.combining(char)) or char == ZWJ or "\ufe00" <= char <= "\ufe0f"
            or "\U0001f3fb" <= char <= "\U0001f3ff")


def split_text(text: str, limit: int = MAX_BODY_CHARS) -> List[str]:
    """*text* in parts of at most *limit* characters, cut at a paragraph, else a line, else a word.

    A break is used only in the second half of a part (parts are not made needlessly short);
    without one the text is cut at *limit*, moved back so that no accent or emoji sequence is
    split. Invariants: every part is non-empty, at most *limit* characters, and the parts are
    the text in order with only the whitespace at the cuts (and around the text) left out.
    """
    parts, rest = [], text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 2:
                break
        else:
            cut = limit
            while cut > limit // 2 and (_extends(rest[cut]) or rest[cut - 1] == ZWJ):
                cut -= 1
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def numbered_options(text: str, buttons: List[Dict[str, Any]]) -> str:
    lines = [f"{i}. {button.get('title') or button.get('payload')}" for i, button in enumerate(buttons, 1)]
    return f"{text}\n\n" + "\n".join(lines) + "\n\nReply with the number of your choice."


class WhatsAppOutput(OutputChannel):
    """Replies through Twilio's Messages API, asynchronously."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, account_sid: str, auth_token: str, sender: str, api_base_url: str, state: ChannelState) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.messages_url = f"{api_base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.state = state

    async def _send(self, recipient_id: str, body: str = "", media_url: Optional[str] = None) -> None:
        form = {"To": recipient_id, "From": self.sender, "Body": body}
        if media_url:
            form["MediaUrl"] = media_url
        try:
            async with aiohttp.ClientSession(
                auth=aiohttp.BasicAuth(self.account_sid, self.auth_token),
                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_S),
            ) as session:
                async with session.post(self.messages_url, data=form) as reply:
                    if reply.status >= 300:
                        logger.error("Twilio refused a message to %s: HTTP %s", pseudonym(recipient_id), reply.status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Twilio unreachable for a message to %s: %s", pseudonym(recipient_id), type(error).__name__)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_text(text):
            await self._send(recipient_id, part)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, media_url=image)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.state.set_options(self.name(), recipient_id, [str(b.get("payload") or b.get("title")) for b in buttons])
        await self.send_text_message(recipient_id, numbered_options(text, buttons))


class WhatsAppInput(InputChannel):
    """`/webhooks/whatsapp/webhook`: the URL to give Twilio for incoming WhatsApp messages."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppInput":
        credentials = credentials or {}
        return cls(
            account_sid=credentials.get("account_sid") or "",
            auth_token=credentials.get("auth_token") or "",
            whatsapp_number=credentials.get("whatsapp_number") or "",
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_BASE_URL,
            webhook_url=credentials.get("webhook_url") or "",
        )

    def __init__(self, account_sid: str, auth_token: str, whatsapp_number: str,
                 api_base_url: str = DEFAULT_API_BASE_URL, webhook_url: str = "") -> None:
        values = {"TWILIO_ACCOUNT_SID": account_sid, "TWILIO_AUTH_TOKEN": auth_token, "TWILIO_WHATSAPP_NUMBER": whatsapp_number}
        missing = [name for name, value in values.items() if not value]
        if 0 < len(missing) < len(values):
            raise InvalidConfigException(f"The WhatsApp channel also needs {', '.join(missing)}; set them or unset all three.")
        if whatsapp_number and not whatsapp_number.startswith(WHATSAPP_PREFIX):
            raise InvalidConfigException("TWILIO_WHATSAPP_NUMBER must look like whatsapp:+14155238886.")
        self.enabled = not missing
        if not self.enabled:
            logger.info("WhatsApp channel not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_NUMBER): disabled")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.whatsapp_number = whatsapp_number
        self.api_base_url = api_base_url
        self.webhook_url = webhook_url
        self.validator = RequestValidator(auth_token)
        self.state = ChannelState.from_settings()
        self._background_tasks: Set[asyncio.Task] = set()

    def get_output_channel(self) -> OutputChannel:
        return WhatsAppOutput(self.account_sid, self.auth_token, self.whatsapp_number, self.api_base_url, self.state)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = splitting(on_new_message)  # several requests in one message: each served
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return refuse(HTTPStatus.SERVICE_UNAVAILABLE, "The WhatsApp channel is not configured on this server.")
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type != "application/x-www-form-urlencoded":
                return refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Expected Twilio's form-encoded webhook body.")
            try:
                form = dict(parse_qsl((request.body or b"").decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                return refuse(HTTPStatus.BAD_REQUEST, "The body must be UTF-8.")
            signature = request.headers.get("X-Twilio-Signature")
            if not signature:
                return refuse(HTTPStatus.FORBIDDEN, "Missing X-Twilio-Signature header.")
            if not self.validator.validate(self.webhook_url or request.url, form, signature):
                return refuse(HTTPStatus.FORBIDDEN, "X-Twilio-Signature does not match this URL and body for our auth token.")
            sender, message_id = form.get("From", ""), form.get("MessageSid", "")
            if not sender.startswith(WHATSAPP_PREFIX) or not message_id or "Body" not in form:
                return refuse(HTTPStatus.BAD_REQUEST, "Expected a WhatsApp message: From (whatsapp:+…), MessageSid and Body.")
            if not await self.state.claim(self.name(), message_id):
                logger.info("WhatsApp message resent by Twilio; already processed")
                return twiml()
            task = asyncio.create_task(self._handle(on_new_message, sender, form))
            self._background_tasks.add(task)
            task.add_done_callback(self._background_tasks.discard)
            return twiml()

        return webhook

    async def _handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, form: Dict[str, str]) -> None:
        output = self.get_output_channel()
        text = form.get("Body", "").strip()
        if not text and form.get("NumMedia", "0") != "0":
            await output.send_text_message(sender, "I can only read text messages. What can I help you with?")
            return
        options = await self.state.options(self.name(), sender) if text.isdigit() else []
        if options and 1 <= int(text) <= len(options):
            text = options[int(text) - 1]
        polite = refusal(text)
        if polite is not None:
            await output.send_text_message(sender, polite)
            return
        metadata = {"message_sid": form["MessageSid"]}
        try:
            await on_new_message(UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata))
        except Exception as error:  # the customer still gets an answer, the log no text or number
            logger.error("WhatsApp message from %s failed: %s", pseudonym(sender), type(error).__name__)
            await output.send_text_message(sender, "Sorry, something went wrong on my side. Please try again.")


def refuse(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": "refused" if status == HTTPStatus.FORBIDDEN else "bad_request", "reason": reason}, status=status)


def twiml() -> HTTPResponse:
    """An empty TwiML answer: Twilio sends nothing itself, the replies go through the API."""
    return response.text(EMPTY_TWIML, content_type="text/xml")
