"""Offline provider over the real price files in ``data/market/``.

It needs no network and no key, so the assistant (and every test) can answer
market questions anywhere. The files are read once, on first use of a ticker.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Mapping, Optional

import pandas as pd

from market.data import PriceHistory, Quote, UnknownTicker, clean_bars, normalise_ticker, quote_from_history
from market.universe import load_universe

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "market"


class BundledProvider:
    """Daily bars shipped with the project (see ``data/market/SOURCES.md``)."""

    name = "bundled"

    def __init__(self, data_dir: Path = DEFAULT_DATA_DIR) -> None:
        self._dir = Path(data_dir)
        listing = load_universe(self._dir / "tickers.csv")
        self._names = {t.ticker: t.name for t in listing}
        self._files = {t.ticker: t.file for t in listing}
        self._loaded: dict[str, PriceHistory] = {}
        self._lock = threading.Lock()

    def tickers(self) -> Mapping[str, str]:
        return dict(self._names)

    def _full(self, ticker: str) -> PriceHistory:
        symbol = normalise_ticker(ticker)
        if symbol not in self._files:
            raise UnknownTicker(f"{ticker!r} is not in the bundled data (covered: {', '.join(self._names)}).")
        with self._lock:
            if symbol not in self._loaded:
                frame = pd.read_csv(self._dir / f"{self._files[symbol]}.csv.gz", index_col="date", parse_dates=["date"])
                bars = clean_bars(frame)
                self._loaded[symbol] = PriceHistory(symbol, bars, bars.index[-1].date(), self.name)
            return self._loaded[symbol]

    def history(self, ticker: str, start: Optional[date] = None, end: Optional[date] = None) -> PriceHistory:
        full = self._full(ticker)
        return full if start is None and end is None else full.between(start, end)

    def quote(self, ticker: str) -> Quote:
        return quote_from_history(self._full(ticker))
