"""Byte encodings for what the cache stores.

Redis holds bytes shared between processes, so cached objects are encoded
explicitly (never pickled: a cache must not be able to run code). Price
histories use a compact binary layout that decodes in microseconds; result
dataclasses use JSON rebuilt from their type hints.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Optional, TypeVar

import numpy as np
import pandas as pd

from market.data import OHLCV, PriceHistory

T = TypeVar("T")


def encode_history(history: PriceHistory) -> bytes:
    """JSON header line, then int64 nanosecond dates and float64 OHLCV columns."""
    header = {"ticker": history.ticker, "as_of": history.as_of.isoformat(),
              "source": history.source, "rows": len(history.bars)}
    dates = history.arrays["date"].view("int64")
    values = np.stack([history.arrays[name].astype("float64", copy=False) for name in OHLCV])
    return json.dumps(header).encode() + b"\n" + dates.tobytes() + values.tobytes()


def decode_history(raw: bytes) -> PriceHistory:
    line, _, body = raw.partition(b"\n")
    header = json.loads(line)
    rows = header["rows"]
    dates = np.frombuffer(body, dtype="int64", count=rows)
    values = np.frombuffer(body, dtype="float64", offset=8 * rows).reshape(len(OHLCV), rows)
    index = pd.DatetimeIndex(dates.view("datetime64[ns]"), name="date")
    bars = pd.DataFrame({name: values[i].copy() for i, name in enumerate(OHLCV)}, index=index)
    return PriceHistory(header["ticker"], bars, date.fromisoformat(header["as_of"]), header["source"])


def _plain(value: Any) -> Any:
    """JSON-ready form of a result: dataclasses become dicts, tuples lists, dates ISO strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    names = _field_names(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    return value


@lru_cache(maxsize=None)
def _field_names(kind: type) -> Optional[tuple[str, ...]]:
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None


def to_json(value: Any) -> bytes:
    """Encode a (nested) dataclass of str/int/float/bool/date/None/tuples."""
    return json.dumps(_plain(value), separators=(",", ":")).encode()


def _identity(value: Any) -> Any:
    return value


@lru_cache(maxsize=None)
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """A function turning JSON data back into *kind*, built once per type."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        inner = _decoder(options[0])
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda value: tuple(item(v) for v in value)
        items = [_decoder(a) for a in args]
        return lambda value: tuple(f(v) for f, v in zip(items, value))
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(kind)]
        return lambda value: kind(**{name: build(value[name]) for name, build in fields})
    if kind is date:
        return date.fromisoformat
    if kind is float:
        return float
    return _identity


def from_json(cls: type[T], raw: bytes) -> T:
    """Rebuild a dataclass written by :func:`to_json`."""
    return _decoder(cls)(json.loads(raw))
