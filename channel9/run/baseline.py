"""The baseline of a run: what the crawl state knew of the runs before it, for the checks
that compare a run with its history (:data:`channel9.run.checks.WARNINGS`).

The crawl state builds it as the run starts and tells the report by the ``history_read``
signal: the report never reads the state. The rules are plain functions of numbers, so
that a simulated history measures them as the crawl applies them
(``benchmarks/quiet_runs.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

BLOCKING = (403, 429)
"""The statuses of a site refusing the crawler: forbidden, too many requests."""


@dataclass(frozen=True)
class Baseline:
    """The runs before this one, as far as the checks that compare with them need."""

    at: datetime
    """When this run started: the moment every window is counted back from."""
    since: datetime
    """``CHANNEL9_QUIET_HOURS`` before :attr:`at`: the start of the hours counted."""
    recent: frozenset[str]
    """The articles known already that were published after :attr:`since`, up to
    :attr:`at`."""
    usual: tuple[int, ...]
    """The articles published in the same hours of the week in each of the last
    ``CHANNEL9_QUIET_WEEKS`` weeks, the latest first; only the weeks the crawl state
    reaches (after the first publication it knows, and after it began to keep their
    moments); fewer than asked, no judgement."""
    newest: datetime | None
    """When the latest article known was published."""
    blocked_shares: tuple[float, ...]
    """The share of 403 and 429 among the responses of each of the last
    ``CHANNEL9_BLOCKED_RUNS`` runs, the latest first."""


@dataclass(frozen=True)
class Responses:
    """A run's responses, and those of them the site refused with :data:`BLOCKING`."""

    total: int
    blocked: int

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> Responses:
        """As Scrapy's downloader stats count them."""
        blocked = sum(stats.get(f"downloader/response_status_count/{code}", 0) for code in BLOCKING)
        return cls(stats.get("downloader/response_count", 0), blocked)

    @property
    def share(self) -> float:
        """The share of the responses refused: 0 without responses."""
        return self.blocked / self.total if self.total else 0.0


def far_below(seen: int, usual: Sequence[int], share: float, least: float) -> bool:
    """Whether ``seen`` articles are far fewer than the same hours usually bring: at most
    ``share`` of the median of ``usual``, when that median is ``least`` or more (fewer say
    nothing: a quiet night is no sign). The median, not the mean: one week of a holiday
    or of big news in the baseline moves it little."""
    if not usual:
        return False
    typical = median(usual)
    return typical >= least and seen <= share * typical


def rose(share: float, before: Sequence[float], minimum: float) -> bool:
    """Whether the share of refused responses is high: at least ``minimum``, and more than
    twice the median of the runs ``before`` that were below it (a steady block keeps being
    named: the runs it blocked are no baseline; none before, from nothing)."""
    usual = unblocked(before, minimum)
    return share >= minimum and share > 2 * (median(usual) if usual else 0.0)


def unblocked(before: Sequence[float], minimum: float) -> list[float]:
    """The shares of the runs ``before`` under ``minimum``: the runs a rise is measured
    against."""
    return [earlier for earlier in before if earlier < minimum]
