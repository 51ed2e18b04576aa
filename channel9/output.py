"""Where a run's items go: a new JSON Lines file under ``data/`` unless told otherwise, each
line on disk before the article counts as exported."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.defer import deferred_from_coro

from channel9.signals import item_unwritten

if TYPE_CHECKING:
    from io import BytesIO

    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def output_paths(crawler: Crawler) -> list[str]:
    """The local files the run's feeds write."""
    exporter = crawler.get_extension(FeedExporter)
    slots = exporter.slots if exporter is not None else []
    return [str(slot.storage.path) for slot in slots if hasattr(slot.storage, "path")]


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
    its line is in the file, even if the process is killed the next moment. A line that
    cannot be written (a full disk) is cut off again, the item is announced as unwritten
    (so that it is not recorded as exported) and the run stops: it has failed."""

    def __init__(self, file: BytesIO, crawler: Crawler | None = None, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BytesIO, **kwargs: Any) -> Self:
        return cls(file, crawler, **kwargs)

    def export_item(self, item: Any) -> None:
        start = self.file.tell() if self.file.seekable() else None
        try:
            super().export_item(item)
            self.file.flush()
        except OSError as error:
            self._unwritten(item, error, start)
            raise

    def _unwritten(self, item: Any, error: OSError, start: int | None) -> None:
        if start is not None:
            with suppress(OSError):
                self.file.truncate(start)
        if self.crawler is None or self.crawler.engine is None:
            return
        logger.error("Could not write an item to the output (%s): stopping the run", error)
        self.crawler.signals.send_catch_log(item_unwritten, item=item, error=error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="feed_error"))
