"""Guards that end a run which can no longer do its job, at once and failed: a site that
looks down, and a stop asked for (SIGTERM from a timeout, systemd or Scrapyd's cancel;
Ctrl-C). What they leave undone stays for the next run."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import create_looping_call

from channel9.failures import STOPPED_FOR, drop_queued, stop_run

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

SITE_DOWN = "site_down"
"""The finish reason of a run the circuit breaker stopped."""


class SiteDownMiddleware:
    """Stops the run (finish reason ``site_down``) once ``CHANNEL9_DOWN_AFTER`` requests in
    a row got a 5xx or no answer at all (timeout, connection refused, DNS, TLS): retrying
    each page of a site that is down would keep the run, and the next cron runs, waiting
    for half an hour. It counts every try, so it sits nearest the network, before
    Scrapy's retries."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("CHANNEL9_DOWN_AFTER")
        self.failed = 0
        """Requests in a row that failed."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self._count(response.status >= 500)
        return response

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        # A request refused on the way (robots.txt, a redirect off the site, a stop) is
        # no answer of the site's: it neither counts nor starts the count again.
        if not isinstance(exception, IgnoreRequest):
            self._count(True)

    def _count(self, failed: bool) -> None:
        self.failed = self.failed + 1 if failed else 0
        if self.failed == self.limit:
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("channel9/site_down", self.limit)
            logger.error(
                "The site answered 5xx or failed to the last %d requests: it looks down,"
                " stopping the run",
                self.limit,
            )
            stop_run(self.crawler, SITE_DOWN)


class StopAtOnce:
    """On a stop (Scrapy's graceful one on a first SIGTERM or SIGINT, or the project's
    :func:`~channel9.failures.stop_run`), drops the requests waiting in the downloader
    instead of waiting for each one's turn, so that the run ends within
    ``DOWNLOAD_TIMEOUT`` (the pages being fetched) and a few seconds, its report
    written. Scrapy sends no signal as a stop begins: the engine is looked at a few
    times a second."""

    CHECK_EVERY = 0.25
    """Seconds between two looks at whether the engine is stopping."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def engine_started(self) -> None:
        self.task = create_looping_call(self.check)
        self.task.start(self.CHECK_EVERY, now=False)

    def check(self) -> None:
        assert self.crawler.stats is not None
        stopped = self.crawler.stats.get_value(STOPPED_FOR)
        if stopped or not self.crawler.engine.running:
            dropped = drop_queued(self.crawler)
            if dropped:
                logger.info("Stopping: %d queued requests dropped, left to the next run", dropped)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
