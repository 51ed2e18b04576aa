"""The run report: what a run did, what failed, and the verdict the exit status gives."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import fields
from datetime import datetime, time, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter

from channel9 import signals as channel9_signals
from channel9.archive.middleware import ArchiveMiddleware
from channel9.archive.replay import ReplayMiddleware
from channel9.failures import asked_for
from channel9.items import Article, utc_now
from channel9.paths import data_dir
from channel9.run.checks import CHECKS, KNOWN_MARKUP, WARNINGS
from channel9.run.output import output_paths, set_aside_broken_tail
from channel9.site import zone_named

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

    from channel9.run.baseline import Baseline

logger = logging.getLogger(__name__)

Middleware = TypeVar("Middleware")
# Where Scrapy logs the errors it catches in signal handlers.
SIGNAL_LOGGER = logging.getLogger("scrapy.utils.signal")


class _SignalErrors(logging.Handler):
    """Keeps the errors Scrapy catches in signal handlers (a feed that could not write, a
    bug in an extension): Scrapy only logs them, and the run goes on as if all was well."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException | str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.errors.append(error or record.getMessage())


class RunReport:
    """Accounts for the run, with the crawl state or without it.

    At the end it decides whether the run failed and writes the report under
    ``CHANNEL9_DATA_DIR`` (one place, wherever the items went: Scrapyd's ``items_dir``
    prunes its folder); ``scrapy crawl`` exits 1 when :attr:`problems` is not empty.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.started_at = utc_now()
        self.run_id = self.started_at
        self.outputs: list[str] = []
        self.failed: dict[str, dict[str, Any]] = {}
        self.home_failures: list[str] = []
        self.unwritten: list[Exception] = []
        self.per_category: Counter[str] = Counter()
        self.complete = 0
        self.written = 0
        """Articles this run wrote (every feed wrote their line), the re-emitted ones
        included: the run record's ``written`` and the report's."""
        self.field_sources: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.filled: Counter[str] = Counter()
        self.filled_before: dict[str, float] = {}
        """The fields the last healthy run filled for most articles, and how many."""
        self.missing: defaultdict[str, list[str]] = defaultdict(list)
        """By field of ``filled_before``: this run's articles without it."""
        self.refetch: list[str] = []
        """Articles exported with a field that suddenly went missing: to fetch again."""
        self.dates: tuple[str, str] | None = None
        self.finish_reason = "shutdown"
        self.signal_errors = _SignalErrors()
        self.archive: dict[Path, int] = {}
        self.named: defaultdict[str, set[str]] = defaultdict(set)
        """By article: the doors (listings, feed, sitemap) that named it."""
        self.unavailable: list[dict[str, str]] = []
        self.walks: dict[str, dict[str, Any]] = {}
        self.first_run = True
        """Nothing was exported before (so with no crawl state too)."""
        self.problems: list[str] | None = None
        """Why the run failed, once it is over; empty when it did not."""
        self.baseline: Baseline | None = None
        """What the crawl state knew of the runs before (none without one)."""
        self.recent: set[str] = set()
        """This run's articles published in the hours the quiet-run check counts."""
        self.newest: datetime | None = None
        """When the latest article this run wrote was published."""
        self.warnings: dict[str, list[str]] = {}
        """What each of :data:`~channel9.run.checks.WARNINGS` found, once the run is over."""

    @cached_property
    def zone(self) -> tzinfo:
        """The site's time zone: the day an undated page's article starts in."""
        return zone_named(self.settings.get("CHANNEL9_TIMEZONE"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        report = cls(crawler)
        if crawler.crawling:  # built as the crawl starts: its first signal may fail already
            report.start_keeping_errors()
        crawler.signals.connect(report.start_keeping_errors, signal=signals.engine_started)
        crawler.signals.connect(report.stop_keeping_errors, signal=signals.engine_stopped)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.item_exported, signal=channel9_signals.item_exported)
        crawler.signals.connect(report.page_failed, signal=channel9_signals.page_failed)
        crawler.signals.connect(report.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(report.item_unwritten, signal=channel9_signals.item_unwritten)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(report.feeds_closed, signal=signals.feed_exporter_closed)
        crawler.signals.connect(report.articles_named, signal=channel9_signals.articles_named)
        crawler.signals.connect(
            report.source_unavailable, signal=channel9_signals.source_unavailable
        )
        crawler.signals.connect(report.history_read, signal=channel9_signals.history_read)
        crawler.signals.connect(report.walk_stopped, signal=channel9_signals.walk_stopped)
        return report

    def start_keeping_errors(self) -> None:
        """Keeps the errors of signal handlers from now on, once the crawl runs.

        Their logger is the process's: a crawler that never runs (a test's
        ``get_crawler()``) adds nothing to it, and one that ran leaves nothing behind."""
        SIGNAL_LOGGER.addHandler(self.signal_errors)

    def stop_keeping_errors(self) -> None:
        SIGNAL_LOGGER.removeHandler(self.signal_errors)

    def spider_opened(self, spider: Spider) -> None:
        self.run_id = getattr(spider, "run_id", self.started_at)
        self.outputs = output_paths(self.crawler)

    def history_read(
        self, first_run: bool, field_fill: dict[str, float] | None, baseline: Baseline
    ) -> None:
        """What the crawl state says of earlier runs: whether any exported, the fields
        the last healthy one filled for most articles, and what the runs' history holds."""
        self.first_run = first_run
        self.baseline = baseline
        most = self.settings.getfloat("CHANNEL9_FIELD_MOST")
        self.filled_before = {
            name: share for name, share in (field_fill or {}).items() if share >= most
        }

    def item_exported(self, item: Any, response: Response) -> None:
        self.written += 1
        adapter = ItemAdapter(item)
        sources = response.meta.get("field_sources", {})
        for name, source in sources.items():
            self.field_sources[name][source] += 1
        filled = {name: value not in (None, "", []) for name, value in adapter.items()}
        if "text" in sources:
            filled[KNOWN_MARKUP] = sources["text"] != "extractor"
        for name, value in filled.items():
            if value:
                self.filled[name] += 1
            elif name in self.filled_before:
                self.missing[name].append(adapter["url"])
        published = adapter.get("published_date")
        moment = published_moment(adapter, self.zone)
        crawled = adapter.get("crawled_at")
        if moment is not None and crawled and moment > datetime.fromisoformat(crawled):
            moment = None  # dated after it was fetched: a wrong date, not the newest news
        if moment is not None:
            self.newest = max(moment, self.newest or moment)
            baseline = self.baseline
            if baseline is not None and baseline.since < moment <= baseline.at:
                self.recent.add(adapter["url"])
        self.per_category[adapter.get("category") or ""] += 1
        if published:
            first, last = self.dates or (published, published)
            self.dates = (min(first, published), max(last, published))
        if adapter.get("title") and published and adapter.get("text"):
            self.complete += 1

    def articles_named(self, source: str, urls: list[str]) -> None:
        for url in urls:
            self.named[url].add(source)

    def walk_stopped(self, door: str, page: int, stop: str) -> None:
        """Where each listing walk of the run stopped, and why (the last, when a listing
        is walked twice: from page 1 and from where an earlier run stopped)."""
        self.walks[door] = {"page": page, "stop": stop}

    def source_unavailable(self, url: str, reason: str, door: str = "") -> None:
        self.unavailable.append({"url": url, "reason": reason, "door": door})

    def coverage(self) -> dict[str, Any]:
        """What each door into the site named, and the articles only one of them did
        (an article that no listing shows is worth knowing about)."""
        per_source: Counter[str] = Counter()
        for sources in self.named.values():
            per_source.update(sources)
        return {
            "named": dict(sorted(per_source.items())),
            "only_one_source": {
                url: next(iter(sources))
                for url, sources in sorted(self.named.items())
                if len(sources) == 1
            },
            "unavailable": self.unavailable,
        }

    def page_failed(
        self, url: str, reason: str, kind: str, counts: bool, tries: int = 1, door: str = ""
    ) -> None:
        entry = self.failed.setdefault(
            url, {"url": url, "reason": reason, "tries": 0, "earlier_failure": not counts}
        )
        entry["kind"] = kind
        entry["reason"] = reason
        entry["tries"] += tries
        if door:
            entry["door"] = door
        if kind == "home":
            self.home_failures.append(f"the home page {url} could not be used ({reason})")

    def item_dropped(self, item: Any, response: Response, exception: Exception) -> None:
        if getattr(exception, "failure", True) and response.request is not None:
            reason = getattr(exception, "reason", "dropped")
            queued = response.request.meta.get("queued", False)
            self.page_failed(asked_for(response.request), reason, "article", counts=not queued)

    def item_unwritten(self, item: Any, error: Exception) -> None:
        self.unwritten.append(error)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Scrapy stores the feeds after this signal: the run is judged once they are
        stored (``feed_exporter_closed``), since a feed that failed fails it."""
        self.finish_reason = reason
        if self.crawler.get_extension(FeedExporter) is None:
            self.close(reason)

    def feeds_closed(self) -> None:
        self.close(self.finish_reason)

    def close(self, reason: str) -> None:
        """Decides the verdict and writes the report, once (also after a forced stop)."""
        if self.problems is not None:
            return
        archive = self.archive_middleware()
        if archive is not None:
            self.archive = archive.close()
        self.problems = self.verdict(reason)
        if not self.settings.get("CHANNEL9_REPLAY"):  # an archive's past is no news of the site
            try:
                self.warnings = {
                    check.__name__: found for check in WARNINGS if (found := check(self, reason))
                }
            except Exception as broken:
                # A bug of the project's: the run fails, said, and its report is written.
                logger.exception("The checks of the run's history failed")
                self.problems.append(f"the checks of the run's history failed ({broken!r})")
        if not self.narrowed:
            self.refetch = sorted(
                {url for name in self.dropped_fields() for url in self.missing[name]}
            )
        if self.unwritten:
            # The exporter's buffer may have put part of a line on disk after the error.
            for output in self.outputs:
                with suppress(OSError):
                    set_aside_broken_tail(Path(output))
        if self.problems:
            logger.error("This run failed: %s", "; ".join(self.problems))
        for warning in self.warned():
            logger.warning("This run warns: %s", warning)
        try:
            path: Path | None = self.write_report(reason, self.problems)
        except OSError as unwritable:
            self.problems.append(f"the run report could not be written ({unwritable})")
            logger.error("This run failed: %s", self.problems[-1])
            path = None
        errors = len(self.signal_errors.errors)
        # Also when the command closes the report after the engine stopped (a forced stop).
        SIGNAL_LOGGER.addHandler(self.signal_errors)
        self.crawler.signals.send_catch_log(
            channel9_signals.run_reported,
            run_id=self.run_id,
            finish_reason=reason,
            report=path and str(path),
            problems=list(self.problems),
            written=self.written,
            failed=len(self.failed),
            # A run narrowed by its arguments is no measure of the fields of the site's.
            field_fill=self.field_fill() if self.written and not self.narrowed else {},
            refetch=self.refetch,
            warnings=self.warned(),
        )
        SIGNAL_LOGGER.removeHandler(self.signal_errors)
        if len(self.signal_errors.errors) > errors:
            # The crawl state could not record the run: the verdict said nothing yet.
            error = self.signal_errors.errors[errors]
            self.problems.append(f"the crawl state could not record the run ({error!r})")
            logger.error("This run failed: %s", self.problems[-1])
            with suppress(OSError):  # said already
                self.write_report(reason, self.problems)

    def verdict(self, reason: str) -> list[str]:
        """Why this run should count as failed (exit status non-zero), if it should: what
        each of :data:`~channel9.run.checks.CHECKS` finds, in their order."""
        return [problem for check in CHECKS for problem in check(self, reason)]

    def warned(self) -> list[str]:
        """What the run warns of, without failing: a quiet run, a stale site, blocking."""
        return [warning for found in self.warnings.values() for warning in found]

    def damaged(self) -> list[dict[str, object]]:
        """What a replay skipped as damaged in the archive (file, offset, why): the pages
        only those records held fail the replay as ``not_archived``."""
        replay = self._downloader_middleware(ReplayMiddleware)
        return list(replay.damaged) if replay is not None else []

    @property
    def narrowed(self) -> bool:
        """Whether the run chose part of the site: neither a measure of the site's
        fields nor to be measured against them."""
        args = getattr(self.crawler.spider, "args", None)
        return args is not None and bool(args.narrowed)

    def archive_middleware(self) -> ArchiveMiddleware | None:
        return self._downloader_middleware(ArchiveMiddleware)

    def _downloader_middleware(self, kind: type[Middleware]) -> Middleware | None:
        try:
            return self.crawler.get_downloader_middleware(kind)
        except RuntimeError:  # the crawl never got as far as its downloader
            return None

    def field_fill(self) -> dict[str, float]:
        """For each item field, the share of this run's articles that have a value; and
        under ``known_markup``, the share whose text the site's selectors read."""
        names = [*(field.name for field in fields(Article)), KNOWN_MARKUP]
        return {name: round(self.filled[name] / self.written, 3) for name in names}

    def dropped_fields(self) -> list[str]:
        """The fields that the last healthy run filled for most articles and this run for
        few (``CHANNEL9_FIELD_FEW``, unlikely by chance: ``CHANNEL9_FIELD_DROP_CHANCE``):
        the sign of a changed markup that still reads as articles."""
        if not self.written:
            return []
        few = self.settings.getfloat("CHANNEL9_FIELD_FEW")
        chance = self.settings.getfloat("CHANNEL9_FIELD_DROP_CHANCE")
        fill = self.field_fill()
        return [
            name
            for name, share in self.filled_before.items()
            if fill[name] <= few
            and chance_of_at_most(self.filled[name], self.written, share) < chance
        ]

    def write_report(self, reason: str, problems: list[str]) -> Path:
        stats = self.stats()
        report = {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": utc_now(),
            "finish_reason": reason,
            "failed_run": problems,
            "warnings": self.warned(),
            "output": self.outputs,
            "listing_pages_fetched": stats.get("channel9/fetched/listing", 0),
            "articles_fetched": stats.get("channel9/fetched/article", 0),
            "written": self.written,
            "skipped": {
                key.rsplit("/", 1)[-1]: value
                for key, value in stats.items()
                if key.startswith("channel9/skipped/")
            },
            "failed": len(self.failed),
            "failures": [
                {key: value for key, value in entry.items() if key != "kind"}
                for _, entry in sorted(self.failed.items())
            ],
            "items_per_category": dict(sorted(self.per_category.items())),
            "field_fill": self.field_fill() if self.written else {},
            "field_sources": {
                name: dict(sources.most_common())
                for name, sources in sorted(self.field_sources.items())
            },
            "published_date_range": list(self.dates) if self.dates else None,
            "requests": stats.get("downloader/request_count", 0),
            "coverage": self.coverage(),
            "walks": dict(sorted(self.walks.items())),
            "backfill": self.backfill(),
            "archive": [{"file": str(path), "bytes": size} for path, size in self.archive.items()],
            "archive_damaged": self.damaged(),
        }
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        path = data_dir(self.settings) / f"channel9-{self.run_id}.report.json"
        write_whole(path, text)
        logger.info("Run report: %s", path)
        return path

    def backfill(self) -> dict[str, Any] | None:
        """How far the runs have come through the site's archive (the crawl state's
        coverage ledger, by its stats); None without a crawl state."""
        prefix = "channel9/backfill/"
        stats = self.stats()
        progress = {
            key[len(prefix) :]: value for key, value in stats.items() if key.startswith(prefix)
        }
        return progress or None

    def summary(self) -> str:
        """What an ok run did, in a few words: the verdict's reason. The articles an earlier
        run exported and this one wrote again, changed, are told apart from the new."""
        reemitted = int(self.stats().get("channel9/reemitted", 0))
        said = f"{self.written - reemitted} new articles"
        if reemitted:
            said += f", {reemitted} changed since an earlier run exported them"
        extracted = self.field_sources["text"]["extractor"]
        if extracted:
            said += (
                f" ({extracted} read by the general extractor: markup the site's selectors do"
                " not know)"
            )
        said += "".join(f"; warning: {warning}" for warning in self.warned())
        backfill = self.backfill()
        if backfill and not backfill["complete"]:
            said += (
                f"; the backfill is not complete yet ({backfill['doors_complete']} of"
                f" {backfill['doors_known']} doors read to their end; the next runs go on)"
            )
        return said

    def stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()


def write_whole(path: Path, text: str) -> None:
    """Writes ``path`` whole or not at all (a full disk leaves no empty report behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def published_moment(item: Mapping[str, Any], zone: Any) -> datetime | None:
    """When the article was published: its moment, else the start of its day in the site's
    zone; None when undated."""
    if item.get("published_at"):
        return datetime.fromisoformat(item["published_at"])
    if item.get("published_date"):
        day = datetime.fromisoformat(item["published_date"]).date()
        return datetime.combine(day, time(), tzinfo=zone)
    return None


def chance_of_at_most(filled: int, articles: int, share: float) -> float:
    """The chance that at most ``filled`` of ``articles`` have a field (a binomial CDF).

    Each article has the field with probability ``share``, as in the last healthy run:
    a chance that small says the field did not drop by chance. Summed in logarithms: the
    terms of a run of a thousand articles overflow a float."""
    if share <= 0 or filled >= articles:
        return 1.0
    if share >= 1:
        return 0.0
    log_share, log_rest = math.log(share), math.log1p(-share)
    terms = [
        math.lgamma(articles + 1)
        - math.lgamma(k + 1)
        - math.lgamma(articles - k + 1)
        + k * log_share
        + (articles - k) * log_rest
        for k in range(filled + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(term - top) for term in terms))
