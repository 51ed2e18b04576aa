"""The crawl of Channel9.id: home page menu, category listings page by page, articles."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TCPTimedOutError, TimeoutError

from channel9 import pages
from channel9.extensions import RunLedger, utc_now

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure
    from typing_extensions import Self

logger = logging.getLogger(__name__)

LISTING_PRIORITY = 10
"""Listings go before articles, so that each category's walk keeps moving."""


class Channel9Spider(scrapy.Spider):
    """Every article of the site's category listings, each once, and only the new ones
    when earlier runs left a crawl state.

    Arguments: ``base_url`` (the site, or a copy of it), ``categories`` (comma-separated
    slugs, default: all of the menu), ``max_pages`` (listing pages per category),
    ``since`` (``YYYY-MM-DD``: no article published before), ``full`` (``1``: walk
    everything again and re-emit the articles that changed).
    """

    name = "channel9"

    def __init__(
        self,
        base_url: str = "https://channel9.id",
        categories: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        full: str | bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.wanted = [slug.strip() for slug in (categories or "").split(",") if slug.strip()]
        self.max_pages = int(max_pages) if max_pages else None
        self.since = date.fromisoformat(since) if since else None
        self.full = str(full).lower() in ("1", "true", "yes")
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.category_labels: dict[str, str] = {}
        self.quiet_pages: Counter[str] = Counter()
        self.last_page: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_dropped, signal=signals.item_dropped)
        return spider

    @cached_property
    def ledger(self) -> RunLedger | None:
        """The run's ledger (crawl state), looked up once; None when the state is off."""
        return self.crawler.get_extension(RunLedger)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.base_url}/", callback=self.parse_home)
        for url in self.ledger.retry_urls() if self.ledger else ():
            yield self._article(url, None, 0)

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        menu = pages.parse_menu(response.selector, response.url)
        self.category_labels = {category.slug: category.label for category in menu}
        if not self.wanted:
            chosen = menu
        else:
            by_slug = {category.slug: category for category in menu}
            chosen = [by_slug.get(slug) or self._unlisted(slug) for slug in self.wanted]
        if not chosen:
            self._failed(response.url, "no_categories", retry=False)
        for category in chosen:
            yield self._listing(category.url, category.label, 1)

    def _unlisted(self, slug: str) -> pages.Category:
        logger.warning("Category %r is not in the site's menu; trying its usual URL", slug)
        return pages.Category(slug, slug, f"{self.base_url}/category/{slug}/")

    def _listing(self, url: str, label: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            cb_kwargs={"label": label, "page": page},
            priority=LISTING_PRIORITY,
        )

    def parse_listing(self, response: Response, label: str, page: int) -> Iterator[scrapy.Request]:
        self._stat("fetched/listing")
        if not is_html(response):
            yield from self._retry(response, "not_html", retry_next_run=False)
            return
        if page > self.last_page.get(label, page):
            return
        listing = pages.parse_listing(response.selector, response.url)
        if not listing.article_urls:
            reason = pages.page_problem(response.selector) or "empty_listing"
            yield from self._retry(response, reason, retry_next_run=False)
            return
        new = [url for url in listing.article_urls if self._is_new(url)]
        for url in new:
            yield self._article(url, label, page)
        self.quiet_pages[label] = 0 if new else self.quiet_pages[label] + 1
        if self.quiet_pages[label] > self.settings.getint("CHANNEL9_OVERLAP_PAGES"):
            logger.info("Stopping %s at page %d: nothing new", label, page)
            return
        if listing.next_url and (self.max_pages is None or page < self.max_pages):
            yield self._listing(listing.next_url, label, page + 1)

    def _is_new(self, url: str) -> bool:
        """Not exported by an earlier run (with ``full``, everything is worth a look)."""
        if self.full or self.ledger is None or not self.ledger.is_exported(url):
            return True
        self._stat("skipped/known")
        return False

    def _article(self, url: str, listed_under: str | None, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"listed_under": listed_under, "listing_page": page},
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        self._stat("fetched/article")
        if not is_html(response):
            yield from self._retry(response, "not_html")
            return
        try:
            result = pages.parse_article(response.selector, response.url, self.category_labels)
        except Exception:
            logger.exception("Could not parse %s", response.url)
            self._failed(response.url, "parse_error")
            return
        for link in result.links:
            if self._is_new(link):
                yield self._article(link, None, 0)
        article = result.article
        if article is None:
            # Only a page without content is asked why: a challenge or an error page.
            reason = pages.page_problem(response.selector) or result.reason or "unknown"
            if reason == "not_article":
                self._stat("skipped/not_article")
            else:
                yield from self._retry(response, reason)
            return
        listed_under = response.meta.get("listed_under")
        if listed_under and listed_under.casefold() not in map(str.casefold, article.categories):
            article.categories.append(listed_under)
        article.crawled_at = utc_now()
        yield article

    def item_dropped(self, item: Any, response: Response, exception: Exception) -> None:
        """An article older than ``since`` ends the walk of the listing that showed it."""
        label = response.meta.get("listed_under")
        page = response.meta.get("listing_page")
        if getattr(exception, "reason", None) == "before_since" and label and page:
            overlap = self.settings.getint("CHANNEL9_OVERLAP_PAGES")
            self.last_page[label] = min(self.last_page.get(label, page + overlap), page + overlap)

    def _retry(
        self, response: Response, reason: str, retry_next_run: bool = True
    ) -> Iterator[scrapy.Request]:
        """A page served whole but holding no content (a challenge, an error page, a cut
        body) is asked for again a few times, then counted as failed."""
        request = get_retry_request(
            response.request,
            spider=self,
            reason=reason,
            max_retry_times=self.settings.getint("CHANNEL9_CONTENT_RETRIES"),
        )
        if request is not None:
            yield request
        else:
            self._failed(response.url, reason, retry=retry_next_run)

    def article_failed(self, failure: Failure) -> None:
        self._failed(failure.request.url, failure_reason(failure))

    def listing_failed(self, failure: Failure) -> None:
        self._failed(failure.request.url, failure_reason(failure), retry=False)

    def _failed(self, url: str, reason: str, retry: bool = True) -> None:
        """A page the run could not get: logged, counted, reported, and with ``retry``
        asked for again by the next run."""
        logger.warning("Failed %s: %s", url, reason)
        self._stat(f"failed/{reason}")
        if self.ledger is not None:
            self.ledger.failure(url, reason, retry=retry)

    def _stat(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"channel9/{key}")


def is_html(response: Response) -> bool:
    """Whether a successful response is a page at all (not a PDF, an image...)."""
    content_type = response.headers.get(b"Content-Type") or b"html"
    return isinstance(response, TextResponse) and b"html" in content_type


IGNORED_REASONS = {"robots": "robots", "offsite": "offsite", "loop": "redirect_loop"}


def failure_reason(failure: Failure) -> str:
    """A short name for why a request failed: ``http_503``, ``timeout``, ``robots``..."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    name = type(failure.value).__name__
    message = str(failure.value).lower()
    if failure.check(TimeoutError, TCPTimedOutError) or name == "DownloadTimeoutError":
        return "timeout"
    if name == "DownloadCancelledError" and "size" in message:
        return "too_large"
    if failure.check(IgnoreRequest):
        return next((r for word, r in IGNORED_REASONS.items() if word in message), "ignored")
    return name
