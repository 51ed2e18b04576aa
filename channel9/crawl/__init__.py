"""Crawling: the spider's arguments, the doors into the site and the downloader's guards.

The spider itself lives where Scrapy looks for it (:mod:`channel9.spiders`); what it is
worth following is the incremental middleware's to decide (:mod:`channel9.incremental`).

- :mod:`~channel9.crawl.arguments`: the spider's arguments, read and checked in one place.
- :mod:`~channel9.crawl.discovery`: what the feeds and sitemaps name.
- :mod:`~channel9.crawl.middlewares`: backoff and ``Retry-After``, the redirect and
  gzip-bomb guards, robots.txt per RFC 9309, callback errors as failures.
- :mod:`~channel9.crawl.guards`: the circuit breaker for a site that looks down, and a
  stop that drops the queued requests.
- :mod:`~channel9.crawl.network`: the downloader middlewares between the crawl and the
  site, in their order, for the crawl, ``scrapy extract`` and the health check.
- :mod:`~channel9.crawl.check`: the health check (``-a check=1``), one page of each door.
- :mod:`~channel9.crawl.responses`: what a response is.
"""
