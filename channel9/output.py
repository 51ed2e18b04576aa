"""Where a run's items go: a new JSON Lines file under ``data/`` unless told otherwise."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exporters import JsonLinesItemExporter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class DefaultFeed:
    """Add-on: with no feed configured (no ``-o``/``-O``, no ``FEEDS``), each run writes a
    new file named by ``CHANNEL9_OUTPUT``; a feed named on the command line replaces it,
    where Scrapy would otherwise write both."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.getdict("FEEDS"):
            feed = {"format": "jsonlines", "encoding": "utf-8"}
            settings.set("FEEDS", {settings["CHANNEL9_OUTPUT"]: feed}, priority="addon")


class OutputLocation:
    """Logs, as the run ends, each file the feeds wrote and how many items it holds."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        crawler.signals.connect(extension.feed_slot_closed, signal=signals.feed_slot_closed)
        return extension

    def feed_slot_closed(self, slot: Any) -> None:
        logger.info("Wrote %d items to %s", slot.itemcount, slot.uri)


class JsonLinesExporter(JsonLinesItemExporter):
    """JSON Lines, each line flushed as it is written: once an article counts as exported,
    its line is in the file, even if the process is killed the next moment."""

    def export_item(self, item: Any) -> None:
        super().export_item(item)
        self.file.flush()
