"""Where a run's items go: a new JSON Lines file under ``data/`` unless told otherwise, each
line on disk before the article counts as exported."""

from __future__ import annotations

import json
import logging
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exporters import (
    BaseItemExporter,
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.conf import feed_complete_default_values_from_settings

from channel9.archive.warc import is_archived
from channel9.failures import stop_run
from channel9.items import item_of
from channel9.signals import item_exported, item_unwritten, item_written

if TYPE_CHECKING:
    from io import BytesIO

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def output_paths(crawler: Crawler) -> list[str]:
    """The local files the run's feeds write, once the spider is open."""
    feeds = crawler.get_extension(ExportedItems)
    return list(feeds.paths) if feeds is not None else []


def replaced_files(settings: BaseSettings, spider: object) -> list[Path]:
    """The local files the run's feeds would replace (``-O``), absolute, that hold
    something: named as Scrapy's feed exporter names them, the spider's attributes filled
    in (``%(name)s``); not those named by the time (``%(time)s``), new to each run."""
    files = []
    for uri, options in settings.getdict("FEEDS").items():
        if not options.get("overwrite") or uri == "stdout:":
            continue
        try:
            named = (uri % SpiderParameters(spider)).removeprefix("file://")
        except (KeyError, ValueError, TypeError):
            continue
        local = Path(named)
        if "://" not in named and local.is_file() and local.stat().st_size > 0:
            files.append(local.resolve())
    return files


class SpiderParameters(dict[str, object]):
    """The spider's attributes by name, as Scrapy's feed exporter fills a feed's URI."""

    def __init__(self, spider: object) -> None:
        super().__init__()
        self.spider = spider

    def __missing__(self, name: str) -> object:
        try:
            return getattr(self.spider, name)
        except AttributeError:
            raise KeyError(name) from None


def feeds(settings: BaseSettings) -> dict[str, dict[str, Any]]:
    """The run's feeds by URI, each option the feed does not set taken from the settings
    as Scrapy's feed exporter takes it (``FEED_EXPORT_INDENT``...)."""
    return {
        uri: feed_complete_default_values_from_settings(options, settings)
        for uri, options in settings.getdict("FEEDS").items()
    }


def batched_feeds(settings: BaseSettings) -> list[str]:
    """The feeds that write the run's items in batches, a file each
    (``FEED_EXPORT_BATCH_ITEM_COUNT``, ``batch_item_count``)."""
    return [
        uri for uri, options in feeds(settings).items() if int(options["batch_item_count"] or 0) > 0
    ]


def unread_feeds(settings: BaseSettings) -> list[str]:
    """The feeds that ``scrapy dataset`` would not read back: in another format than JSON
    lines, or a JSON array of one item a line (``-O out.json``, whose indent is 0 unless
    set), or compressed on the way (``postprocessing``). Their articles would count as
    exported and reach no dataset."""
    return [
        uri
        for uri, options in feeds(settings).items()
        if (
            options.get("format") not in JSON_LINES
            and not (options.get("format") == "json" and options["indent"] == 0)
        )
        or options.get("postprocessing")
    ]


class ExportedItems:
    """Tells (``item_exported``) when an item is written and flushed by every feed of the
    run and its page is in the archive, and only then: a feed that could not open its
    file, or write, or is in a format the project does not flush, never confirms, so
    nothing counts as exported that is not on disk. Runs after Scrapy's feed exporter,
    which writes the item first."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writes: Counter[int] = Counter()
        self.feeds = len(crawler.settings.getdict("FEEDS"))
        """How many feeds write each item: Scrapy's feed exporter opens one per entry."""
        self.paths: list[str] = []
        """The local files the feeds write (:class:`LocalFeedStorage`), as they open."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.item_written, signal=item_written)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_written(self, item: Any) -> None:
        self.writes[id(item)] += 1

    def item_scraped(self, item: Any, response: Response) -> None:
        writes = self.writes.pop(id(item), 0)
        written = self.feeds > 0 and writes >= self.feeds
        if written and is_archived(response):
            self.crawler.signals.send_catch_log(item_exported, item=item, response=response)


class LocalFeedStorage(FileFeedStorage):
    """Scrapy's storage of a feed in a local file, telling :class:`ExportedItems` which
    file it writes: Scrapy's feed exporter keeps its open feeds to itself.

    The feed exporter also makes one as it is built, only to check the feed's URI (a
    template such as ``%(run_id)s``), before any extension can be looked up: that one
    writes nothing and is not told.
    """

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> Self:
        storage = cls(uri, feed_options=feed_options)
        try:
            feeds = crawler.get_extension(ExportedItems)
        except RuntimeError:  # made as the extensions are built: the check of the URI
            return storage
        if feeds is not None:
            feeds.paths.append(storage.path)
        return storage


STORAGES: dict[str, type[FileFeedStorage]] = {"": LocalFeedStorage, "file": LocalFeedStorage}
"""Scrapy's storages of local files, by the URI schemes Scrapy gives them."""


class OutputLocation:
    """Logs, as the run ends, each file the feeds wrote and how many items it holds."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        crawler.signals.connect(extension.feed_slot_closed, signal=signals.feed_slot_closed)
        return extension

    def feed_slot_closed(self, slot: Any) -> None:
        logger.info("Wrote %d items to %s", slot.itemcount, slot.uri)


class Flushed(BaseItemExporter):
    """Mixin for Scrapy's exporters: each item flushed as it is written, so that once an
    article counts as exported its record is in the file, even if the process is killed
    the next moment. An item that cannot be written (a full disk) is announced as
    unwritten (so that it is not recorded as exported) and the run stops: it has failed.
    A JSON line cut off by the failure is cut out of the file again."""

    crawler: Crawler | None = None
    output: BytesIO | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BytesIO, **kwargs: Any) -> Self:
        exporter = cls(file, **kwargs)  # type: ignore[call-arg, arg-type]
        exporter.crawler = crawler
        exporter.output = file
        return exporter

    def export_item(self, item: Any) -> None:
        stream = getattr(self, "stream", None)  # CSV writes through a text wrapper
        file = self.output
        start = file.tell() if file and stream is None and file.seekable() else None
        try:
            super().export_item(item)  # type: ignore[safe-super]
            for target in (stream, file):
                if target is not None:
                    target.flush()
            if self.crawler is not None:
                self.crawler.signals.send_catch_log(item_written, item=item)
        except Exception as error:
            if start is not None and file is not None:
                with suppress(OSError):
                    file.truncate(start)
                    file.seek(start)  # the next item where this one began, not past a hole
            self._unwritten(item, error)
            raise

    def _unwritten(self, item: Any, error: Exception) -> None:
        if self.crawler is None:
            return
        logger.error("Could not write an item to the output (%s): stopping the run", error)
        self.crawler.signals.send_catch_log(item_unwritten, item=item, error=error)
        stop_run(self.crawler, "feed_error")


class JsonLinesExporter(Flushed, JsonLinesItemExporter):
    """JSON Lines, the run's default output."""


class JsonExporter(Flushed, JsonItemExporter):
    pass


class CsvExporter(Flushed, CsvItemExporter):
    pass


class XmlExporter(Flushed, XmlItemExporter):
    pass


JSON_LINES = frozenset({"jsonlines", "jsonl", "jl"})
"""The names Scrapy gives the JSON Lines format."""
EXPORTERS: dict[str, type[Flushed]] = {
    "jsonlines": JsonLinesExporter,
    "jsonl": JsonLinesExporter,
    "jl": JsonLinesExporter,
    "json": JsonExporter,
    "csv": CsvExporter,
    "xml": XmlExporter,
}
"""Scrapy's formats, by the names Scrapy gives them, flushed item by item."""


def set_aside_broken_tail(path: Path) -> None:
    """Moves a last line cut short (by a killed run, a full disk) into ``<file>.broken``,
    or at least off the file when the disk has no room for it.

    A last line that is a whole item is ended instead: a JSON array's items end in the
    comma written before the next (``-O out.json``), so a killed run's last is whole, and
    its closing bracket ends no line."""
    if not path.is_file():  # gone, or a device (/dev/full, a pipe) that holds no lines
        return
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end == len(data):
        return
    if is_whole(data[end:]):
        with path.open("ab") as file:
            file.write(b"\n")
        return
    with suppress(OSError):
        path.with_name(path.name + ".broken").write_bytes(data[end:])
    with path.open("r+b") as file:
        file.truncate(end)
    logger.warning("Set aside the cut-off last line of %s", path)


def is_whole(line: bytes) -> bool:
    """Whether a line holds a whole JSON object (an item of a JSON array, its comma
    after it or not), or the bracket that closes the array."""
    if line.strip() == b"]":
        return True
    try:
        return isinstance(json.loads(item_of(line)), dict)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return False
