"""The web chat page in headless Chromium (the Debian package, driven by Playwright):
a customer types and clicks through an order conversation, reloads, and sees it all again."""

from __future__ import annotations

import time

import pytest
import requests

from assistant.stack_process import StackProcess
from tests.e2e.conftest import seeded_orders
from tests.web_chat import ARTIFACTS, CONNECTED, TURN_TIMEOUT_MS, browser, page_url, send, transcript, wait_for_text

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the fixture, imported so that pytest finds it here


def test_the_page_and_its_widget_are_served(channel_stack: StackProcess) -> None:
    page = requests.get(page_url(channel_stack), timeout=10)
    assert page.status_code == 200 and "<title>Kestrel assistant</title>" in page.text
    widget = requests.get(page_url(channel_stack) + "vendor/rasa-webchat.js", timeout=10)
    assert widget.status_code == 200 and "WebChat" in widget.text[:2000]
    config = requests.get(page_url(channel_stack) + "config.js", timeout=10).text
    assert f'"rasaPort": "{channel_stack.rasa_port}"' in config


def test_order_conversation_by_typing_and_clicking_survives_a_reload(
    channel_stack: StackProcess, stack_databases: dict, browser, record_property
) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "pending", limit=2)[-1]
    context = browser.new_context()
    page = context.new_page()
    started = time.monotonic()
    page.goto(page_url(channel_stack))
    page.get_by_text(CONNECTED).wait_for(timeout=30_000)
    record_property("page_ready_s", round(time.monotonic() - started, 2))

    send(page, "where is my order?")
    wait_for_text(page, "what's your order number")
    send(page, order.number)
    wait_for_text(page, "what's the email address")
    send(page, order.email)
    wait_for_text(page, f"Order {order.number} is ")

    # Buttons: cancelling asks for a yes/no; the "No" button is used by keyboard.
    send(page, f"cancel order {order.number}")
    wait_for_text(page, f"Cancel order {order.number}")
    replies = page.locator("#chat .rw-reply")
    replies.first.wait_for(timeout=TURN_TIMEOUT_MS)
    labels = [replies.nth(i).inner_text().strip().lower() for i in range(replies.count())]
    no_button = replies.nth(next(i for i, label in enumerate(labels) if label.startswith("no")))
    answers_before = page.locator("#chat .rw-response").count()
    no_button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .rw-response').length > n", arg=answers_before, timeout=TURN_TIMEOUT_MS
    )
    before_reload = transcript(page)
    assert f"order {order.number} is cancelled" not in before_reload.lower()

    page.reload()
    page.get_by_text(CONNECTED).wait_for(timeout=30_000)
    after_reload = wait_for_text(page, f"Order {order.number} is ")
    assert order.email in after_reload and f"Cancel order {order.number}" in after_reload
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_chat.png"), full_page=True)
    context.close()


def test_the_page_says_when_the_assistant_is_unavailable(channel_stack: StackProcess, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.route("**/socket.io/**", lambda route: route.abort())  # as if the Rasa server were down
    page.goto(page_url(channel_stack))
    page.get_by_text("The assistant is unavailable right now").wait_for(timeout=30_000)
    assert page.get_by_role("status").inner_text().startswith("The assistant is unavailable")
    context.close()


def test_a_chart_from_the_action_server_is_shown_as_an_image(channel_stack: StackProcess, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(page_url(channel_stack))
    page.get_by_text(CONNECTED).wait_for(timeout=30_000)
    send(page, "compare Apple and Microsoft over the last year")
    chart = page.locator('#chat img[src*="/charts/"]')
    chart.first.wait_for(timeout=TURN_TIMEOUT_MS)
    page.wait_for_function(
        """() => [...document.querySelectorAll('#chat img')].some(
            img => img.src.includes('/charts/') && img.complete && img.naturalWidth > 0)""",
        timeout=TURN_TIMEOUT_MS,
    )
    assert "AAPL" in wait_for_text(page, "not investment advice")
    context.close()
