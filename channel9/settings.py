"""Scrapy settings of the channel9 project.

Only values that differ from Scrapy's defaults are set, each with the reason.
"""

from __future__ import annotations

BOT_NAME = "channel9"
SPIDER_MODULES = ["channel9.spiders"]
NEWSPIDER_MODULE = "channel9.spiders"

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

# Drop what is no article first, so that the later pipelines see only articles.
ITEM_PIPELINES = {
    "channel9.pipelines.RequiredFieldsPipeline": 100,
    "channel9.pipelines.DuplicatesPipeline": 200,
    "channel9.pipelines.PublishedDatePipeline": 300,
}
# Say at the end where the output went.
EXTENSIONS = {
    "channel9.output.OutputLocation": 500,
}
