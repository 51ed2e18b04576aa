"""The run's metrics for Prometheus, in a file node_exporter's textfile collector reads.

At the end of every run, failed ones too, ``CHANNEL9_METRICS_FILE`` (off when empty) is
replaced whole by the run's metrics, written with the official client library: what a
dashboard and an alert rule read where a person would read the report. What is not the
last run's (the last success, the newest article) is carried over from the file the run
before wrote, so that it survives failed runs and runs that find nothing new.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from channel9 import signals as channel9_signals
from channel9.run.checks import WARNINGS
from channel9.run.report import RunReport

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

CARRIED = ("channel9_last_success_timestamp_seconds", "channel9_newest_article_timestamp_seconds")
"""The metrics a run takes from the file before when it has no newer value of its own."""


class RunMetrics:
    """Writes ``CHANNEL9_METRICS_FILE`` once the run's report is written (``run_reported``).

    A file that cannot be written is said in the log as an error and does not fail the run:
    the articles are written, and the missing or stale file is what the monitoring sees
    (``channel9_run_start_timestamp_seconds`` stops moving)."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("CHANNEL9_METRICS_FILE")
        if not path:
            raise NotConfigured  # off, as asked: no WARNING for it
        if crawler.settings.get("CHANNEL9_REPLAY"):
            # The metrics are of the site's runs: a replay would replace the last one's.
            raise NotConfigured("a replay writes no metrics: they are of the runs of the site")
        extensions = build_component_list(crawler.settings.getwithbase("EXTENSIONS"))
        if not any(issubclass(load_object(each), RunReport) for each in extensions):
            raise NotConfigured("RunReport is turned off: no metrics, which give its counts")
        metrics = cls(crawler, Path(path))
        crawler.signals.connect(metrics.run_reported, signal=channel9_signals.run_reported)
        return metrics

    def run_reported(
        self, problems: list[str], written: int, failed: int, field_fill: dict[str, float], **_: Any
    ) -> None:
        finished = datetime.now(timezone.utc)
        try:
            self.write(self.registry(problems, written, failed, field_fill, finished))
        except OSError as error:
            logger.error("The metrics file %s could not be written: %s", self.path, error)
        else:
            logger.info("Metrics: %s", self.path)

    def registry(
        self,
        problems: list[str],
        written: int,
        failed: int,
        field_fill: dict[str, float],
        finished: datetime,
    ) -> CollectorRegistry:
        """The run's metrics, those it carries over from the file before included."""
        # Imported here: a crawl without a metrics file does without it.
        from prometheus_client import CollectorRegistry

        report = self.crawler.get_extension(RunReport)
        assert report is not None  # it sent run_reported
        stats = report.stats()
        before = carried(self.path)
        registry = CollectorRegistry()
        gauge = partial(set_gauge, registry)
        success = not problems
        reemitted = int(stats.get("channel9/reemitted", 0))
        gauge(
            "channel9_run_success",
            "1 if the last run succeeded (exit status 0), else 0",
            {(): success},
        )
        gauge(
            "channel9_run_warning",
            "1 for each check of its history the last run warned of, else 0",
            {(check.__name__,): check.__name__ in report.warnings for check in WARNINGS},
            labels=("check",),
        )
        gauge(
            "channel9_run_start_timestamp_seconds",
            "When the last run started, in seconds since the epoch",
            {(): datetime.fromisoformat(report.started_at).timestamp()},
        )
        gauge(
            "channel9_run_duration_seconds",
            "How long the last run took",
            {(): finished.timestamp() - datetime.fromisoformat(report.started_at).timestamp()},
        )
        last_success = finished.timestamp() if success else before.get(CARRIED[0])
        gauge(
            CARRIED[0],
            "When the last run that succeeded ended, in seconds since the epoch",
            {} if last_success is None else {(): last_success},
        )
        gauge(
            "channel9_articles_new",
            "Articles the last run wrote for the first time",
            {(): written - reemitted},
        )
        gauge(
            "channel9_articles_reemitted",
            "Articles the last run wrote again, as their content had changed",
            {(): reemitted},
        )
        gauge("channel9_articles_failed", "Pages of the last run that failed", {(): failed})
        prefix = "downloader/response_status_count/"
        gauge(
            "channel9_responses",
            "Responses of the last run, by HTTP status",
            {
                (key[len(prefix) :],): count
                for key, count in stats.items()
                if key.startswith(prefix)
            },
            ("code",),
        )
        gauge(
            "channel9_field_fill_ratio",
            "The share of the last run's articles with a value in each field",
            {(name,): share for name, share in field_fill.items()},
            ("field",),
        )
        backfill = report.backfill() or {}
        gauge(
            "channel9_backfill_complete",
            "1 once every door of the site (listings, feed, sitemaps) was read to its end",
            {(): bool(backfill["complete"])} if backfill else {},
        )
        gauge(
            "channel9_backfill_doors_complete",
            "Doors (listings, feed, sitemaps) read to their end",
            {(): backfill["doors_complete"]} if backfill else {},
        )
        gauge(
            "channel9_backfill_doors_known",
            "Doors (listings, feed, sitemaps) the crawl knows",
            {(): backfill["doors_known"]} if backfill else {},
        )
        gauge(
            "channel9_archive_bytes",
            "Bytes the last run wrote to the archive",
            {(): sum(report.archive.values())},
        )
        # This run's, the crawl state's, or the file's before; never one dated later than now
        # (a file an earlier version wrote may hold one).
        known = (report.newest, report.baseline.newest if report.baseline else None)
        moments = [moment.timestamp() for moment in known if moment is not None]
        moments.append(before.get(CARRIED[1], math.nan))
        newest = max((moment for moment in moments if moment <= finished.timestamp()), default=None)
        gauge(
            CARRIED[1],
            "When the newest article the crawl exported was published",
            {} if newest is None else {(): newest},
        )
        gauge(
            "channel9_newest_article_age_seconds",
            "How old the newest article the crawl exported was when the last run ended",
            {} if newest is None else {(): finished.timestamp() - newest},
        )
        return registry

    def write(self, registry: CollectorRegistry) -> None:
        """Replaces the file whole: a temporary file renamed over it, as the client writes."""
        from prometheus_client import write_to_textfile

        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(self.path), registry)


def set_gauge(
    registry: CollectorRegistry,
    name: str,
    meaning: str,
    values: dict[tuple[str, ...], float],
    labels: tuple[str, ...] = (),
) -> None:
    """A gauge with a value for each set of ``labels`` values; none without values (a
    metric not known yet is absent, not 0)."""
    from prometheus_client import Gauge

    if not values:
        return
    metric = Gauge(name, meaning, labels, registry=registry)
    for key, value in sorted(values.items()):
        (metric.labels(*key) if labels else metric).set(value)


def carried(path: Path) -> dict[str, float]:
    """The values of :data:`CARRIED` in the file a run before wrote; none from a file
    that is not there or does not parse (said in the log)."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        logger.warning("The metrics file before (%s) could not be read: %s", path, error)
        return {}
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as error:
        logger.warning("The metrics file before (%s) does not parse: %s", path, error)
        return {}
    return {
        sample.name: sample.value
        for family in families
        for sample in family.samples
        if sample.name in CARRIED
    }
