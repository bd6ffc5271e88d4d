"""Market-analysis engine: prices, indicators, risk and charts, with typed results.

Entry point: :func:`market.service.create_analyst` builds a
:class:`~market.service.MarketAnalyst` over a provider (bundled real data or an
HTTP vendor) behind a TTL cache. See ``docs/market.md``.
"""
