"""The baseline: a bare Scrapy spider following the same listing and article URLs as the
channel9 spider, doing nothing with the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.base_url}/", callback=self.parse_home)

    def parse_home(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        for href in response.css(".mvp-nav-menu a::attr(href)").getall():
            if "/category/" in href:
                yield response.follow(href, callback=self.parse_listing, priority=10)

    def parse_listing(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        links = response.css(
            "#mvp-cat-feat-wrap a[rel=bookmark]::attr(href),"
            " ul.mvp-blog-story-list li > a::attr(href)"
        ).getall()
        for href in links:
            yield response.follow(href, callback=self.parse_article)
        for link in response.css(".pagination a"):
            if link.css("::text").get("").startswith("Next"):
                yield response.follow(link.attrib["href"], callback=self.parse_listing, priority=10)

    def parse_article(self, response: scrapy.http.Response) -> Iterable[Any]:
        return ()
