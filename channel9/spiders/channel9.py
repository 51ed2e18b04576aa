"""The crawl of Channel9.id: home page menu, category listings page by page, articles."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from channel9 import pages

logger = logging.getLogger(__name__)

LISTING_PRIORITY = 10
"""Listings go before articles, so that each category's walk keeps moving."""


class Channel9Spider(scrapy.Spider):
    """Every article of the site's category listings, each once.

    Arguments: ``base_url`` (the site, or a copy of it), ``categories`` (comma-separated
    slugs, default: all of the menu), ``max_pages`` (listing pages per category).
    """

    name = "channel9"

    def __init__(
        self,
        base_url: str = "https://channel9.id",
        categories: str | None = None,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.wanted = [slug.strip() for slug in (categories or "").split(",") if slug.strip()]
        self.max_pages = int(max_pages) if max_pages else None
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.category_labels: dict[str, str] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.base_url}/", callback=self.parse_home)

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        menu = pages.parse_menu(response.selector, response.url)
        self.category_labels = {category.slug: category.label for category in menu}
        if not self.wanted:
            chosen = menu
        else:
            by_slug = {category.slug: category for category in menu}
            chosen = [by_slug.get(slug) or self._unlisted(slug) for slug in self.wanted]
        if not chosen:
            self._count("failed", "no_categories", response.url)
        for category in chosen:
            yield self._listing(category.url, category.label, 1)

    def _unlisted(self, slug: str) -> pages.Category:
        logger.warning("Category %r is not in the site's menu; trying its usual URL", slug)
        return pages.Category(slug, slug, f"{self.base_url}/category/{slug}/")

    def _listing(self, url: str, label: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            cb_kwargs={"label": label, "page": page},
            priority=LISTING_PRIORITY,
        )

    def parse_listing(self, response: Response, label: str, page: int) -> Iterator[scrapy.Request]:
        listing = pages.parse_listing(response.selector, response.url)
        if not listing.article_urls:
            self._count("failed", "empty_listing", response.url)
        for url in listing.article_urls:
            yield self._article(url, label)
        if listing.next_url and (self.max_pages is None or page < self.max_pages):
            yield self._listing(listing.next_url, label, page + 1)

    def _article(self, url: str, listed_under: str | None) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_article, cb_kwargs={"listed_under": listed_under}
        )

    def parse_article(self, response: Response, listed_under: str | None) -> Iterator[Any]:
        try:
            result = pages.parse_article(response.selector, response.url, self.category_labels)
        except Exception:
            logger.exception("Could not parse %s", response.url)
            self._count("failed", "parse_error", response.url)
            return
        for link in result.links:
            yield self._article(link, None)
        article = result.article
        if article is None:
            self._count(
                "skipped" if result.reason == "not_article" else "failed",
                result.reason or "unknown",
                response.url,
            )
            return
        if listed_under and listed_under.casefold() not in map(str.casefold, article.categories):
            article.categories.append(listed_under)
        article.crawled_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        yield article

    def _count(self, outcome: str, reason: str, url: str) -> None:
        level = logging.INFO if outcome == "skipped" else logging.WARNING
        logger.log(level, "%s %s: %s", outcome.capitalize(), url, reason)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"channel9/{outcome}/{reason}")
