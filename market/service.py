"""The engine's front door: answers market questions, cached.

Actions call one :class:`MarketAnalyst`. It fetches bars through a provider
(usually a :class:`~market.cache.CachedProvider`), runs the pure analysis and
keeps each finished answer in the same cache store, so a repeated question
costs one cache read.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional, Sequence, TypeVar

from market import charts
from market.analysis import LOOKBACK_DAYS, Comparison, TickerAnalysis, analyze_history, compare_histories
from market.bundled import BundledProvider
from market.cache import DEFAULT_HISTORY_TTL_S, DEFAULT_QUOTE_TTL_S, CachedProvider, CacheStore, make_store
from market.codec import from_json, to_json
from market.data import MarketDataProvider, PriceHistory, Quote, UnknownTicker, normalise_ticker
from market.http_provider import AlphaVantageProvider
from market.portfolio import Holding, PortfolioRisk, portfolio_risk, weights_of

DEFAULT_BENCHMARK = "^GSPC"
CACHE_VERSION = "v1"  # bump when a result dataclass changes shape
T = TypeVar("T")


class MarketAnalyst:
    """Market questions answered from *provider*, with finished answers kept in *store*."""

    def __init__(self, provider: MarketDataProvider, store: Optional[CacheStore] = None, *,
                 analysis_ttl_s: float = DEFAULT_HISTORY_TTL_S, benchmark: str = DEFAULT_BENCHMARK) -> None:
        self.provider = provider
        self.store = store
        self.analysis_ttl_s = analysis_ttl_s
        self.benchmark = normalise_ticker(benchmark)

    def _cached(self, cls: type[T], key: str, compute: Callable[[], T]) -> T:
        if self.store is None:
            return compute()
        key = f"answer:{CACHE_VERSION}:{self.provider.name}:{key}"
        raw = self.store.get(key)
        if raw is not None:
            return from_json(cls, raw)
        result = compute()
        self.store.set(key, to_json(result), self.analysis_ttl_s)
        return result

    def warm_up(self) -> None:
        """Parse the bundled files now so the first question does not wait; a vendor is not called."""
        inner = getattr(self.provider, "inner", self.provider)
        if isinstance(inner, BundledProvider):
            for ticker in inner.tickers():
                inner.history(ticker)

    def tickers(self) -> Mapping[str, str]:
        return self.provider.tickers()

    def quote(self, ticker: str) -> Quote:
        return self.provider.quote(ticker)

    def history(self, ticker: str) -> PriceHistory:
        """The whole daily history of *ticker* (through the provider's cache)."""
        return self.provider.history(ticker)

    def _histories(self, symbols: Sequence[str]) -> tuple[dict[str, PriceHistory], Optional[PriceHistory]]:
        """Each history fetched (and decoded) once, plus the benchmark's if the provider covers it."""
        histories = {s: self.provider.history(s) for s in symbols}
        benchmark = histories.get(self.benchmark)
        if benchmark is None:
            try:
                benchmark = self.provider.history(self.benchmark)
            except UnknownTicker:
                benchmark = None
        return histories, benchmark

    def _analysis(self, symbol: str, history: PriceHistory, benchmark: Optional[PriceHistory]) -> TickerAnalysis:
        return self._cached(TickerAnalysis, f"analysis:{symbol}:{self.benchmark}", lambda: analyze_history(
            history, self.provider.tickers().get(symbol, ""), benchmark))

    def analyze(self, ticker: str) -> TickerAnalysis:
        """Price, returns, indicators, risk and trend of one ticker."""
        symbol = normalise_ticker(ticker)

        def compute() -> TickerAnalysis:
            histories, benchmark = self._histories([symbol])
            return analyze_history(histories[symbol], self.provider.tickers().get(symbol, ""), benchmark)

        return self._cached(TickerAnalysis, f"analysis:{symbol}:{self.benchmark}", compute)

    def compare(self, tickers: Sequence[str], lookback_days: int = LOOKBACK_DAYS) -> Comparison:
        """Two or more tickers side by side over the last *lookback_days* they all traded."""
        symbols = tuple(dict.fromkeys(normalise_ticker(t) for t in tickers))
        if len(symbols) < 2:
            raise ValueError("A comparison needs at least two different tickers.")

        def compute() -> Comparison:
            histories, benchmark = self._histories(symbols)
            analyses = [self._analysis(s, histories[s], benchmark) for s in symbols]
            return compare_histories(analyses, [histories[s] for s in symbols], lookback_days)

        return self._cached(Comparison, f"compare:{','.join(symbols)}:{self.benchmark}:{lookback_days}", compute)

    def portfolio(self, holdings: Sequence[Holding], risk_free_rate: float = 0.0,
                  lookback_days: int = LOOKBACK_DAYS) -> PortfolioRisk:
        """Risk of the holdings (weights or amounts) over the last *lookback_days* they all traded."""
        tickers, weights, total = weights_of(holdings)
        key = (f"portfolio:{','.join(f'{t}={w:.10g}' for t, w in zip(tickers, weights))}:{total}:"
               f"{risk_free_rate}:{lookback_days}")

        def compute() -> PortfolioRisk:
            histories = {t: self.provider.history(t) for t in tickers}
            return portfolio_risk(histories, holdings, risk_free_rate, lookback_days)

        return self._cached(PortfolioRisk, key, compute)

    def chart(self, ticker: str, indicators: Sequence[str] = charts.DEFAULT_INDICATORS,
              days: int = charts.DEFAULT_DAYS) -> bytes:
        """A PNG price chart of the last *days* with the chosen indicators."""
        return charts.render_chart(self.provider.history(ticker), indicators, days)


def create_analyst(provider: str = "bundled", *, redis_url: str = "", base_url: str = "",
                   api_key: str = "", vendor_tickers: Optional[Mapping[str, str]] = None,
                   quote_ttl_s: float = DEFAULT_QUOTE_TTL_S,
                   history_ttl_s: float = DEFAULT_HISTORY_TTL_S,
                   benchmark: str = DEFAULT_BENCHMARK) -> MarketAnalyst:
    """Build the analyst from configuration values (the settings module supplies them)."""
    if provider == "bundled":
        source: MarketDataProvider = BundledProvider()
    elif provider == "alphavantage":
        if not base_url or not api_key:
            raise ValueError("The alphavantage provider needs a base URL and an API key.")
        source = AlphaVantageProvider(base_url, api_key, vendor_tickers or BundledProvider().tickers())
    else:
        raise ValueError(f"Unknown market data provider {provider!r} (use 'bundled' or 'alphavantage').")
    store = make_store(redis_url)
    cached = CachedProvider(source, store, quote_ttl_s=quote_ttl_s, history_ttl_s=history_ttl_s)
    return MarketAnalyst(cached, store, analysis_ttl_s=history_ttl_s, benchmark=benchmark)
