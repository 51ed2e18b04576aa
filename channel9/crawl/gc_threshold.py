"""Python's garbage collector run less often while a crawl runs (``CHANNEL9_GC_THRESHOLD``)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, ClassVar

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class GcThreshold:
    """The collector's youngest generation at ``CHANNEL9_GC_THRESHOLD`` while engines run.

    Python collects its youngest generation once 700 more container objects (lists,
    dicts, lxml's elements, Scrapy's requests) were made than freed, and then and again
    every so often walks all of Scrapy's live objects. On a crawl of 600 pages of a real
    theme's weight that took 0.55 s of the process's 5.55 s of CPU; at 10,000, 0.07 s
    (``benchmarks/gc_threshold.py``, as ``docs/benchmarks.md`` gives it). The cycles the
    collector frees (Twisted's connection objects, a few dozen a page) wait a little
    longer: the crawl's peak RSS stayed the same.

    The thresholds are the process's: the first crawl to start keeps the previous ones,
    each crawl that starts sets its own, and the last one to stop gives the previous ones
    back (a test, or a crawl without this extension, after them runs with Python's)."""

    running: ClassVar[int] = 0
    """The crawls of the process whose engine runs with a threshold set here."""
    previous: ClassVar[tuple[int, ...]] = ()
    """The thresholds before the first of them started."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.started = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        threshold = crawler.settings.getint("CHANNEL9_GC_THRESHOLD")
        if not threshold:
            raise NotConfigured
        extension = cls(threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        # Scrapy stops an engine whose spider closed as it opened without engine_stopped.
        crawler.signals.connect(extension.engine_stopped, signal=signals.spider_closed)
        return extension

    def engine_started(self) -> None:
        cls = type(self)
        if not cls.running:
            cls.previous = gc.get_threshold()
        cls.running += 1
        self.started = True
        gc.set_threshold(self.threshold, *cls.previous[1:])

    def engine_stopped(self) -> None:
        if not self.started:
            return
        cls = type(self)
        self.started = False
        cls.running -= 1
        if not cls.running:
            gc.set_threshold(*cls.previous)
