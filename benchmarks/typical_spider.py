"""The comparison: the same job written as a typical Scrapy project writes it.

It follows the same listing and article URLs as the channel9 spider and reads the same
fields of each article with parsel selectors, one dict per article, written by Scrapy's feed
(``-O``). It keeps no archive and no state, and knows only the site's current markup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy


class TypicalSpider(scrapy.Spider):
    name = "typical"

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

    def parse_article(self, response: scrapy.http.Response) -> Iterator[dict[str, Any]]:
        article = response.css("article#mvp-article-wrap")
        if not article:
            return
        body = article.css("#mvp-content-main")
        paragraphs = (" ".join(p.css("::text").getall()).strip() for p in body.css("p"))
        yield {
            "url": response.css("link[rel=canonical]::attr(href)").get(response.url),
            "title": article.css("h1.entry-title::text").get("").strip(),
            "category": article.css(".mvp-post-cat span::text").get(),
            "tags": article.css(".mvp-post-tags a[rel=tag]::text").getall(),
            "author": article.css(".author-name a::text").get(),
            "published": article.css("time[itemprop=datePublished]::attr(datetime)").get()
            or response.css("meta[property='article:published_time']::attr(content)").get(),
            "text": "\n\n".join(text for text in paragraphs if text),
            "image_url": article.css("#mvp-post-feat-img img::attr(data-src)").get()
            or article.css("#mvp-post-feat-img img::attr(src)").get(),
            "image_caption": article.css(".mvp-feat-caption::text").get(),
        }
