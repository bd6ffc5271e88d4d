"""Driving the web chat page and the agent console in headless Chromium (the Debian package,
through Playwright): shared by the channel tests and the handoff tests."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from assistant.stack_process import StackProcess
from tests.conftest import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TURN_TIMEOUT_MS = 60_000
CONNECTED = "Connected to the assistant."


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("the browser test needs Chromium: `make setup` installs it as root, or apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_FLAGS)
        yield chromium
        chromium.close()


def page_url(stack: StackProcess) -> str:
    return f"http://127.0.0.1:{stack.env['WEB_PORT']}/"


def send(page, text: str) -> None:
    field = page.get_by_label("Your message")
    field.fill(text)
    field.press("Enter")


def transcript(page) -> str:
    return page.locator("#chat .rw-messages-container").inner_text()


def wait_for_text(page, needle: str, occurrences: int = 1) -> str:
    """Waits until the conversation shows *needle* (any case) *occurrences* times; returns the transcript."""
    page.wait_for_function(
        """([needle, n]) => {
            const box = document.querySelector('#chat .rw-messages-container');
            return box && box.innerText.toLowerCase().split(needle.toLowerCase()).length - 1 >= n;
        }""",
        arg=[needle, occurrences],
        timeout=TURN_TIMEOUT_MS,
    )
    return transcript(page)
