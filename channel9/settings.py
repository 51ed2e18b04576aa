"""Scrapy settings of the channel9 project.

Only values that differ from Scrapy's defaults are set, each with the reason. The
project's components and its own ``CHANNEL9_*`` settings come with its add-on
(:mod:`channel9.addon`), where their defaults are explained.
"""

from __future__ import annotations

BOT_NAME = "channel9"
SPIDER_MODULES = ["channel9.spiders"]
NEWSPIDER_MODULE = "channel9.spiders"
# `scrapy crawl` with an exit status that tells a failed run, `scrapy dataset`, `scrapy runs`.
COMMANDS_MODULE = "channel9.commands"
# The project's middlewares, pipelines, extensions, exporter and setting defaults.
ADDONS = {"channel9.addon.Channel9": 0}

# Say who is crawling and where to reach the maintainers, as polite crawlers do.
USER_AGENT = "channel9-dataset-crawler/0.1 (+https://github.com/channel9-dataset/channel9)"
# Obey the site's robots.txt.
ROBOTSTXT_OBEY = True
# A news site shared with its readers: two requests at a time, a second apart at least...
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
# ...and slower still when the site answers slowly.
AUTOTHROTTLE_ENABLED = True
# Start no faster than the fixed delay.
AUTOTHROTTLE_START_DELAY = 1.0
# An article page is a few hundred KB; anything past 10 MB is not one.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
# Warn early about pages far larger than an article.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# An unanswered request is abandoned (and retried) after a minute, not three.
DOWNLOAD_TIMEOUT = 60
# Transient server errors get more tries than Scrapy's 2.
RETRY_TIMES = 4
# No listening port is opened by a crawl.
TELNETCONSOLE_ENABLED = False
# No listening port, and no code run from outside the process.
REMOTE_CONTROL_ENABLED = False
# INFO is what a scheduled run's log needs; DEBUG logs every request.
LOG_LEVEL = "INFO"
# Indonesian text as it is, not \u-escaped.
FEED_EXPORT_ENCODING = "utf-8"
# A scheduled run that finds nothing new leaves no empty file behind (its report says so).
FEED_STORE_EMPTY = False
# A page yields one article (or a few links) and the pipelines are synchronous: Scrapy's
# default of 100 starts 100 asyncio tasks per response for nothing (a quarter of the CPU).
CONCURRENT_ITEMS = 1
# Scrapy re-reads and re-parses a callback's source at every response to warn of a
# generator that returns a value (its cache keeps bound methods weakly): a tenth of the
# CPU of a crawl for a mistake a test pins instead (tests/crawl/test_crawl.py).
WARN_ON_GENERATOR_RETURN_VALUE = False
