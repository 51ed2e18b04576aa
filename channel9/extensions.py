"""The run ledger: crawl state, failures, the run report and the run's verdict."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter

from channel9.state import AlreadyRunning, CrawlState, content_hash

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RunLedger:
    """Keeps the crawl state (``CHANNEL9_STATE``) and accounts for the run.

    An article is recorded as exported when its item has been written (and flushed) by the
    feeds; a failed article is recorded to be tried again by the next run. At the end it
    writes the run report beside the output and gives the verdict the exit status reads.
    """

    def __init__(self, crawler: Crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.settings = crawler.settings
        self.state = state
        self.first_run = state.is_empty()
        self.started_at = utc_now()
        self.outputs: list[str] = []
        self.failed: dict[str, dict[str, Any]] = {}
        self.per_category: Counter[str] = Counter()
        self.complete = 0
        self.dates: tuple[str, str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("CHANNEL9_STATE")
        if not path:
            raise NotConfigured("CHANNEL9_STATE is empty: no crawl state")
        try:
            state = CrawlState(path)
        except AlreadyRunning as error:
            logger.error(
                "Another crawl is running (%s): this one exits without touching the crawl"
                " state or the output.",
                error,
            )
            raise
        ledger = cls(crawler, state)
        crawler.signals.connect(ledger.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ledger.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ledger.spider_closed, signal=signals.spider_closed)
        return ledger

    def is_exported(self, url: str) -> bool:
        return self.state.is_exported(url)

    def exported_hash(self, url: str) -> str | None:
        return self.state.exported_hash(url)

    def retry_urls(self) -> list[str]:
        return self.state.failures()

    def spider_opened(self, spider: Spider) -> None:
        self.run_id = getattr(spider, "run_id", self.started_at)
        exporter = self.crawler.get_extension(FeedExporter)
        slots = exporter.slots if exporter is not None else []
        self.outputs = [str(slot.storage.path) for slot in slots if hasattr(slot.storage, "path")]
        for output in self.state.take_unfinished(self.started_at):
            set_aside_broken_tail(Path(output))
        self.state.start_run(
            self.run_id, self.started_at, self.outputs[0] if self.outputs else None
        )

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        adapter = ItemAdapter(item)
        urls = [adapter["url"], response.url, *response.meta.get("redirect_urls", ())]
        published = adapter.get("published_date")
        self.state.record_exported(
            urls, adapter["url"], content_hash(adapter), published, utc_now()
        )
        self.per_category[adapter.get("category") or ""] += 1
        if published:
            first, last = self.dates or (published, published)
            self.dates = (min(first, published), max(last, published))
        if adapter.get("title") and published and adapter.get("text"):
            self.complete += 1

    def failure(self, url: str, reason: str, retry: bool = True) -> None:
        """A page the run could not get; with ``retry`` the next run asks for it again."""
        entry = self.failed.setdefault(url, {"url": url, "reason": reason, "tries": 0})
        entry["reason"] = reason
        entry["tries"] += 1
        if retry:
            self.state.record_failure(url, reason, utc_now())

    def spider_closed(self, spider: Spider, reason: str) -> None:
        problems = self.verdict(reason)
        if problems:
            self.stats.set_value("channel9/run/failed", "; ".join(problems))
            logger.error("This run failed: %s", "; ".join(problems))
        report = self.write_report(reason, problems)
        self.state.finish_run(self.run_id, utc_now(), reason, report)
        self.state.close()

    def verdict(self, reason: str) -> list[str]:
        """Why this run should count as failed (exit status non-zero), if it should."""
        stats = self.stats.get_stats()
        problems = []
        if reason != "finished":
            problems.append(f"finish reason {reason!r}")
        scraped = stats.get("item_scraped_count", 0)
        tried = stats.get("channel9/fetched/article", 0) + len(self.failed)
        failed_share = len(self.failed) / tried if tried else 0.0
        if failed_share > self.settings.getfloat("CHANNEL9_MAX_FAILED_SHARE"):
            problems.append(f"{len(self.failed)} of {tried} pages failed")
        if self.first_run and scraped == 0:
            problems.append("nothing scraped on a first run")
        if scraped >= self.settings.getint("CHANNEL9_QUALITY_MIN_ITEMS"):
            share = self.complete / scraped
            if share < self.settings.getfloat("CHANNEL9_MIN_COMPLETE_SHARE"):
                problems.append(
                    f"only {share:.0%} of items have a title, a date and text"
                    " (has the page layout changed?)"
                )
        return problems

    def write_report(self, reason: str, problems: list[str]) -> str:
        stats = self.stats.get_stats()
        report = {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": utc_now(),
            "finish_reason": reason,
            "failed_run": problems,
            "output": self.outputs,
            "listing_pages_fetched": stats.get("channel9/fetched/listing", 0),
            "articles_fetched": stats.get("channel9/fetched/article", 0),
            "new": stats.get("item_scraped_count", 0),
            "skipped": {
                key.rsplit("/", 1)[-1]: value
                for key, value in stats.items()
                if key.startswith("channel9/skipped/")
            },
            "failed": len(self.failed),
            "failures": sorted(self.failed.values(), key=lambda entry: entry["url"]),
            "items_per_category": dict(sorted(self.per_category.items())),
            "published_date_range": list(self.dates) if self.dates else None,
            "requests": stats.get("downloader/request_count", 0),
        }
        output = (
            Path(self.outputs[0])
            if self.outputs
            else self.state.path.with_name(f"channel9-{self.run_id}.jsonl")
        )
        path = output.with_suffix(".report.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        logger.info("Run report: %s", path)
        return str(path)


def set_aside_broken_tail(path: Path) -> None:
    """Moves a last line cut short by a killed run into ``<file>.broken``."""
    if not path.exists():
        return
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end == len(data):
        return
    path.with_name(path.name + ".broken").write_bytes(data[end:])
    with path.open("r+b") as file:
        file.truncate(end)
    logger.warning("Set aside the cut-off last line of %s (a killed run)", path)
