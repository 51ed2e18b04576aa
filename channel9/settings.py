"""Scrapy settings of the channel9 project.

Only values that differ from Scrapy's defaults are set, each with the reason.
"""

from __future__ import annotations

BOT_NAME = "channel9"
SPIDER_MODULES = ["channel9.spiders"]
NEWSPIDER_MODULE = "channel9.spiders"
# `scrapy crawl` with an exit status that tells a failed run, and `scrapy dataset`.
COMMANDS_MODULE = "channel9.commands"

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
# robots.txt per RFC 9309 (a 5xx disallows the site for the run); Retry-After honoured,
# with the whole site slowed down after a 429 or 5xx; off-site and looping redirects
# counted as failures instead of dropped silently.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "channel9.middlewares.StrictRobotsTxtMiddleware": 100,
    "channel9.middlewares.BackoffMiddleware": 560,
    "channel9.middlewares.RedirectGuardMiddleware": 610,
}
# Backoff after a 429 or 5xx without Retry-After: 0.5 s, 1 s, 2 s... by retry, at most
# CHANNEL9_MAX_BACKOFF, which also caps what Retry-After may ask.
CHANNEL9_BACKOFF_BASE = 0.5
CHANNEL9_MAX_BACKOFF = 60.0
# Transient server errors get more tries than Scrapy's 2.
RETRY_TIMES = 4
# Pages served whole but without content (challenge, error page, cut body): tries again.
CHANNEL9_CONTENT_RETRIES = 2
# No listening port is opened by a crawl.
TELNETCONSOLE_ENABLED = False
# No listening port, and no code run from outside the process.
REMOTE_CONTROL_ENABLED = False
# INFO is what a scheduled run's log needs; DEBUG logs every request.
LOG_LEVEL = "INFO"

# Each run writes a new file (the run's start time names it), never appending to an
# earlier one; -o/-O or FEEDS replace it.
CHANNEL9_OUTPUT = "data/%(name)s-%(run_id)s.jsonl"
ADDONS = {"channel9.output.DefaultFeed": 0}
# Indonesian text as it is, not \u-escaped.
FEED_EXPORT_ENCODING = "utf-8"
# A scheduled run that finds nothing new leaves no empty file behind (its report says so).
FEED_STORE_EMPTY = False
# JSON Lines flushed line by line: an article counts as exported only once it is written.
FEED_EXPORTERS = {
    "jsonlines": "channel9.output.JsonLinesExporter",
    "jsonl": "channel9.output.JsonLinesExporter",
}

# The crawl state: what earlier runs exported, what failed. Empty: no state, every run full.
CHANNEL9_STATE = "data/channel9-state.sqlite3"
# Listing pages walked past the first that brings nothing new (listings are not always
# strictly newest first).
CHANNEL9_OVERLAP_PAGES = 1
# A run fails (exit status 1) when more than this share of its pages failed...
CHANNEL9_MAX_FAILED_SHARE = 0.1
# ...or when fewer than this share of its items have a title, a date and text, once it
# has at least CHANNEL9_QUALITY_MIN_ITEMS items (a changed page layout shows this way).
CHANNEL9_MIN_COMPLETE_SHARE = 0.8
CHANNEL9_QUALITY_MIN_ITEMS = 20

# A page yields one article (or a few links) and the pipelines are synchronous: Scrapy's
# default of 100 starts 100 asyncio tasks per response for nothing (a quarter of the CPU).
CONCURRENT_ITEMS = 1

# Drop what is no article first, so that the later pipelines see only articles.
ITEM_PIPELINES = {
    "channel9.pipelines.RequiredFieldsPipeline": 100,
    "channel9.pipelines.DuplicatesPipeline": 200,
    "channel9.pipelines.UnchangedPipeline": 250,
    "channel9.pipelines.PublishedDatePipeline": 300,
    "channel9.pipelines.SincePipeline": 400,
}
# Say at the end where the output went; keep the crawl state and the run report. The
# ledger comes after Scrapy's feed exporter, so that it records items already written.
EXTENSIONS = {
    "channel9.output.OutputLocation": 500,
    "channel9.extensions.RunLedger": 600,
}
