"""A figure as the dashboard shows it, and the arithmetic every figure of metrics.py shares:
ratios and percentages, counts, averages, the 90th percentile's rank, the NPS."""

import math
from collections.abc import Iterable
from dataclasses import dataclass

P90 = 0.9
SMALL_SAMPLE = 30  # the pages say "样本少 / small sample" below this n


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None  # None: nothing to measure (denominator 0)
    numerator: float
    denominator: float
    n: int  # the sample behind it; the page shows "样本少" when n < SMALL_SAMPLE
    p90: float | None = None  # the pickup time's 90th percentile

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE


def ratio(
    key: str, numerator: float, denominator: float, percent: bool = True, n: int | None = None
) -> Figure:
    """numerator ÷ denominator (×100 for a percentage); None when the denominator is 0."""
    numerator, denominator = float(numerator or 0), float(denominator or 0)
    value = None
    if denominator:
        value = numerator / denominator * (100.0 if percent else 1.0)
    return Figure(key, value, numerator, denominator, int(denominator if n is None else n))


def count(key: str, number) -> Figure:
    number = int(number or 0)
    return Figure(key, float(number), float(number), 1.0, number)


def average(key: str, total: float | None, n: int, p90: float | None = None) -> Figure:
    n = int(n or 0)
    total = float(total or 0)
    return Figure(key, total / n if n else None, total, float(n), n, p90 if n else None)


def nps_of_counts(promoters: int, passives: int, detractors: int, key: str = "nps") -> Figure:
    """NPS = % promoters (9–10) − % detractors (0–6) of all answers; None without answers.
    numerator: promoters − detractors; denominator and n: the answers."""
    promoters, passives, detractors = int(promoters or 0), int(passives or 0), int(detractors or 0)
    answers = promoters + passives + detractors
    value = 100.0 * (promoters - detractors) / answers if answers else None
    return Figure(key, value, float(promoters - detractors), float(answers), answers)


def nps(scores: Iterable[int]) -> Figure:
    """The NPS of a list of 0–10 scores: 10, 9, 8, 7, 6, 0 → 0; all 10 → 100; none → None."""
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS score is 0–10, not {score}")
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1
    return nps_of_counts(promoters, passives, detractors)


def p90_rank(n: int) -> int:
    """The 1-based rank of the 90th percentile among n sorted values: the nearest-rank definition,
    computed as PostgreSQL's percentile_disc does (ceil(0.9 × n) in floating point)."""
    return max(1, math.ceil(P90 * n))
