"""The downloader middlewares between the crawl and the site, in their order: what the
add-on wires into every crawl, and what ``scrapy extract``'s fetch and the health check
take of it, so that a page is fetched and refused the same way everywhere; and the
extension that drops the waiting requests at a stop, which the health check takes too."""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from channel9.crawl import guards, middlewares

DOWNLOADER_MIDDLEWARES = {
    # robots.txt per RFC 9309 (a 5xx disallows the site for the run), refusals named.
    middlewares.StrictRobotsTxtMiddleware: 100,
    # Retry-After honoured, the whole site slowed down after a 429 or 5xx.
    middlewares.BackoffMiddleware: 560,
    # A body that unpacks past DOWNLOAD_MAXSIZE named too_large.
    middlewares.SizeGuardedCompressionMiddleware: 590,
    # Off-site, looping and endless redirects named instead of dropped.
    middlewares.RedirectGuardMiddleware: 610,
    # A site down ends the run: every try counts, so nearer the network than retries.
    guards.SiteDownMiddleware: 940,
}
REPLACED = {
    middlewares.StrictRobotsTxtMiddleware: RobotsTxtMiddleware,
    middlewares.SizeGuardedCompressionMiddleware: HttpCompressionMiddleware,
}
"""Scrapy's middlewares that the project's subclasses stand in for."""
STOP_AT_ONCE: dict[type, int] = {
    # A stop asked for drops the queued requests instead of waiting for their turn.
    guards.StopAtOnce: 700,
}
"""The extension, in its order among the crawl's, that a stop needs to end at once."""
