"""Python's garbage collector tuned for the crawl's allocations (``CHANNEL9_GC_THRESHOLD``)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class CollectorThreshold:
    """While the engine runs, the youngest generation of Python's cyclic garbage collector
    is collected after ``CHANNEL9_GC_THRESHOLD`` allocations instead of Python's 700.

    Parsing a page of a real theme's weight allocates thousands of short-lived objects
    (lxml's elements and strings, Scrapy's requests), so at 700 the collector runs several
    times a page, and every tenth of its older collections walks all of Scrapy's live
    objects: a tenth of a crawl's CPU (``benchmarks/crawl.py --heavy``). Those objects are
    freed by their reference counts, not by the collector, so the crawl's memory does not
    grow. The older generations keep Python's thresholds, and the previous ones are given
    back when the engine stops (another crawl in the process, a test, is not changed)."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.previous: tuple[int, ...] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        threshold = crawler.settings.getint("CHANNEL9_GC_THRESHOLD")
        if not threshold:
            raise NotConfigured("CHANNEL9_GC_THRESHOLD=0: Python's own thresholds")
        extension = cls(threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        self.previous = gc.get_threshold()
        gc.set_threshold(self.threshold, *self.previous[1:])

    def engine_stopped(self) -> None:
        if self.previous is not None:
            gc.set_threshold(*self.previous)
            self.previous = None
