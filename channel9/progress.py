"""Progress a person can follow: a crawl's line at a steady interval, and the progress
of ``scrapy dataset`` and ``scrapy extract`` over large inputs."""

from __future__ import annotations

import logging
import math
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from tqdm import tqdm

from channel9 import signals as channel9_signals
from channel9.report import RunReport

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall
    from typing_extensions import Self

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sample = tuple[float, int]
"""A moment (seconds, any origin) and the pages fetched by then."""

WINDOW = 10
"""The rate behind the estimate is that of the last this many intervals: recent enough to
follow a site that slowed down, long enough not to jump with each page."""


class CrawlProgress:
    """Logs a line every ``CHANNEL9_PROGRESS_INTERVAL`` seconds, and one as the run ends,
    with the pages fetched, the articles written, the pages to fetch and the pages failed.

    Scrapy's own line (``LogStats``) counts responses and items; this one counts what the
    run report counts (articles written by every feed, pages failed), and the requests the
    crawl knows it has yet to make: those in the scheduler and the downloader. Once every
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
            raise NotConfigured("CHANNEL9_PROGRESS_INTERVAL is 0: no progress lines")
        progress = cls(crawler, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(progress.articles_named, signal=channel9_signals.articles_named)
        crawler.signals.connect(progress.sitemaps_read, signal=channel9_signals.sitemaps_read)
        return progress

    def spider_opened(self) -> None:
        self.report = self.crawler.get_extension(RunReport)
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
        return progress_line(pages, self.report.exported, waiting, len(self.report.failed), left)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        assert self.report is not None
        said = progress_line(
            self.pages(), self.report.exported, None, len(self.report.failed), None
        )
        logger.info("Progress at the end: %s", said)

    def pages(self) -> int:
        """Pages fetched: responses received, from the site or the archive."""
        assert self.crawler.stats is not None
        return int(self.crawler.stats.get_value("response_received_count", 0))

    def waiting(self) -> int | None:
        """Requests the crawl has yet to make: in the scheduler (None when it cannot tell
        how many it holds) and in the downloader, waiting for their turn or under way."""
        engine = self.crawler.engine
        scheduler = engine.scheduler
        if not isinstance(scheduler, Sized):
            return None
        return len(scheduler) + len(engine.downloader.active)


def progress_line(
    pages: int, written: int, waiting: int | None, failed: int, left: float | None
) -> str:
    """The line, e.g. ``1,240 pages fetched, 310 articles written, 2,035 pages to fetch,
    3 failed; about 1 h 20 min left`` (without what is not known: ``waiting`` or ``left``
    None)."""
    parts = [f"{pages:,} {plural(pages, 'page')} fetched"]
    parts.append(f"{written:,} {plural(written, 'article')} written")
    if waiting is not None:
        parts.append(f"{waiting:,} {plural(waiting, 'page')} to fetch")
    parts.append(f"{failed:,} failed")
    said = ", ".join(parts)
    return said if left is None else f"{said}; {duration(left)} left"


def plural(number: int, thing: str) -> str:
    return thing if number == 1 else thing + "s"


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


EVERY = 30.0
"""Seconds between two plain progress lines (and before the first)."""
SHOWN_AFTER = 2.0
"""Seconds before a progress bar shows: a small input draws none."""


class Meter:
    """The progress of a command through ``total`` (bytes when ``unit`` is ``B``), on
    ``stream`` (stderr: stdout may be the command's data).

    On a terminal, a bar (tqdm) that shows once the work has taken :data:`SHOWN_AFTER`
    seconds and is gone when it ends. Elsewhere (a log, cron's mail) a plain line every
    :data:`EVERY` seconds, the first :data:`EVERY` seconds after the start, such as
    ``Reading x.warc.gz: 1.2 GB of 3.0 GB (40%)`` or ``Writing: 2 of 5 articles (40%)``:
    an input read in less says nothing, and none is said at the end, where the command's
    own summary follows."""

    def __init__(
        self,
        what: str,
        total: int,
        unit: str,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.clock = clock
        self.done = 0
        self.next_line = clock() + EVERY
        self.bar: tqdm[NoReturn] | None = None
        if self.stream.isatty():
            self.bar = tqdm(
                desc=what,
                total=total,
                unit=unit,
                unit_scale=unit == "B",
                file=self.stream,
                delay=SHOWN_AFTER,
                leave=False,
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def advance(self, amount: int) -> None:
        """``amount`` more of the total is done."""
        self.done += amount
        if self.bar is not None:
            self.bar.update(amount)
            return
        now = self.clock()
        if now >= self.next_line:
            self.next_line = now + EVERY
            share = self.done / self.total if self.total else 1.0
            if self.unit == "B":
                done = f"{in_bytes(self.done)} of {in_bytes(self.total)}"
            else:
                done = f"{self.done:,} of {self.total:,} {plural(self.total, self.unit)}"
            self.stream.write(f"{self.what}: {done} ({share:.0%})\n")
            self.stream.flush()


def in_bytes(number: int) -> str:
    """A size as people read it: ``512 B``, ``1.5 kB``, ``3.0 GB``."""
    for size, name in ((10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if number >= size:
            return f"{number / size:.1f} {name}"
    return f"{number} B"


def tracked(
    items: Iterable[T], total: int, what: str, unit: str, stream: TextIO | None = None
) -> Iterator[T]:
    """The items, one at a time, their progress shown by a :class:`Meter`."""
    with Meter(what, total, unit, stream) as meter:
        for item in items:
            yield item
            meter.advance(1)


def say(line: str, stream: TextIO) -> None:
    """Writes the line to ``stream`` in one write, a progress bar on it cleared first and
    drawn again after, so that the two do not run into each other."""
    with tqdm.external_write_mode(file=stream):
        stream.write(line + "\n")
        stream.flush()
