"""Item pipelines: drop what is not an article, emit each article once, read its dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from channel9.dates import read_date
from channel9.extensions import RunLedger
from channel9.state import content_hash

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from typing_extensions import Self


class Dropped(DropItem):
    """A dropped item, with the reason as a word the spider and the stats can use."""

    def __init__(self, reason: str, url: str | None, log_level: str = "WARNING") -> None:
        super().__init__(f"{reason}: {url}", log_level=log_level)
        self.reason = reason


class _CountingPipeline:
    """Base of the pipelines that drop items: each drop counted by reason."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def drop(self, reason: str, adapter: ItemAdapter) -> Dropped:
        """A broken item: counted under ``channel9/dropped/``, logged as a warning."""
        self.stats.inc_value(f"channel9/dropped/{reason}")
        return Dropped(reason, adapter.get("url"))

    def skip(self, reason: str, adapter: ItemAdapter) -> Dropped:
        """A good item this run is not to write: counted under ``channel9/skipped/``."""
        self.stats.inc_value(f"channel9/skipped/{reason}")
        return Dropped(reason, adapter.get("url"), log_level="INFO")


class RequiredFieldsPipeline(_CountingPipeline):
    """An item without URL or title is no record of an article."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in ("url", "title"):
            if not adapter.get(name):
                raise self.drop(f"no_{name}", adapter)
        return item


class DuplicatesPipeline(_CountingPipeline):
    """One article reached under two URLs (a redirect, an auto-loaded copy) is emitted once."""

    def __init__(self, stats: StatsCollector) -> None:
        super().__init__(stats)
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = adapter["url"]
        if url in self.seen:
            raise self.drop("duplicate", adapter)
        self.seen.add(url)
        return item


class PublishedDatePipeline:
    """Reads ``published_raw`` into ``published_date`` and ``published_at``.

    Relative and year-less dates are read against the time of the fetch. An unreadable
    date leaves both null and keeps the raw text, so that it can be read later.
    """

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        crawled_at = adapter.get("crawled_at")
        reference = datetime.fromisoformat(crawled_at) if crawled_at else None
        reading = read_date(adapter.get("published_raw"), reference)
        if reading is not None:
            adapter["published_date"] = reading.moment.date().isoformat()
            adapter["published_at"] = reading.moment.isoformat() if reading.has_time else None
        return item


class SincePipeline(_CountingPipeline):
    """With ``-a since=YYYY-MM-DD``, articles published before that day are not written."""

    def __init__(self, stats: StatsCollector, since: date | None) -> None:
        super().__init__(stats)
        self.since = since.isoformat() if since else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, getattr(crawler.spider, "since", None))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        published = adapter.get("published_date")
        if self.since and published and published < self.since:
            raise self.skip("before_since", adapter)
        return item


class UnchangedPipeline(_CountingPipeline):
    """An article exported by an earlier run is written again only if its content changed
    (``-a full=1`` fetches them all; an edited one is re-emitted)."""

    def __init__(self, stats: StatsCollector, ledger: RunLedger | None) -> None:
        super().__init__(stats)
        self.ledger = ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.get_extension(RunLedger))

    def process_item(self, item: Any) -> Any:
        if self.ledger is None:
            return item
        adapter = ItemAdapter(item)
        exported = self.ledger.exported_hash(adapter["url"])
        if exported is not None and exported == content_hash(adapter):
            raise self.skip("unchanged", adapter)
        return item
