"""The project's add-on: its components and the defaults of its ``CHANNEL9_*`` settings,
in one place, so that every component finds the settings it reads whatever the settings
module (a test's ``get_crawler``, a Scrapyd egg, another project)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.settings import SETTINGS_PRIORITIES

from channel9 import archive, guards, middlewares, pipelines
from channel9.dates import zone_named
from channel9.failures import StartupError
from channel9.incremental.extension import CrawlStateExtension
from channel9.incremental.middleware import IncrementalMiddleware
from channel9.output import EXPORTERS, ExportedItems, OutputLocation
from channel9.paths import DATA_DIR, IN_DATA_DIR, data_path
from channel9.progress import CrawlProgress
from channel9.report import RunReport

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

@dataclass(frozen=True)
class Setting:
    """A ``CHANNEL9_*`` setting's default and what it means, in one line: the reference
    of the settings shows it, so that it is said in one place."""

    default: str | int | float
    meaning: str


SETTINGS = {
    "CHANNEL9_DATA_DIR": Setting(
        DATA_DIR,
        "where everything the project writes goes: run files, run reports, the crawl state,"
        " the archive; relative to the folder the crawl starts in (give Scrapyd an absolute"
        " one)",
    ),
    "CHANNEL9_ARCHIVE_MAX_BYTES": Setting(
        1_000_000_000,
        "a new archive file once one has this many bytes (archive tools prefer ~1 GB files)",
    ),
    "CHANNEL9_OVERLAP_PAGES": Setting(
        1,
        "listing pages walked past the first that brings nothing new (listings are not"
        " always strictly newest first)",
    ),
    "CHANNEL9_GIVE_UP_AFTER_RUNS": Setting(
        3,
        "a page that failed for a reason that asking again will not mend (404, 410,"
        " off-site, not HTML, too large) is given up after failing in this many runs",
    ),
    "CHANNEL9_BACKOFF_BASE": Setting(
        0.5,
        "seconds of backoff after a 429 or 5xx without `Retry-After`: 0.5 s, 1 s, 2 s..."
        " by retry",
    ),
    "CHANNEL9_MAX_BACKOFF": Setting(
        60.0,
        "the longest backoff in seconds, which also caps what `Retry-After` may ask",
    ),
    "CHANNEL9_TIMEZONE": Setting(
        "Asia/Jakarta",
        "the site's time zone (an IANA name): the day of publication is told in it, and a"
        " date that names no zone is read in it; Channel9.id writes Jakarta time",
    ),
    "CHANNEL9_CONTENT_RETRIES": Setting(
        2,
        "tries again of a page served whole but without content (challenge, error page,"
        " cut body)",
    ),
    "CHANNEL9_MAX_FAILED_SHARE": Setting(
        0.1,
        "a run fails (exit status 1) when more than this share of its pages failed",
    ),
    "CHANNEL9_MIN_COMPLETE_SHARE": Setting(
        0.8,
        "a run fails when fewer than this share of its items have a title, a date and"
        " text, once it has `CHANNEL9_QUALITY_MIN_ITEMS` items (a changed layout shows"
        " this way)",
    ),
    "CHANNEL9_QUALITY_MIN_ITEMS": Setting(
        20,
        "the items a run (or the last healthy run) needs before the share of complete"
        " items or of a field's fill is judged",
    ),
    "CHANNEL9_MAX_NOT_ARTICLE_SHARE": Setting(
        0.2,
        "a run fails when more than this share of the pages linked as articles are not"
        " recognised as articles (they are failures, asked for again by the next run)",
    ),
    "CHANNEL9_FIELD_MOST": Setting(
        0.7,
        "a field that the last healthy run filled for at least this share of its articles"
        " is watched: markup changed under it when this run fills it for at most"
        " `CHANNEL9_FIELD_FEW`",
    ),
    "CHANNEL9_FIELD_FEW": Setting(
        0.3,
        "a watched field filled for at most this share of the run's articles fails the"
        " run, when chance would give so few less than `CHANNEL9_FIELD_DROP_CHANCE` of the"
        " time (those articles are fetched again by the next run)",
    ),
    "CHANNEL9_FIELD_DROP_CHANCE": Setting(
        0.001,
        "how unlikely by chance a field's drop must be to fail the run (0 of 5 after 85%:"
        " 0.008%)",
    ),
    "CHANNEL9_REPEATED_PAGES": Setting(
        3,
        "a listing walk stops when this many pages in a row bring only articles the walk"
        " already saw (endless pagination: page N+1 showing page N again)",
    ),
    "CHANNEL9_DOWN_AFTER": Setting(
        20,
        "the run stops, failed, after this many requests in a row failed: the site looks"
        " down",
    ),
    "CHANNEL9_PROGRESS_INTERVAL": Setting(
        60.0,
        "seconds between two lines of the crawl's progress (pages fetched, articles"
        " written, pages to fetch, failed, the time left once known); 0, none",
    ),
}
"""The settings the add-on gives a default, each with what it means."""
DEFAULTS = {name: setting.default for name, setting in SETTINGS.items()}
ELSEWHERE = {
    "CHANNEL9_OUTPUT": "the run's file when no `-o`/`-O` is given: each run writes a new"
    " one, never appending to an earlier one",
    "CHANNEL9_STATE": "the crawl state: what earlier runs exported, what is to fetch;"
    " empty, no state (every run full, nothing recorded)",
    "CHANNEL9_ARCHIVE": "the folder of the WARC files that keep every response, so that the"
    " dataset can be rebuilt from them (`-a replay=`); empty, no archive",
    "CHANNEL9_REPLAY": "set by the spider's `replay` argument, not by hand",
}
"""What the settings without a default here mean: the paths under ``CHANNEL9_DATA_DIR``
(:data:`channel9.paths.IN_DATA_DIR`) and the replay."""
KNOWN = frozenset({*DEFAULTS, *IN_DATA_DIR, "CHANNEL9_REPLAY"})
"""The project's settings (``CHANNEL9_REPLAY`` is the spider's ``replay`` argument): any
other ``CHANNEL9_*`` setting is a typo, refused rather than left unread."""


@dataclass(frozen=True)
class Range:
    """What a number setting may be: a finite number from ``low`` to ``high``, a whole one
    when ``whole``; ``said`` says which."""

    said: str
    low: float
    high: float = math.inf
    whole: bool = False

    def holds(self, settings: BaseSettings, name: str) -> bool:
        """Whether the setting, read as its components read it, is in the range (a whole
        number is read with ``getint``, which takes neither ``2.0`` nor ``1e3``)."""
        read = settings.getint if self.whole else settings.getfloat
        try:
            number = read(name)
        except ValueError:
            return False
        return math.isfinite(number) and self.low <= number <= self.high


SHARE = Range("a share from 0 to 1", 0, 1)
COUNT = Range("a whole number, 0 or more", 0, whole=True)
AT_LEAST_ONE = Range("a whole number, 1 or more", 1, whole=True)
SECONDS = Range("a number of seconds, 0 or more", 0)
NUMBERS = {
    "CHANNEL9_ARCHIVE_MAX_BYTES": AT_LEAST_ONE,
    "CHANNEL9_OVERLAP_PAGES": COUNT,
    "CHANNEL9_GIVE_UP_AFTER_RUNS": COUNT,
    "CHANNEL9_BACKOFF_BASE": SECONDS,
    "CHANNEL9_MAX_BACKOFF": SECONDS,
    "CHANNEL9_CONTENT_RETRIES": COUNT,
    "CHANNEL9_MAX_FAILED_SHARE": SHARE,
    "CHANNEL9_MIN_COMPLETE_SHARE": SHARE,
    "CHANNEL9_QUALITY_MIN_ITEMS": COUNT,
    "CHANNEL9_MAX_NOT_ARTICLE_SHARE": SHARE,
    "CHANNEL9_FIELD_MOST": SHARE,
    "CHANNEL9_FIELD_FEW": SHARE,
    "CHANNEL9_FIELD_DROP_CHANCE": SHARE,
    "CHANNEL9_REPEATED_PAGES": AT_LEAST_ONE,
    "CHANNEL9_DOWN_AFTER": AT_LEAST_ONE,
    "CHANNEL9_PROGRESS_INTERVAL": SECONDS,
}
"""The range of every number among the ``DEFAULTS``: a negative count, a share past 1 or
NaN would not fail, only make the run do something else than asked."""
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
ARCHIVE = 950
"""Nearest the network: the archive sees the body as sent and every answer, and with
``-a replay=`` the archive answers in its place."""
REPLACED = {
    middlewares.StrictRobotsTxtMiddleware: RobotsTxtMiddleware,
    middlewares.SizeGuardedCompressionMiddleware: HttpCompressionMiddleware,
}
"""Scrapy's middlewares that the project's subclasses stand in for."""
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
    # A stop asked for drops the queued requests instead of waiting for their turn.
    guards.StopAtOnce: 700,
    # A line of progress at a steady interval, in place of Scrapy's LogStats.
    CrawlProgress: 800,
}


class BadSetting(StartupError):
    """A ``CHANNEL9_*`` setting that cannot be used as given."""


class Channel9:
    """Add-on (``ADDONS``): wires the project's middlewares, pipelines, extensions and
    exporter, and gives its settings their defaults at add-on priority."""

    def update_settings(self, settings: BaseSettings) -> None:
        check_names(settings)
        for name, value in DEFAULTS.items():
            settings.set(name, value, priority="addon")
        for name, allowed in NUMBERS.items():
            given = settings[name]
            try:
                settings.getfloat(name)
            except ValueError:
                raise BadSetting(f"{name}={given!r} is not a number") from None
            if not allowed.holds(settings, name):
                raise BadSetting(f"{name}={given!r} is not {allowed.said}")
        try:
            zone_named(settings["CHANNEL9_TIMEZONE"])
        except ValueError:
            raise BadSetting(
                f"CHANNEL9_TIMEZONE={settings['CHANNEL9_TIMEZONE']!r} is not a time zone"
                " (an IANA name, such as Asia/Jakarta)"
            ) from None
        for name in IN_DATA_DIR:
            settings.set(name, data_path(settings, name), priority="addon")
        archiving: type = archive.ArchiveMiddleware
        if settings.get("CHANNEL9_REPLAY"):
            archiving = archive.ReplayMiddleware
            for name, value in REPLAY.items():
                settings.set(name, value, priority="spider")
        elif settings.get("CHANNEL9_ARCHIVE") and settings.getbool("HTTPCACHE_ENABLED"):
            # Refused here, before the crawl state and the output are opened.
            raise archive.ArchiveUnusable(
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
        exporters = settings.getdict("FEED_EXPORTERS")
        exporters.update(EXPORTERS)
        priority = max(settings.getpriority("FEED_EXPORTERS") or 0, SETTINGS_PRIORITIES["addon"])
        settings.set("FEED_EXPORTERS", exporters, priority=priority)
        if not settings.getdict("FEEDS"):
            feed = {"format": "jsonlines", "encoding": "utf-8"}
            output = settings["CHANNEL9_OUTPUT"]
            if settings.get("CHANNEL9_REPLAY"):
                # Beside the run files, not among them: `scrapy dataset` reads those.
                output = str(Path(output).parent / "replay-%(run_id)s.jsonl")
            settings.set("FEEDS", {output: feed}, priority="addon")


def check_names(settings: BaseSettings) -> None:
    """Refuses a ``CHANNEL9_*`` setting the project does not know, in any case: a typo
    (``CHANNEL9_DATA_DIRR``) would leave the setting meant at its default, unsaid."""
    prefix = "CHANNEL9_"
    for name in sorted(settings):
        if name.upper().startswith(prefix) and name not in KNOWN:
            # Compared without the prefix, which every name shares.
            tails = [known.removeprefix(prefix) for known in sorted(KNOWN)]
            close = get_close_matches(name.upper().removeprefix(prefix), tails, n=1)
            hint = (
                f"did you mean {prefix}{close[0]}?"
                if close
                else "not one of the project's settings (see channel9/addon.py and"
                " channel9/paths.py)"
            )
            raise BadSetting(f"unknown setting {name}: {hint}")
