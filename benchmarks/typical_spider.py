"""The comparison: the same job written as a typical Scrapy project writes it.

It follows the same listing and article URLs as the channel9 spider and reads the same
fields of each article with parsel selectors, one dict per article, written by Scrapy's feed
(``-O``). It keeps no archive and no state, and knows only the site's current markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from benchmarks.bare_spider import BareSpider

if TYPE_CHECKING:
    from scrapy.http import Response


class TypicalSpider(BareSpider):
    """The bare spider's walk of the home page and the listings, reading each article."""

    name = "typical"

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
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
