"""``scrapy crawl``, exiting non-zero when the run failed, so that cron notices."""

from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    """Scrapy's ``crawl``; its exit status is 1 when the run failed: a finish reason other
    than ``finished``, too many failed pages, nothing scraped on a first run, or too few
    complete items (see ``CHANNEL9_*`` in the settings). Plain ``scrapy crawl`` exits 0."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name: scrapy crawl channel9")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        reason = stats.get("finish_reason")
        if self.crawler_process.bootstrap_failed or reason is None:
            self.exitcode = 2
        elif reason != "finished" or stats.get("channel9/run/failed"):
            self.exitcode = 1
