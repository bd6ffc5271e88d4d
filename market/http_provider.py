"""Live prices from an HTTP vendor speaking the Alpha Vantage JSON format.

Wire format (documented in ``docs/market.md``)::

    GET {base_url}/query?function=TIME_SERIES_DAILY&symbol=IBM&outputsize=full&apikey=KEY
    {"Meta Data": {"2. Symbol": "IBM", "3. Last Refreshed": "2024-05-10", ...},
     "Time Series (Daily)": {"2024-05-10": {"1. open": "167.13", "2. high": "168.07",
                             "3. low": "166.32", "4. close": "167.15", "5. volume": "2255431"}, ...}}

    GET {base_url}/query?function=GLOBAL_QUOTE&symbol=IBM&apikey=KEY
    {"Global Quote": {"01. symbol": "IBM", "05. price": "167.15",
                      "07. latest trading day": "2024-05-10", "08. previous close": "168.38",
                      "09. change": "-1.23", "10. change percent": "-0.7305%"}}

An unknown symbol answers ``{"Error Message": ...}`` (or an empty quote); a
throttled key answers HTTP 200 with ``{"Note": ...}`` or ``{"Information": ...}``.

A chat answer cannot wait on a stuck vendor, so every request has a timeout
(3 s), transient failures are retried with exponential backoff, and a circuit
breaker stops calling a vendor that keeps failing until it has had time to
recover.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any, Callable, Mapping, Optional

import pandas as pd
import requests

from market.data import (
    BadVendorResponse,
    PriceHistory,
    ProviderUnavailable,
    Quote,
    UnknownTicker,
    clean_bars,
    normalise_ticker,
)

SERIES_KEY = "Time Series (Daily)"
BAR_FIELDS = {"1. open": "open", "2. high": "high", "3. low": "low", "4. close": "close", "5. volume": "volume"}
THROTTLE_KEYS = ("Note", "Information")


class CircuitBreaker:
    """Closed, then open after *failure_threshold* consecutive failed calls.

    While open every call is refused at once. After *reset_after_s* the breaker
    is half-open: one trial call goes through; its success closes the breaker,
    its failure opens it again for another *reset_after_s*.
    """

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, failure_threshold: int = 3, reset_after_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: Optional[float] = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return self.CLOSED
        if self._clock() - self._opened_at >= self.reset_after_s:
            return self.HALF_OPEN
        return self.OPEN

    def before_call(self) -> None:
        """Raise :class:`ProviderUnavailable` unless a call may go out now."""
        with self._lock:
            state = self._state()
            if state == self.OPEN or (state == self.HALF_OPEN and self._trial_running):
                wait = self.reset_after_s - (self._clock() - (self._opened_at or 0.0))
                raise ProviderUnavailable(
                    f"Market data vendor circuit is open after repeated failures; retrying in {max(wait, 0):.0f} s."
                )
            if state == self.HALF_OPEN:
                self._trial_running = True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._trial_running = False


class _Retryable(Exception):
    """A failure worth another attempt (timeout, 5xx, throttling, garbled body)."""


def _number(raw: Any, field: str) -> float:
    try:
        return float(str(raw).rstrip("%"))
    except (TypeError, ValueError):
        raise BadVendorResponse(f"Vendor field {field!r} is not a number: {raw!r}") from None


class AlphaVantageProvider:
    """Market data over HTTP in the Alpha Vantage format (see module docstring)."""

    name = "alphavantage"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        tickers: Mapping[str, str],
        *,
        timeout_s: float = 3.0,
        max_retries: int = 2,
        backoff_s: float = 0.25,
        breaker: Optional[CircuitBreaker] = None,
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = base_url.rstrip("/") + "/query"
        self._api_key = api_key
        self._tickers = {normalise_ticker(t): n for t, n in tickers.items()}
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.breaker = breaker or CircuitBreaker()
        self._session = session or requests.Session()
        self._sleep = sleep

    def tickers(self) -> Mapping[str, str]:
        return dict(self._tickers)

    def _attempt(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._session.get(self._url, params=params, timeout=self.timeout_s)
        except (requests.Timeout, requests.ConnectionError) as error:
            raise _Retryable(f"{type(error).__name__}: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise BadVendorResponse(f"Vendor refused the request: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as error:
            raise _Retryable(f"malformed JSON: {error}") from error
        if not isinstance(payload, dict):
            raise _Retryable("JSON body is not an object")
        for key in THROTTLE_KEYS:
            if key in payload:
                raise _Retryable(f"throttled: {payload[key]}")
        return payload

    def _call(self, params: dict[str, str]) -> dict[str, Any]:
        """One logical request: retries inside, one success or failure for the breaker."""
        self.breaker.before_call()
        query = {**params, "apikey": self._api_key}
        last_error = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                payload = self._attempt(query)
            except _Retryable as error:
                last_error = str(error)
                continue
            except BadVendorResponse:
                self.breaker.record_failure()
                raise
            self.breaker.record_success()
            return payload
        self.breaker.record_failure()
        raise ProviderUnavailable(
            f"Market data vendor failed {self.max_retries + 1} times ({last_error})."
        )

    def _full_history(self, symbol: str) -> PriceHistory:
        payload = self._call({"function": "TIME_SERIES_DAILY", "symbol": symbol, "outputsize": "full"})
        if "Error Message" in payload:
            raise UnknownTicker(f"The vendor does not know {symbol!r}.")
        series = payload.get(SERIES_KEY)
        if not isinstance(series, dict) or not series:
            raise BadVendorResponse(f"Vendor answer has no {SERIES_KEY!r} object.")
        try:
            rows = {day: {BAR_FIELDS[k]: _number(bar[k], k) for k in BAR_FIELDS} for day, bar in series.items()}
            frame = pd.DataFrame.from_dict(rows, orient="index")
            frame.index = pd.to_datetime(frame.index, format="%Y-%m-%d")
        except (KeyError, TypeError, ValueError) as error:
            raise BadVendorResponse(f"Vendor bars are malformed: {error}") from error
        bars = clean_bars(frame)
        if bars.empty:
            raise BadVendorResponse(f"Vendor sent no usable bars for {symbol}.")
        return PriceHistory(symbol, bars, bars.index[-1].date(), self.name)

    def history(self, ticker: str, start: Optional[date] = None, end: Optional[date] = None) -> PriceHistory:
        full = self._full_history(normalise_ticker(ticker))
        return full if start is None and end is None else full.between(start, end)

    def quote(self, ticker: str) -> Quote:
        symbol = normalise_ticker(ticker)
        payload = self._call({"function": "GLOBAL_QUOTE", "symbol": symbol})
        if "Error Message" in payload or not payload.get("Global Quote"):
            raise UnknownTicker(f"The vendor does not know {symbol!r}.")
        fields = payload["Global Quote"]
        try:
            as_of = date.fromisoformat(fields["07. latest trading day"])
            return Quote(
                symbol,
                _number(fields["05. price"], "05. price"),
                _number(fields["08. previous close"], "08. previous close"),
                _number(fields["09. change"], "09. change"),
                _number(fields["10. change percent"], "10. change percent"),
                as_of,
                self.name,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BadVendorResponse(f"Vendor quote is malformed: {error}") from error
