"""The reply catalogue: every customer-facing text the actions send, by id, in ``replies.en.yml``.

``text(id, **values)`` fills the ``{placeholders}``; an entry with ``one``/``other`` forms is
chosen by the ``count`` value. Invariants: an unknown id or a missing placeholder raises (a test
renders every entry), so a typo never reaches a customer as a half-filled sentence; the wording
settings (``COMPANY_NAME``, ``SUPPORT_EMAIL``, ``SUPPORT_PHONE``) are available to every entry as
``{company}``, ``{support_email}``, ``{support_phone}``.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path
from typing import Any, Mapping, Union

import yaml

from assistant import settings

CATALOGUE = Path(__file__).with_name("replies.en.yml")
Entry = Union[str, Mapping[str, str]]


@functools.cache
def catalogue() -> dict[str, Entry]:
    entries = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    if not isinstance(entries, dict):
        raise ValueError(f"{CATALOGUE} must map reply ids to texts")
    return entries


def wording() -> dict[str, str]:
    return {
        "company": settings.get("COMPANY_NAME"),
        "support_email": settings.get("SUPPORT_EMAIL"),
        "support_phone": settings.get("SUPPORT_PHONE"),
    }


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(reply_id: str, **values: Any) -> str:
    """The reply *reply_id* with *values* filled in (KeyError for an unknown id or a missing value)."""
    entry = catalogue()[reply_id]
    if isinstance(entry, Mapping):
        entry = entry["one" if values.get("count") == 1 else "other"]
    return entry.format_map({**wording(), **values})
