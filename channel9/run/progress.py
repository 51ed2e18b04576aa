"""The crawl's progress, a line at a steady interval that a person can follow (the
commands' meters are :mod:`channel9.meter`'s)."""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from channel9 import signals as channel9_signals
from channel9.meter import counted
from channel9.run.report import RunReport

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall
    from typing_extensions import Self

logger = logging.getLogger(__name__)

Sample = tuple[float, int]
"""A moment (seconds, any origin) and the pages fetched by then."""

WINDOW = 10
"""The rate behind the estimate is that of the last this many intervals: recent enough to
follow a site that slowed down, long enough not to jump with each page."""


class CrawlProgress:
    """Logs a line every ``CHANNEL9_PROGRESS_INTERVAL`` seconds, and one as the run ends,
    with the pages fetched, the articles written, the pages to fetch and the pages failed.

    Scrapy's own line (``LogStats``, which the add-on turns off) counts responses and
    items; this one counts what the run report counts (articles written by every feed,
    pages failed), and the requests the crawl knows it has yet to make: those in the
    scheduler and those in the downloader, told by Scrapy's stats. At the end it sets the
    stats ``LogStats`` would have, ``responses_per_minute`` and ``items_per_minute``. Once every
    sitemap of the run is read and some named articles, the work ahead is known (the
    sitemaps name every article of the site, and the articles already exported are not
    asked for): the line then ends with an estimate of the time left, at the rate of the
    last :data:`WINDOW` intervals. Before that (or in a run that reads no sitemap) the
    queue grows as listings are read, and an estimate would only mislead."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.samples: deque[Sample] = deque(maxlen=WINDOW + 1)
        self.sitemaps_named = False
        """Whether a sitemap named articles in this run."""
        self.ahead_known = False
        """Whether every sitemap of the run is read, and one named articles."""
        self.report: RunReport | None = None
        """The run's report, whose counts the line gives, once the run is open."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("CHANNEL9_PROGRESS_INTERVAL")
        if not interval:
            # Without a message: Scrapy logs a WARNING for one, and 0 is asked for.
            raise NotConfigured
        extensions = build_component_list(crawler.settings.getwithbase("EXTENSIONS"))
        if not any(issubclass(load_object(each), RunReport) for each in extensions):
            # Its counts are the line's: without it, the line would fail at each interval.
            raise NotConfigured("RunReport is turned off: no progress lines, which give its counts")
        progress = cls(crawler, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(progress.articles_named, signal=channel9_signals.articles_named)
        crawler.signals.connect(progress.sitemaps_read, signal=channel9_signals.sitemaps_read)
        return progress

    def spider_opened(self) -> None:
        self.report = self.crawler.get_extension(RunReport)  # enabled, as from_crawler saw
        self.task = create_looping_call(self.log)
        # No line of zeros at the start: the first says something.
        self.task.start(self.interval, now=False)

    def articles_named(self, source: str, urls: list[str]) -> None:
        self.sitemaps_named = self.sitemaps_named or (source == "sitemap" and bool(urls))

    def sitemaps_read(self, dated: bool) -> None:
        self.ahead_known = self.sitemaps_named

    def log(self) -> None:
        logger.info("Progress: %s", self.line(time.monotonic()))

    def line(self, now: float) -> str:
        """What the run has done by ``now`` (:func:`time.monotonic`), and has yet to do."""
        pages = self.pages()
        self.samples.append((now, pages))
        waiting = self.waiting()
        left = None
        if self.ahead_known and waiting is not None:
            left = time_left(waiting, list(self.samples))
        assert self.report is not None  # the add-on's
        return progress_line(pages, self.report.written, waiting, len(self.report.failed), left)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        assert self.report is not None
        said = progress_line(self.pages(), self.report.written, None, len(self.report.failed), None)
        logger.info("Progress at the end: %s", said)
        self.set_rates()

    def set_rates(self) -> None:
        """Sets the stats ``LogStats`` sets at the end: responses and items per minute
        over the run (None when it took no time), on its whole duration (``LogStats``
        leaves out the days of a run of more than one)."""
        stats = self.crawler.stats
        assert stats is not None
        start, finish = stats.get_value("start_time"), stats.get_value("finish_time")
        minutes = (finish - start).total_seconds() / 60 if start and finish else 0
        for name, count in (
            ("responses_per_minute", "response_received_count"),
            ("items_per_minute", "item_scraped_count"),
        ):
            stats.set_value(name, stats.get_value(count, 0) / minutes if minutes else None)

    def pages(self) -> int:
        """Pages fetched: responses received, from the site or the archive."""
        assert self.crawler.stats is not None
        return int(self.crawler.stats.get_value("response_received_count", 0))

    def waiting(self) -> int | None:
        """Requests the crawl has yet to make, as Scrapy's stats tell: in the scheduler
        (None when the scheduler keeps no stats) and in the downloader, waiting for their
        turn or under way."""
        stats = self.crawler.stats
        assert stats is not None
        enqueued = stats.get_value("scheduler/enqueued")
        if enqueued is None:
            return None
        scheduled = enqueued - stats.get_value("scheduler/dequeued", 0)
        answered = sum(
            stats.get_value(f"downloader/{name}_count", 0) for name in ("response", "exception")
        )
        remaining: int = scheduled + stats.get_value("downloader/request_count", 0) - answered
        return remaining


def progress_line(
    pages: int, written: int, waiting: int | None, failed: int, left: float | None
) -> str:
    """The line, e.g. ``1,240 pages fetched, 310 articles written, 2,035 pages to fetch,
    3 failed; about 1 h 20 min left`` (without what is not known: ``waiting`` or ``left``
    None)."""
    parts = [f"{counted(pages, 'page')} fetched", f"{counted(written, 'article')} written"]
    if waiting is not None:
        parts.append(f"{counted(waiting, 'page')} to fetch")
    parts.append(f"{failed:,} failed")
    said = ", ".join(parts)
    return said if left is None else f"{said}; {duration(left)} left"


def time_left(waiting: int, samples: Sequence[Sample]) -> float | None:
    """Seconds to fetch ``waiting`` pages at the rate between the first and the last of
    ``samples``; None when they show no page fetched (or are fewer than two)."""
    if len(samples) < 2:
        return None
    (start, before), (end, after) = samples[0], samples[-1]
    if after <= before or end <= start:
        return None
    return waiting * (end - start) / (after - before)


def duration(seconds: float) -> str:
    """A time to come, to the minute above: ``under a minute``, ``about 12 min``,
    ``about 1 h 20 min``, ``about 2 d 3 h`` (a day or more: to the hour below)."""
    if seconds < 60:
        return "under a minute"
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"about {days} d {hours} h" if hours else f"about {days} d"
    if hours:
        return f"about {hours} h {minutes} min" if minutes else f"about {hours} h"
    return f"about {minutes} min"
