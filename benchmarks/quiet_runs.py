"""Benchmark: the quiet-run rule on a simulated year of publishing and hourly runs.

Run: ``.venv/bin/python benchmarks/quiet_runs.py [--seed N]``.

A news site publishes by the hour of its week (more on weekdays, little at night), each
day busier or quieter than the last (a gamma factor), a few days a year a holiday; every
hour a run starts. A healthy crawl knows every article published before it starts; a
broken one, from some hour on, sees only a share of them (none: the feed and the listings
lost; a quarter or a half: a door lost), the same breaks for every rule. For each rule
(the hours counted back, the share of the usual, the least usual worth judging) it
reports how often healthy runs are warned of, and how long a break goes before a run
warns of it. The rule is the crawl's own, :func:`channel9.run.baseline.far_below`. The
rates are a guess at a mid-sized outlet, not the site's: they are not measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.run.baseline import far_below  # noqa: E402

WEEK = 168
WEEKS = 4
"""The weeks of the baseline, as ``CHANNEL9_QUIET_WEEKS``."""
YEAR = 52
PER_DAY = {"weekday": 35.0, "weekend": 20.0}
"""Articles a day: a mid-sized Indonesian outlet's order of magnitude."""
HOURS_OF_DAY = np.array(
    [0.2] * 5 + [0.5, 0.8] + [1.2] * 9 + [1.0] * 5 + [0.6, 0.4, 0.3], dtype=float
)
"""Publishing by the hour of the day in the site's zone, midnight first."""
HOLIDAYS = 8
"""Days a year the site publishes a third of its usual (Lebaran, the new year...)."""
BREAKS = 400
"""Broken crawls simulated per share seen."""


def publishing(rng: np.random.Generator) -> np.ndarray:
    """Articles published each hour of a year."""
    shape = HOURS_OF_DAY / HOURS_OF_DAY.sum()
    days = YEAR * 7
    per_day = np.array(
        [PER_DAY["weekend" if day % 7 >= 5 else "weekday"] for day in range(days)]
    ) * rng.gamma(6.0, 1 / 6.0, days)
    per_day[rng.choice(np.arange(WEEKS * 7, days), HOLIDAYS, replace=False)] /= 3
    return rng.poisson(np.outer(per_day, shape).ravel())


def windows(counts: np.ndarray, hours: int) -> np.ndarray:
    """For each hour t, the articles published in the ``hours`` before it (t excluded)."""
    total = np.concatenate([[0], np.cumsum(counts)])
    ends = np.arange(len(counts) + 1)
    published: np.ndarray = total[ends] - total[np.maximum(ends - hours, 0)]
    return published


def warned(seen: np.ndarray, usual: np.ndarray, t: int, share: float, least: float) -> bool:
    back = [int(usual[t - WEEK * week]) for week in range(1, WEEKS + 1)]
    return bool(far_below(int(seen[t]), back, share, least))


def false_alarms(counts: np.ndarray, hours: int, share: float, least: float) -> float:
    """Warnings a week of healthy hourly runs gets."""
    seen = windows(counts, hours)
    runs = range(WEEKS * WEEK, len(counts))
    return sum(warned(seen, seen, t, share, least) for t in runs) / (len(runs) / WEEK)


def delays(
    counts: np.ndarray,
    hours: int,
    share: float,
    least: float,
    kept: float,
    breaks: list[tuple[int, int]],
) -> list[int | None]:
    """For each break: the hours until a run warned of it (None: not within a week)."""
    usual = windows(counts, hours)
    found = []
    for start, seed in breaks:
        after = counts.copy()
        # The same draws for every rule: the rules are compared on the same breaks.
        after[start:] = np.random.default_rng(seed).binomial(counts[start:], kept)
        seen = windows(after, hours)
        found.append(
            next(
                (
                    t - start
                    for t in range(start + 1, start + WEEK)
                    if warned(seen, usual, t, share, least)
                ),
                None,
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    counts = publishing(rng)
    starts = rng.integers(WEEKS * WEEK, len(counts) - WEEK, BREAKS)
    breaks = [(int(start), args.seed * BREAKS + number) for number, start in enumerate(starts)]
    print(f"{counts.sum()} articles in {YEAR} weeks, {WEEKS} weeks of baseline")
    print(
        "| hours | share | least | warnings/week, healthy | nothing seen: warned in 24 h,"
        " median hours | a quarter seen | half seen |"
    )
    print("|---:|---:|---:|---:|---|---|---|")
    for hours in (6, 12, 24):
        for share, least in ((0.1, 8), (0.1, 12), (0.25, 8), (0.4, 8)):
            row = [f"{false_alarms(counts, hours, share, least):.2f}"]
            for kept in (0.0, 0.25, 0.5):
                found = delays(counts, hours, share, least, kept, breaks)
                within = [d for d in found if d is not None and d <= 24]
                middle = np.median([d if d is not None else WEEK for d in found])
                row.append(f"{len(within) / len(found):.0%}, {middle:g} h")
            print(f"| {hours} | {share} | {least} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
