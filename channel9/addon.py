"""The project's add-on: its components, and the defaults of its ``CHANNEL9_*`` settings
(:mod:`channel9.defaults`), in one place, so that every component finds the settings it
reads whatever the settings module (a test's ``get_crawler``, a Scrapyd egg, another
project)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.settings import SETTINGS_PRIORITIES

from channel9 import pipelines
from channel9.archive.middleware import ArchiveMiddleware
from channel9.archive.replay import ReplayMiddleware
from channel9.archive.warc import ArchiveUnusable
from channel9.crawl import middlewares
from channel9.crawl.gc_threshold import GcThreshold
from channel9.crawl.network import DOWNLOADER_MIDDLEWARES, REPLACED, STOP_AT_ONCE

# SETTINGS, ELSEWHERE, KNOWN and NUMBERS are read here by the reference of the settings
# (docs/hooks/reference.py) and by the tests, DEFAULTS and BadSetting by the tests.
from channel9.defaults import DEFAULTS as DEFAULTS
from channel9.defaults import ELSEWHERE as ELSEWHERE
from channel9.defaults import KNOWN as KNOWN
from channel9.defaults import NUMBERS as NUMBERS
from channel9.defaults import SETTINGS as SETTINGS
from channel9.defaults import BadSetting as BadSetting
from channel9.defaults import check_settings
from channel9.incremental.extension import CrawlStateExtension
from channel9.incremental.middleware import IncrementalMiddleware
from channel9.paths import IN_DATA_DIR, data_path
from channel9.run.metrics import RunMetrics
from channel9.run.output import EXPORTERS, STORAGES, ExportedItems, OutputLocation
from channel9.run.progress import CrawlProgress
from channel9.run.report import RunReport

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

REPLAY = {
    # No network at all: robots.txt was obeyed when the pages were fetched.
    "ROBOTSTXT_OBEY": False,
    # Asking the archive again gives the same answer, an error or a page without content.
    "RETRY_ENABLED": False,
    "CHANNEL9_CONTENT_RETRIES": 0,
    # The archive answers, not a cache in front of it.
    "HTTPCACHE_ENABLED": False,
}
"""Settings of a replay (``-a replay=PATH``), over the project's but under ``-s``."""
ARCHIVE = 950
"""Nearest the network: the archive sees the body as sent and every answer, and with
``-a replay=`` the archive answers in its place."""
SPIDER_MIDDLEWARES = {
    # A callback that raised is a failure of its page, not a line in the log.
    middlewares.CallbackErrorMiddleware: 45,
    # The coverage ledger and the walk rules: what is worth following. Nearer the spider
    # than Scrapy's URL length filter (800), which would drop a long link unnamed, and
    # its depth middleware (900).
    IncrementalMiddleware: 950,
}
ITEM_PIPELINES = {
    # Drop what is no article first, so that the later pipelines see only articles.
    pipelines.RequiredFieldsPipeline: 100,
    pipelines.DuplicatesPipeline: 200,
    pipelines.UnchangedPipeline: 250,
}
EXTENSIONS = {
    # Say at the end where the output went.
    OutputLocation: 500,
    # An item is exported once every feed wrote it: after Scrapy's feed exporter (0).
    ExportedItems: 550,
    # The report before the state: the state records the report's verdict.
    RunReport: 600,
    CrawlStateExtension: 610,
    # The run's metrics for Prometheus, from the report's counts.
    RunMetrics: 620,
    **STOP_AT_ONCE,
    # A line of progress at a steady interval, in place of Scrapy's LogStats. After the
    # report (600), so that the last line reads the report's final counts; after Scrapy's
    # CoreStats (0), so that the run's finish_time is set when the rates are measured.
    CrawlProgress: 800,
    # Python's garbage collector runs less often while the engine runs: it took a tenth
    # of the CPU of a crawl of real-size pages.
    GcThreshold: 900,
}


class Channel9:
    """Add-on (``ADDONS``): wires the project's middlewares, pipelines, extensions and
    exporter, and gives its settings their defaults at add-on priority."""

    def update_settings(self, settings: BaseSettings) -> None:
        check_settings(settings)
        for name, value in DEFAULTS.items():
            settings.set(name, value, priority="addon")
        for name in IN_DATA_DIR:
            settings.set(name, data_path(settings, name), priority="addon")
        archiving: type = ArchiveMiddleware
        if settings.get("CHANNEL9_REPLAY"):
            archiving = ReplayMiddleware
            for name, value in REPLAY.items():
                settings.set(name, value, priority="spider")
        elif settings.get("CHANNEL9_ARCHIVE") and settings.getbool("HTTPCACHE_ENABLED"):
            # Refused here, before the crawl state and the output are opened.
            raise ArchiveUnusable(
                "HTTPCACHE_ENABLED answers from the HTTP cache, so the archive would not hold"
                " the pages the crawl used: turn one of them off (CHANNEL9_ARCHIVE=)"
            )
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", archiving, ARCHIVE)
        for replaced in REPLACED.values():
            settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", replaced, None)
        for name, components in (
            ("DOWNLOADER_MIDDLEWARES", DOWNLOADER_MIDDLEWARES),
            ("SPIDER_MIDDLEWARES", SPIDER_MIDDLEWARES),
            ("ITEM_PIPELINES", ITEM_PIPELINES),
            ("EXTENSIONS", EXTENSIONS),
        ):
            for component, order in components.items():
                settings.set_in_component_priority_dict(name, component, order)
        # Each item flushed as written; each local feed file told to the run.
        for name, own in (("FEED_EXPORTERS", EXPORTERS), ("FEED_STORAGES", STORAGES)):
            merged = {**settings.getdict(name), **own}
            priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
            settings.set(name, merged, priority=priority)
        if not settings.getdict("FEEDS"):
            feed = {"format": "jsonlines", "encoding": "utf-8"}
            output = settings["CHANNEL9_OUTPUT"]
            if settings.get("CHANNEL9_REPLAY"):
                # Beside the run files, not among them: `scrapy dataset` reads those.
                output = str(Path(output).parent / "replay-%(run_id)s.jsonl")
            settings.set("FEEDS", {output: feed}, priority="addon")
        # The progress line (CrawlProgress) gives LogStats' counts and more: one line, not
        # two. At add-on priority, so that -s LOGSTATS_INTERVAL=60 brings it back.
        settings.set("LOGSTATS_INTERVAL", 0, priority="addon")
