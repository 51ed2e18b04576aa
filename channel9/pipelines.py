"""Item pipelines: drop what is not an article, emit each article once, and only if new
or changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from channel9.incremental.extension import CrawlStateExtension
from channel9.incremental.store import content_hash

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from typing_extensions import Self


class Dropped(DropItem):
    """A dropped item, with the reason as a word the state, the report and the stats use;
    ``failure`` when the page is to be fetched again by a later run."""

    def __init__(self, reason: str, url: str | None, failure: bool) -> None:
        super().__init__(f"{reason}: {url}", log_level="WARNING" if failure else "INFO")
        self.reason = reason
        self.failure = failure


class _CountingPipeline:
    """Base of the pipelines that drop items: each drop counted by reason."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def drop(self, reason: str, adapter: ItemAdapter) -> Dropped:
        """A broken item: counted under ``channel9/dropped/``, a failure of its page."""
        self.stats.inc_value(f"channel9/dropped/{reason}")
        return Dropped(reason, adapter.get("url"), failure=True)

    def skip(self, reason: str, adapter: ItemAdapter) -> Dropped:
        """A good item this run is not to write: counted under ``channel9/skipped/``."""
        self.stats.inc_value(f"channel9/skipped/{reason}")
        return Dropped(reason, adapter.get("url"), failure=False)


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
            raise self.skip("duplicate", adapter)
        self.seen.add(url)
        return item


class UnchangedPipeline(_CountingPipeline):
    """An article exported by an earlier run is written again only if its content changed
    (``-a full=1`` fetches them all; an edited one is re-emitted)."""

    def __init__(self, stats: StatsCollector, state: CrawlStateExtension | None) -> None:
        super().__init__(stats)
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.get_extension(CrawlStateExtension))

    def process_item(self, item: Any) -> Any:
        if self.state is None:
            return item
        adapter = ItemAdapter(item)
        exported = self.state.exported_hash(adapter["url"])
        if exported is not None:
            if exported == content_hash(adapter):
                raise self.skip("unchanged", adapter)
            self.state.passed_changed(adapter["url"])
        return item
