"""The crawl state kept through a run: what the signals of the crawl tell it, recorded."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from channel9 import signals as channel9_signals
from channel9.crawl.arguments import Arguments
from channel9.failures import StartupError, asked_for, stop_run
from channel9.incremental.store import (
    AlreadyRunning,
    Asked,
    Backfill,
    CrawlState,
    Door,
    Published,
    content_hash,
    record_refused,
)
from channel9.items import stamp, utc_now
from channel9.pages.urls import normalize
from channel9.reasons import ABSENT
from channel9.run.baseline import Baseline, Responses
from channel9.run.output import (
    batched_feeds,
    output_paths,
    replaced_files,
    set_aside_broken_tail,
    unread_feeds,
)
from channel9.run.report import published_moment
from channel9.site import zone_named

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class CrawlStateExtension:
    """Keeps the crawl state (``CHANNEL9_STATE``) through the run.

    An article counts as exported once every feed wrote its line (an item a feed could not
    write stays to fetch); a failed page is asked for again by later runs; a door counts as
    read to its end once everything it named is recorded. Opening the state takes its
    lock: a second run at the same time cannot start. The middleware
    (:class:`channel9.incremental.middleware.IncrementalMiddleware`) asks it what earlier
    runs did; the report hears of it by signals and stats, never by asking.
    """

    def __init__(self, crawler: Crawler, store: CrawlState) -> None:
        self.crawler = crawler
        self.store = store
        self.first_run = store.is_empty()
        self.give_up_after = crawler.settings.getint("CHANNEL9_GIVE_UP_AFTER_RUNS")
        self.zone = zone_named(crawler.settings.get("CHANNEL9_TIMEZONE"))
        self.redirected: dict[str, list[str]] = {}
        """URLs that redirected to an article fetched under its own URL too, by article."""
        self.run_id = ""
        self.backfill: Backfill | None = None
        """The ledger's summary as the run ended."""
        self.walked: set[str] = set()
        """The listings whose walks from page 1 finished in this run."""
        self.changed: set[str] = set()
        """Articles an earlier run exported that this run passed on to be written again,
        as they changed: each counts as re-emitted once written."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("CHANNEL9_STATE")
        if crawler.settings.get("CHANNEL9_REPLAY"):
            raise NotConfigured("a replay neither reads nor writes the crawl state")
        if not path:
            raise NotConfigured("CHANNEL9_STATE is empty: no crawl state")
        try:
            store = CrawlState(path)
        except AlreadyRunning as refused:
            record_refusal(crawler, Path(path), refused)
            raise
        if batched := batched_feeds(crawler.settings):
            store.close()
            raise StartupError(
                f"the feed {batched[0]} writes in batches, a file each, of which the crawl"
                " state would record the first alone (a dataset would leave the others'"
                " articles out): leave FEED_EXPORT_BATCH_ITEM_COUNT and batch_item_count unset"
            )
        if unread := unread_feeds(crawler.settings):
            store.close()
            raise StartupError(
                f"the feed {unread[0]} is in a form scrapy dataset does not read back: its"
                " articles would count as exported and reach no dataset. Write JSON lines"
                " (-O out.jsonl) or a JSON array of one item a line (-O out.json), and build"
                " the other formats from the runs (scrapy dataset -o out.csv)"
            )
        for replaced in replaced_files(crawler.settings, crawler.spider):
            # Refused before the feed opens it: its articles count as exported, and would
            # be fetched again by no run.
            if (run := store.exported_to(str(replaced))) is not None:
                store.close()
                raise StartupError(
                    f"-O {replaced} would replace the file of run {run}, whose articles the"
                    " crawl state counts as exported: write to another file, or move that"
                    " one away first"
                )
        extension = cls(crawler, store)
        for handler, signal in (
            (extension.spider_opened, signals.spider_opened),
            (extension.spider_closed, signals.spider_closed),
            (extension.item_exported, channel9_signals.item_exported),
            (extension.item_dropped, signals.item_dropped),
            (extension.request_dropped, signals.request_dropped),
            (extension.request_scheduled, signals.request_scheduled),
            (extension.page_failed, channel9_signals.page_failed),
            (extension.page_skipped, channel9_signals.page_skipped),
            (extension.door_read, channel9_signals.door_read),
            (extension.source_unavailable, channel9_signals.source_unavailable),
            (extension.run_reported, channel9_signals.run_reported),
        ):
            crawler.signals.connect(handler, signal=signal)
        return extension

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A crawl state that cannot be kept mid-run (a full disk, a bug) stops the run,
        which then fails (``state_error``), instead of a log line from a signal handler
        and a state that no longer tells what was exported."""
        try:
            yield
        except Exception:
            assert self.crawler.stats is not None
            if not self.crawler.stats.get_value("channel9/state_error"):
                # Once, with its traceback: every write after it fails the same way (a
                # full disk) while the queued requests drain.
                logger.exception("The crawl state could not be kept: stopping the run")
            else:
                logger.debug("The crawl state could not be kept", exc_info=True)
            self.crawler.stats.inc_value("channel9/state_error")
            stop_run(self.crawler, "state_error")

    # Asked by the middleware and the pipelines.

    def is_known(self, url: str) -> bool:
        return self.store.is_known(url)

    def exported_hash(self, url: str) -> str | None:
        return self.store.exported_hash(url)

    def modified(self, url: str, lastmod: datetime) -> bool:
        """Whether the site changed an exported article since: its ``<lastmod>`` against
        the one read when it was last seen (the site's clock against itself), or, for an
        article no sitemap dated then, against its last export."""
        exported = self.store.exported_at(url)
        if exported is None:
            return True
        before = self.store.lastmod(url)
        # Any other lastmod is a change: a site whose clock was fast moves backwards.
        return lastmod != before if before else lastmod > exported

    def door(self, name: str) -> Door:
        return self.store.door(name)

    def unread(self, prefix: str) -> bool:
        return self.store.unread(prefix)

    def passed_changed(self, url: str) -> None:
        """An article an earlier run exported is to be written again, changed
        (:class:`channel9.pipelines.UnchangedPipeline` decided): re-emitted once written."""
        self.changed.add(url)

    def record_lastmod(self, url: str, lastmod: datetime) -> None:
        with self._writing():
            self.store.record_lastmod(url, lastmod)

    def record_found(self, urls: Iterable[str]) -> None:
        with self._writing():
            self.store.record_found(urls)

    def record_listed(self, category: str, label: str, urls: Iterable[str]) -> None:
        with self._writing():
            self.store.record_listed(category, label, urls)

    def record_walked(self, door: str, resume_url: str | None, resume_page: int) -> None:
        with self._writing():
            self.store.record_walked(door, resume_url, resume_page, utc_now())

    def record_anchors(self, door: str, anchors: list[str]) -> None:
        with self._writing():
            self.store.record_anchors(door, anchors)
        self.walked.add(door)

    def seen_by_walks(self, url: str) -> bool:
        return self.store.seen_by_walks(url)

    def next_to(self, newer: str, older: str) -> bool:
        return self.store.next_to(newer, older)

    # Told by signals.

    def spider_opened(self, spider: Spider) -> None:
        with self._writing():
            self.run_id = getattr(spider, "run_id", utc_now())
            outputs = output_paths(self.crawler)
            for unfinished in self.store.take_unfinished(utc_now()):
                set_aside_broken_tail(Path(unfinished))
            # Absolute: `scrapy runs` and `scrapy dataset` may run from another folder.
            output = str(Path(outputs[0]).resolve()) if outputs else None
            started = utc_now()
            self.store.start_run(self.run_id, started, output, asked_of(spider))
            # As Scrapy's SpiderState gives the spider its `state`: what to fetch first.
            spider.backlog = self.store.to_fetch()  # type: ignore[attr-defined]
            minimum = self.crawler.settings.getint("CHANNEL9_QUALITY_MIN_ITEMS")
            self.crawler.signals.send_catch_log(
                channel9_signals.history_read,
                first_run=self.first_run,
                field_fill=self.store.last_healthy_fill(minimum),
                baseline=self.baseline(datetime.fromisoformat(started)),
            )

    def baseline(self, at: datetime) -> Baseline:
        """What the state knows of the runs before one that starts ``at``."""
        settings = self.crawler.settings
        hours = timedelta(hours=settings.getfloat("CHANNEL9_QUIET_HOURS"))
        known = self.store.publications(at)
        usual = []
        for weeks in range(1, settings.getint("CHANNEL9_QUIET_WEEKS") + 1):
            until = at - timedelta(weeks=weeks)
            if known.since is None or until - hours < known.since:
                break  # before what the state knows of the site: no measure
            usual.append(len(self.store.published_between(until - hours, until)))
        last = self.store.last_responses(settings.getint("CHANNEL9_BLOCKED_RUNS"))
        day = published_moment({"published_date": known.latest_day}, self.zone)
        newest = [moment for moment in (known.latest, day) if moment is not None]
        return Baseline(
            at=at,
            since=at - hours,
            recent=frozenset(self.store.published_between(at - hours, at)),
            usual=tuple(usual),
            newest=max(newest, default=None),
            blocked_shares=tuple(responses.share for responses in last),
        )

    def spider_closed(self, spider: Spider) -> None:
        """The ledger's summary, in the stats, for the report and whoever reads them."""
        with self._writing():
            # As the run ends: what it exported after a walk finished was seen by then.
            self.store.record_walks_finished(sorted(self.walked), utc_now())
            self.backfill = self.store.backfill()
            stats = self.crawler.stats
            assert stats is not None
            for name, value in self.backfill.progress().items():
                stats.set_value(f"channel9/backfill/{name}", value)

    def item_exported(self, item: Any, response: Response) -> None:
        with self._writing():
            adapter = ItemAdapter(item)
            urls = [adapter["url"], response.url, *response.meta.get("redirect_urls", ())]
            urls = [normalize(url) for url in urls]
            urls += (old for url in urls for old in self.redirected.pop(url, ()))
            changed = adapter["url"] in self.changed
            if changed:
                self.changed.discard(adapter["url"])
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("channel9/reemitted")
            self.store.record_exported(
                urls,
                adapter["url"],
                content_hash(adapter),
                Published(adapter.get("published_date"), self.published_moment(adapter)),
                utc_now(),
                self.run_id,
                reemitted=changed,
            )

    def published_moment(self, item: ItemAdapter) -> str | None:
        """When the article was published, in UTC (the start of its day in the site's zone
        when it gives no time), as the report and the metrics read it."""
        moment = published_moment(item, self.zone)
        return None if moment is None else stamp(moment)

    def item_dropped(self, item: Any, response: Response, exception: Exception) -> None:
        """An article already exported under another URL is remembered under this one
        too; a broken one is to fetch again; one not worth writing again is not."""
        with self._writing():
            assert response.request is not None
            url = normalize(asked_for(response.request))
            reason = getattr(exception, "reason", "dropped")
            if reason in ("duplicate", "unchanged"):
                canonical = normalize(ItemAdapter(item)["url"])
                for alias in (url, *self.redirected.pop(normalize(response.url), ())):
                    self.store.record_alias(alias, canonical, utc_now())
                if reason == "unchanged":
                    self.store.record_seen(canonical, utc_now())
            elif getattr(exception, "failure", True):
                self.store.record_failure(url, reason, self.run_id)
            else:
                self.store.forget(url)

    def request_dropped(self, request: Request) -> None:
        """A redirect to a page this run asked for already is dropped by Scrapy's
        duplicate filter, without callback: the URL it came from is that page's too."""
        with self._writing():
            if request.meta.get("redirect_urls"):
                origin, target = normalize(asked_for(request)), normalize(request.url)
                if self.store.is_known(target):
                    self.store.record_alias(origin, target, utc_now())
                else:
                    self.redirected.setdefault(target, []).append(origin)

    def request_scheduled(self, request: Request) -> None:
        """A door asked for is known from now on, whoever asked (the middleware, or an
        errback's fallback sitemap, which it does not see)."""
        if "door" in request.meta and request.meta.get("page", 1) == 1:
            with self._writing():
                self.store.record_door(request.meta["door"])

    def page_failed(self, url: str, reason: str, kind: str, counts: bool) -> None:
        with self._writing():
            if kind == "article":
                self.store.record_failure(normalize(url), reason, self.run_id)

    def page_skipped(
        self, url: str, reason: str, published_date: str | None, categories: list[str]
    ) -> None:
        """A page fetched right that this run writes nothing for: a static page is not
        asked for again; an article a bound of the run left out stays to fetch, with
        what it showed, so that later runs with the same bound need not ask again."""
        with self._writing():
            if reason == "static_page":
                self.store.set_aside(normalize(url), reason)
            else:
                self.store.record_skipped(normalize(url), published_date, categories)

    def door_read(self, door: str) -> None:
        with self._writing():
            self.store.record_read(door, utc_now())

    def source_unavailable(self, reason: str, door: str = "") -> None:
        """A feed or sitemap the site does not have (404, 410) is read: there is nothing
        in it. Any other failure leaves the door to be read by the next run."""
        if door and reason in ABSENT:
            self.door_read(door)

    def run_reported(
        self,
        run_id: str,
        finish_reason: str,
        report: str | None,
        problems: list[str],
        written: int,
        failed: int,
        field_fill: dict[str, float],
        refetch: list[str],
        warnings: list[str],
    ) -> None:
        assert self.crawler.stats is not None
        self.store.refetch(refetch)
        self.store.settle_failures(run_id, self.give_up_after, counts=not problems)
        report = report and str(Path(report).resolve())
        self.store.finish_run(
            run_id,
            utc_now(),
            finish_reason,
            report,
            problems,
            written,
            failed,
            field_fill,
            self.backfill,
            self.crawler.stats.get_value("channel9/reemitted", 0),
            warnings,
            Responses.from_stats(self.crawler.stats.get_stats()),
        )
        self.store.close()


def record_refusal(crawler: Crawler, state: Path, refused: AlreadyRunning) -> None:
    """The run refused is recorded for ``scrapy runs`` beside the state, never in it; a
    record that cannot be written is said, and the run is refused all the same."""
    spider = crawler.spider
    assert spider is not None  # Scrapy builds the spider before the extensions
    try:
        record_refused(
            state, getattr(spider, "run_id", utc_now()), utc_now(), asked_of(spider), refused.holder
        )
    except OSError as error:
        logger.error("The refused run could not be recorded for scrapy runs: %s", error)


def asked_of(spider: Spider) -> Asked:
    """What the spider was asked to do, as the run's record keeps it: its arguments other
    than the site and those left at their default, as a user would give them again."""
    args = getattr(spider, "args", None)
    if not isinstance(args, Arguments):
        return Asked(site=getattr(spider, "base_url", None))
    given = {
        argument.name: as_given(getattr(args, argument.name))
        for argument in fields(args)
        if argument.name not in ("base_url", "passed_on")
        and getattr(args, argument.name) != argument.default
    }
    job = args.passed_on.get("_job")
    return Asked(args.base_url, given, None if job is None else str(job))


def as_given(value: Any) -> str:
    """An argument's value as it is typed after ``-a``."""
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
