"""Stock-market answers: price, analysis, comparison, portfolio risk, overview.

Thin adapters over :mod:`market`: read the tickers (entities first, then the
raw text, since synonyms can miss), the period, holdings and indicators from
the latest message, ask the analyst, and turn the typed result into text,
plus a chart image on channels that show images. Every answer states the
data's as-of date; every figure-bearing answer ends with a not-advice notice.
Engine errors become polite answers, never a crash.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.services import market_analyst, market_resolver
from assistant import settings
from market import charts
from market.analysis import NotEnoughData, TickerAnalysis, return_since
from market.data import MarketDataError, ProviderUnavailable, UnknownTicker
from market.question import Period, chart_indicators, parse_period

log = logging.getLogger(__name__)

ENTITY = "ticker"
IMAGE_CHANNELS = frozenset({"socketio", "rest", "slack", "twilio", "whatsapp"})
NOT_ADVICE = "This is general information, not investment advice."
UNAVAILABLE = "Market data is unavailable right now. Please try again in a few minutes."
MAX_TICKERS = 5  # per price/analysis answer; a longer list gets the first five
CHART_VERSION = "1"  # bump when the charts' look changes, so cached files are redrawn
INDICATOR_FIELDS = {
    "rsi": ("RSI14", "rsi14"), "macd": ("MACD", "macd"), "sma20": ("SMA20", "sma20"), "sma50": ("SMA50", "sma50"),
    "sma200": ("SMA200", "sma200"), "ema12": ("EMA12", "ema12"), "ema26": ("EMA26", "ema26"),
    "bollinger": ("Bollinger %B", "bollinger_percent_b"),
}


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def pct(value: Optional[float], digits: int = 1) -> str:
    """A fraction as a signed percentage; "n/a" for a missing value."""
    return "n/a" if value is None else f"{value * 100:+.{digits}f}%"


def number(value: Optional[float], digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def as_of_note(as_of: date, source: str) -> str:
    note = f"Data as of {day(as_of)} ({source} data)"
    if (date.today() - as_of).days > 7:
        note += "; that is the latest I have, so today's prices may differ"
    return note + "."


class MarketRequest:
    """What the latest message asks about."""

    def __init__(self, tracker: Tracker) -> None:
        message = tracker.latest_message or {}
        self.text: str = message.get("text") or ""
        entities = [e.get("value") for e in message.get("entities") or [] if e.get("entity") == ENTITY]
        self.resolver = market_resolver()
        self.tickers, self.unknown = self.resolver.tickers(self.text, [str(v) for v in entities if v is not None])
        self.period, self.period_problem = parse_period(self.text)
        self.indicators = chart_indicators(self.text)
        self.shows_images = tracker.get_latest_input_channel() in IMAGE_CHANNELS


class MarketAction(Action, ABC):
    """Shared error handling: every engine failure becomes a clear answer.

    Abstract, so rasa-sdk's executor does not register it as an action.
    """

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> None:
        """Utter the answer to *request* (runs in a worker thread)."""

    def ask_for_ticker(self, dispatcher: CollectingDispatcher, request: MarketRequest, what: str) -> None:
        covered = request.resolver.covered()
        if request.unknown:
            dispatcher.utter_message(
                text=f"I don't have market data for {', '.join(request.unknown)}. I cover: {covered}.")
        else:
            dispatcher.utter_message(text=f"Which stock or index {what}? I cover: {covered}.")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        request = MarketRequest(tracker)
        if request.period_problem:
            dispatcher.utter_message(text=request.period_problem)
            return []
        try:
            # charts take a few hundred ms to draw: keep the action server's event loop free
            await asyncio.to_thread(self.answer, dispatcher, request)
        except UnknownTicker:
            dispatcher.utter_message(text=f"I don't have data for that ticker. I cover: {request.resolver.covered()}.")
        except NotEnoughData as error:
            dispatcher.utter_message(text=f"I can't compare those: {error}")
        except MarketDataError as error:  # outage, open circuit, malformed vendor answer
            log.warning("%s: market data unavailable (%s)", self.name(), type(error).__name__)
            dispatcher.utter_message(text=UNAVAILABLE)
        except Exception:  # an answer must never crash the conversation
            log.exception("%s failed", self.name())
            dispatcher.utter_message(text=UNAVAILABLE)
        return []


def publish_chart(dispatcher: CollectingDispatcher, request: MarketRequest, key: str, label: str,
                  render: Callable[[], bytes]) -> None:
    """Send a chart image on channels that show images.

    The file name hashes everything that determines the picture (including the
    data's as-of date), so an existing file is reused instead of redrawn.
    """
    if not request.shows_images:
        return
    chart_dir = Path(settings.get("CHART_DIR"))
    name = f"{re.sub(r'[^A-Za-z0-9]+', '-', label).strip('-')}-" \
           f"{hashlib.sha256(f'{CHART_VERSION}:{key}'.encode()).hexdigest()[:20]}.png"
    path = chart_dir / name
    try:
        if not path.is_file():
            png = render()
            chart_dir.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=chart_dir, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(png)
                os.replace(temporary, path)  # atomic: a concurrent reader never sees half a file
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
    except Exception as error:  # the chart is extra: the text answer stands on its own
        log.warning("chart not drawn or written (%s)", type(error).__name__)
        return
    dispatcher.utter_message(image=f"{settings.action_public_url()}/charts/{name}")


def period_line(ticker: str, period: Period) -> str:
    history = market_analyst().history(ticker)
    start = period.start(history.as_of)
    if start >= history.as_of:
        return f"{ticker} {period.label}: my {ticker} data ends on {history.as_of}, before that."
    result = return_since(history, start)
    span = period.label if period.label.startswith("since") else f"over {period.label}"
    if result.value is None:
        first = history.bars.index[0].date()
        return (f"{ticker} {span}: I have no price near {start}; "
                f"my {ticker} data covers {first} to {history.as_of}.")
    return f"{ticker} {span} (since {result.start_date}): {pct(result.value)}."


class ActionStockPrice(MarketAction):
    def name(self) -> Text:
        return "action_stock_price"

    def answer(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> None:
        if not request.tickers:
            self.ask_for_ticker(dispatcher, request, "would you like the price of")
            return
        analyst = market_analyst()
        lines = []
        for ticker in request.tickers[:MAX_TICKERS]:
            quote = analyst.quote(ticker)
            name = analyst.tickers().get(ticker, ticker)
            change = "" if quote.change_pct is None else f", {quote.change_pct:+.2f}% on the day"
            lines.append(f"{name} ({ticker}) closed at {number(quote.price)} on {day(quote.as_of)}{change}. "
                         + as_of_note(quote.as_of, quote.source))
            if request.period is not None:
                lines.append(period_line(ticker, request.period))
        if request.unknown:
            lines.append(f"I have no data for {', '.join(request.unknown)}.")
        lines.append(NOT_ADVICE)
        dispatcher.utter_message(text="\n".join(lines))


def indicator_line(analysis: TickerAnalysis, indicators: Sequence[str]) -> Optional[str]:
    values = [f"{label} {number(getattr(analysis.indicators, field))}"
              for key, (label, field) in INDICATOR_FIELDS.items() if key in indicators]
    return f"{analysis.ticker} on {analysis.as_of}: " + ", ".join(values) + "." if values else None


class ActionStockAnalysis(MarketAction):
    def name(self) -> Text:
        return "action_stock_analysis"

    def answer(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> None:
        if not request.tickers:
            self.ask_for_ticker(dispatcher, request, "should I analyse")
            return
        analyst = market_analyst()
        overlays = tuple(i for i in request.indicators if i in charts.OVERLAYS + charts.PANELS)
        chart_indicators_ = overlays or charts.DEFAULT_INDICATORS
        for ticker in request.tickers[:3]:
            analysis = analyst.analyze(ticker)
            days = charts.DEFAULT_DAYS if request.period is None else request.period.lookback_days(analysis.as_of)
            lines = [charts.text_summary(analysis)]
            asked = indicator_line(analysis, request.indicators)
            if asked:
                lines.insert(0, asked)
            lines.append(as_of_note(analysis.as_of, analysis.source))
            dispatcher.utter_message(text="\n".join(lines))
            publish_chart(dispatcher, request,
                          f"analysis:{analyst.provider.name}:{ticker}:{analysis.as_of}:{chart_indicators_}:{days}",
                          ticker, lambda: analyst.chart(ticker, chart_indicators_, days))
        if request.unknown:
            dispatcher.utter_message(text=f"I have no data for {', '.join(request.unknown)}.")
        dispatcher.utter_message(text=NOT_ADVICE)


class ActionStockCompare(MarketAction):
    def name(self) -> Text:
        return "action_stock_compare"

    def answer(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> None:
        if not request.tickers or (request.unknown and len(request.tickers) < 2):
            self.ask_for_ticker(dispatcher, request, "should I compare (name two or more)")
            return
        analyst = market_analyst()
        tickers = list(request.tickers)
        intro = ""
        if len(tickers) == 1:
            if tickers[0] == analyst.benchmark:
                self.ask_for_ticker(dispatcher, request, f"should I compare with {tickers[0]}")
                return
            tickers.append(analyst.benchmark)
            intro = f"You named one ticker, so I compare it with the benchmark {analyst.benchmark}.\n"
        lookback = 365
        if request.period is not None:
            lookback = request.period.lookback_days(min(analyst.history(t).as_of for t in tickers))
        comparison = analyst.compare(tickers, lookback_days=lookback)
        lines = [f"{intro}From {day(comparison.start)} to {day(comparison.end)} "
                 f"({comparison.observations} trading days on which all of them traded):"]
        for row in comparison.rows:
            a = row.analysis
            vol = "n/a" if row.window_volatility is None else f"{row.window_volatility * 100:.1f}%"
            lines.append(f"• {a.name} ({a.ticker}): return {pct(row.window_return)}, volatility {vol}, "
                         f"max drawdown {pct(row.window_max_drawdown.depth)}; trend on {a.as_of}: {a.trend.label}.")
        lines.append(f"Best: {comparison.best}; worst: {comparison.worst}.")
        pairs = [f"{comparison.tickers[i]}/{comparison.tickers[j]} {number(comparison.correlations[i][j])}"
                 for i in range(len(comparison.tickers)) for j in range(i + 1, len(comparison.tickers))]
        lines.append("Correlation of daily returns: " + ", ".join(pairs) + ".")
        lines.append(as_of_note(comparison.end, comparison.rows[0].analysis.source))
        if request.unknown:
            lines.append(f"I have no data for {', '.join(request.unknown)}.")
        dispatcher.utter_message(text="\n".join(lines))
        publish_chart(dispatcher, request,
                      f"compare:{analyst.provider.name}:{','.join(comparison.tickers)}:{comparison.start}:{comparison.end}",
                      "-".join(comparison.tickers),
                      lambda: charts.render_comparison_chart([analyst.history(t) for t in comparison.tickers],
                                                             comparison.start, comparison.end))
        dispatcher.utter_message(text=NOT_ADVICE)


class ActionPortfolioRisk(MarketAction):
    def name(self) -> Text:
        return "action_portfolio_risk"

    def answer(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> None:
        if request.unknown:
            dispatcher.utter_message(text=f"I don't have market data for {', '.join(request.unknown)}, so I can't "
                                          f"assess that portfolio. I cover: {request.resolver.covered()}.")
            return
        holdings, problem = request.resolver.holdings(request.text)
        if problem:
            dispatcher.utter_message(text=problem)
            return
        if not holdings and request.tickers:
            holdings, _ = request.resolver.holdings(" ".join(request.tickers))
        if not holdings:
            self.ask_for_ticker(dispatcher, request, "are in your portfolio (e.g. “40% AAPL, 60% MSFT”)")
            return
        analyst = market_analyst()
        lookback = 365
        if request.period is not None:
            lookback = request.period.lookback_days(min(analyst.history(h.ticker).as_of for h in holdings))
        risk = analyst.portfolio(holdings, settings.get_float("MARKET_RISK_FREE_RATE"), lookback_days=lookback)
        weights = ", ".join(f"{h.ticker} {h.weight * 100:.0f}%" for h in risk.holdings)
        equal = " (equal weights)" if all(h.weight == 1.0 for h in holdings) and len(holdings) > 1 else ""
        var_amount = "" if risk.var_95_amount is None else \
            f" (about {number(risk.var_95_amount, 0)} of the {number(sum(h.amount or 0 for h in holdings), 0)} held)"
        vol = "n/a" if risk.volatility is None else f"{risk.volatility * 100:.1f}%"
        lines = [
            f"Portfolio {weights}{equal}, held from {day(risk.start)} to {day(risk.as_of)} "
            f"({risk.observations} daily returns):",
            f"• Return {pct(risk.total_return)} (annualised {pct(risk.annualised_return)}), volatility {vol} a year.",
            f"• 95% one-day value at risk: {risk.var_95 * 100:.2f}%{var_amount}: on 19 days out of 20 "
            "the loss was smaller.",
            f"• Sharpe ratio {number(risk.sharpe)} (risk-free rate {risk.risk_free_rate * 100:.1f}%), "
            f"max drawdown {pct(risk.max_drawdown.depth)}.",
        ]
        if len(risk.holdings) > 1:
            lines.append(f"• Average correlation {number(risk.average_correlation)}; effective number of "
                         f"independent bets {number(risk.effective_number_of_bets, 1)} of {len(risk.holdings)}.")
            contributions = ", ".join(f"{h.ticker} {pct(h.risk_contribution, 0)}" for h in risk.holdings)
            lines.append(f"• Share of the risk: {contributions}.")
        source = analyst.history(risk.holdings[0].ticker).source
        lines.append(as_of_note(risk.as_of, source))
        lines.append(NOT_ADVICE)
        dispatcher.utter_message(text="\n".join(lines))


class ActionMarketOverview(MarketAction):
    def name(self) -> Text:
        return "action_market_overview"

    def answer(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> None:
        analyst = market_analyst()
        lines = ["Market overview (latest data I have for each):"]
        for ticker, name in analyst.tickers().items():
            try:
                a = analyst.analyze(ticker)
            except MarketDataError:  # an outage on one series still leaves the others
                continue
            lines.append(f"• {name} ({ticker}): {number(a.last_close)} on {a.as_of}, day "
                         f"{pct(None if a.change_pct is None else a.change_pct / 100, 2)}, "
                         f"1M {pct(a.period_return('1M'))}, YTD {pct(a.period_return('YTD'))}; {a.trend.label}.")
        if len(lines) == 1:
            raise ProviderUnavailable("no ticker answered")
        lines.append("Dates differ because each series ends where my data for it ends. "
                     "Ask about any of them for a full analysis.")
        lines.append(NOT_ADVICE)
        dispatcher.utter_message(text="\n".join(lines))
