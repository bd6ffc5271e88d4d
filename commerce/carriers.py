"""Parcel carriers: tracking-number formats (with their check digits) and tracking pages.

The demo seed makes numbers in each carrier's real format so that they look
and validate like real ones; the order service builds the tracking link.
"""

from __future__ import annotations

import random
import string
from urllib.parse import quote

TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={number}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
}

_UPS_SERVICES = ("01", "02", "03", "12")  # next day air, 2nd day air, ground, 3 day select


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for *number*."""
    return TRACKING_URLS[carrier].format(number=quote(number, safe=""))


def ups_check_digit(body: str) -> str:
    """Check digit of a UPS number, from the 15 characters after ``1Z``.

    Letters count as (position in alphabet + 2) mod 10; digits in even
    positions (1-based) are doubled; the check digit tops the sum up to a
    multiple of ten.
    """
    total = 0
    for position, char in enumerate(body, start=1):
        value = int(char) if char.isdigit() else (ord(char) - ord("A") + 2) % 10
        total += value * 2 if position % 2 == 0 else value
    return str((10 - total % 10) % 10)


def fedex_check_digit(body: str) -> str:
    """Check digit of a 12-digit FedEx Express number, from its first 11 digits.

    Weights 1, 3, 7 repeat from the rightmost digit; the sum mod 11 (10 -> 0).
    """
    weights = (1, 3, 7)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(body)))
    return str(total % 11 % 10)


def dhl_check_digit(body: str) -> str:
    """Check digit of a 10-digit DHL Express waybill: the first 9 digits mod 7."""
    return str(int(body) % 7)


def usps_check_digit(body: str) -> str:
    """Check digit of a 22-digit USPS (IMpb) number, from its first 21 digits.

    Weights 3 and 1 alternate from the rightmost digit; the check digit tops
    the sum up to a multiple of ten.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def make_tracking_number(carrier: str, rng: random.Random) -> str:
    """A random, well-formed tracking number of *carrier*."""
    if carrier == "UPS":
        shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        body = shipper + rng.choice(_UPS_SERVICES) + _digits(rng, 7)
        return "1Z" + body + ups_check_digit(body)
    if carrier == "FedEx":
        body = rng.choice("4567") + _digits(rng, 10)
        return body + fedex_check_digit(body)
    if carrier == "DHL":
        body = rng.choice("123456789") + _digits(rng, 8)
        return body + dhl_check_digit(body)
    if carrier == "USPS":
        body = "9400" + rng.choice(("1", "5")) + "11" + _digits(rng, 14)
        return body + usps_check_digit(body)
    raise ValueError(f"unknown carrier {carrier!r}")
