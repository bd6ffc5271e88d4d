"""A/B testing: deterministic variant assignment and per-variant rates with Wilson intervals.

Assignment hashes (experiment, unit) so a unit keeps its variant across
processes and restarts, and a new experiment reshuffles everyone independently.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Sequence

Z_95 = 1.959963984540054


def assign_variant(unit: str, experiment: str, variants: Sequence[str]) -> str:
    """The variant of *unit* in *experiment*: uniform over *variants*, stable for ever."""
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    digest = hashlib.sha256(f"{experiment}\x00{unit}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95 % by default); (0, 1) with no trials."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class VariantRate:
    """How often an exposure earned an event (e.g. a 👍) in one variant."""

    variant: str
    units: int
    exposures: int
    events: int

    @property
    def rate(self) -> float:
        return self.events / self.exposures if self.exposures else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.events, self.exposures)
