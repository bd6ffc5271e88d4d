"""Helpers shared by the market tests: the local vendor's behaviour, clocks, counters.

Kept out of conftest.py so test modules can import them by a unique name.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

from market.bundled import BundledProvider
from market.http_provider import BAR_FIELDS, SERIES_KEY

API_KEY = "test-key"
SERVED = ("IBM",)  # tickers the local vendor knows
SLOW_S = 1.5  # well past the clients' 0.5 s timeout in the tests


def daily_payload(history) -> dict:
    """The bars of *history* in the vendor's TIME_SERIES_DAILY shape (newest first, strings)."""
    names = {v: k for k, v in BAR_FIELDS.items()}
    series = {
        day.strftime("%Y-%m-%d"): {names[c]: f"{row[c]:.4f}" if c != "volume" else str(int(row[c]))
                                   for c in BAR_FIELDS.values()}
        for day, row in history.bars.iloc[::-1].iterrows()
    }
    meta = {"1. Information": "Daily Prices (open, high, low, close) and Volumes",
            "2. Symbol": history.ticker, "3. Last Refreshed": str(history.as_of),
            "4. Output Size": "Full size", "5. Time Zone": "US/Eastern"}
    return {"Meta Data": meta, SERIES_KEY: series}


class Vendor:
    """State of the local vendor: scripted behaviours and the requests seen."""

    def __init__(self, bundled: BundledProvider, daily: dict[str, bytes]) -> None:
        self.bundled = bundled
        self.daily = daily
        self.script: deque[str] = deque()
        self.requests: list[dict[str, str]] = []
        self.url = ""
        self.lock = threading.Lock()

    def then(self, *behaviours: str) -> None:
        """Queue behaviours for the next requests; afterwards requests succeed."""
        self.script.extend(behaviours)

    def answer(self, query: dict[str, str]) -> tuple[int, bytes]:
        with self.lock:
            self.requests.append(query)
            behaviour = self.script.popleft() if self.script else "ok"
        if behaviour == "slow":
            time.sleep(SLOW_S)
        if behaviour == "500":
            return 500, b"Internal Server Error"
        if behaviour == "malformed":
            return 200, b'{"Meta Data": {"2. Symbol": "IBM"}, "Time Series (Daily)": {"2013-'
        if behaviour == "throttle":
            return 200, json.dumps({"Note": "Thank you for using Alpha Vantage! Our standard API "
                                             "call frequency is 5 calls per minute."}).encode()
        if query.get("apikey") != API_KEY:
            return 401, b"unauthorised"
        symbol = query.get("symbol", "")
        if symbol not in SERVED:
            return 200, json.dumps({"Error Message": "Invalid API call. Please retry or visit the "
                                                     "documentation for TIME_SERIES_DAILY."}).encode()
        if query.get("function") == "GLOBAL_QUOTE":
            quote = self.bundled.quote(symbol)
            body = {"Global Quote": {
                "01. symbol": symbol, "05. price": f"{quote.price:.4f}",
                "07. latest trading day": str(quote.as_of),
                "08. previous close": f"{quote.previous_close:.4f}",
                "09. change": f"{quote.change:.4f}", "10. change percent": f"{quote.change_pct:.4f}%"}}
            return 200, json.dumps(body).encode()
        return 200, self.daily[symbol]


@contextmanager
def serve_vendor(state: Vendor) -> Iterator[Vendor]:
    """Serve *state* over HTTP on 127.0.0.1 (random port) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, body = (404, b"not found") if parts.path != "/query" else state.answer(query)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up on a slow answer, as it should

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingProvider:
    """A real provider, counting how often a cache had to ask it."""

    def __init__(self, inner) -> None:
        self.inner, self.name = inner, inner.name
        self.calls: list[str] = []

    def tickers(self):
        return self.inner.tickers()

    def history(self, ticker, start=None, end=None):
        self.calls.append(f"history {ticker}")
        return self.inner.history(ticker, start, end)

    def quote(self, ticker):
        self.calls.append(f"quote {ticker}")
        return self.inner.quote(ticker)
