"""The extraction script's conversions and safety checks (no network needed)."""

from __future__ import annotations

import gzip
import zipfile

import pandas as pd
import pytest

from market import build_bundled_data as build


def gz(text: str) -> bytes:
    return gzip.compress(text.encode())


def test_split_adjustment_keeps_last_bar_real() -> None:
    raw = gz(
        "Ticker,Date,Open,High,Low,Close,Volume,Adj Close\n"
        "XYZ,2001-01-02,98,102,97,100,1000,25\n"   # before a 2:1 split
        "XYZ,2001-01-03,49,51,48,50,3000,25\n"     # after it: adjusted close unchanged
        "OTHER,2001-01-02,1,1,1,1,1,1\n"
    )
    frame = build._bokeh_stock(raw, "XYZ")
    assert frame["close"].tolist() == [50.0, 50.0]  # no false -50 % day
    assert frame["open"].tolist() == [49.0, 49.0] and frame["high"].tolist() == [51.0, 51.0]
    assert frame["volume"].tolist() == [2000.0, 3000.0]  # shares re-expressed after the split


def test_arch_index_conversion() -> None:
    raw = gz("Date,Open,High,Low,Close,Adj Close,Volume\n1/4/1999,10,12,9,11,11,500\n")
    frame = build._arch_index(raw, "^X")
    assert frame.iloc[0].to_dict() == {"date": pd.Timestamp("1999-01-04"), "open": 10, "high": 12,
                                       "low": 9, "close": 11, "volume": 500}


def test_validation_refuses_impossible_bars() -> None:
    good = pd.DataFrame({"date": pd.to_datetime(["2001-01-02", "2001-01-03"]), "open": [1.0, 1.0],
                         "high": [2.0, 2.0], "low": [0.5, 0.5], "close": [1.5, 1.5], "volume": [1, 1]})
    build._validate("OK", good)
    with pytest.raises(SystemExit, match="high/low outside open/close"):
        build._validate("BAD", good.assign(high=[1.2, 2.0]))
    with pytest.raises(SystemExit, match="duplicate dates"):
        build._validate("DUP", good.assign(date=pd.to_datetime(["2001-01-02"] * 2)))


def test_member_checksum_is_enforced(tmp_path) -> None:
    package = build.BOKEH_STOCKS
    with zipfile.ZipFile(tmp_path / f"bokeh_sampledata-{package.version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(package.member, b"tampered")
    with pytest.raises(SystemExit, match="sha256"):
        build._member(package, tmp_path)
    with pytest.raises(SystemExit, match="No wheel of arch"):
        build._member(build.ARCH_SP500, tmp_path)
