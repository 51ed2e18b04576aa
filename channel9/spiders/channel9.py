"""The crawl of Channel9.id: home page menu, category listings page by page, articles."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from dataclasses import astuple
from datetime import datetime, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse

from channel9.archive.replay import ReplayMiddleware, site_of_replay
from channel9.archive.warc import RECORD, Location, fetched_at
from channel9.crawl import discovery
from channel9.crawl.arguments import Arguments
from channel9.crawl.responses import html_tree, is_html
from channel9.failures import announce_failure, asked_for, reason_of
from channel9.items import stamp
from channel9.pages import parser, selectors
from channel9.pages.urls import normalize, on_site
from channel9.reasons import Reason
from channel9.signals import (
    articles_named,
    door_read,
    page_skipped,
    sitemaps_read,
    source_unavailable,
)
from channel9.site import zone_named

if TYPE_CHECKING:
    from parsel import Selector
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure
    from typing_extensions import Self

logger = logging.getLogger(__name__)

LISTING_PRIORITY = 10
"""Listings go before articles, so that each category's walk keeps moving..."""
SINCE_PRIORITY = 20
"""...but with ``since``, articles go first: an article older than the day is what stops
a walk, so the walk must not run ahead of the articles it showed."""


class Channel9Spider(scrapy.Spider):
    """Every article of the site's category listings, feeds and sitemaps, each once.

    The spider asks for every door into the site each run and follows every next page
    and every article link it finds; how far each door is read, and which articles are
    new, is the incremental middleware's to decide
    (:class:`channel9.incremental.middleware.IncrementalMiddleware`). Arguments: see
    :class:`channel9.crawl.arguments.Arguments`.
    """

    name = "channel9"

    def __init__(self, **kwargs: Any) -> None:
        self.args = Arguments.parse(kwargs)
        super().__init__(**self.args.passed_on)
        self.backlog: list[tuple[str, str | None, list[str]]] = []
        """Articles earlier runs found and did not export, to fetch first (with the day
        and categories of those a bound left out): the crawl state gives it as the
        spider opens, as Scrapy's SpiderState gives ``state``."""
        self.base_url = self.args.base_url
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.category_labels: dict[str, str] = {}
        self.last_page: dict[str, int] = {}
        """With ``since``: by category, the last listing page worth reading."""
        self.listed_on: dict[str, list[tuple[str, int]]] = {}
        """With ``since``: the listing pages (category, page) that showed each article."""
        self.earlier: set[str] = set()
        """Articles that earlier runs found and did not export: to fetch first."""
        self.sitemaps_pending = 0
        self.sources_asked: set[str] = set()
        self.closes_html = False
        """Whether a page of the site reached its end (:func:`parser.is_whole`) this run:
        then one that does not was cut short, whatever it holds."""
        self.sitemap_found = False
        self.lastmod_missing = False
        self.rest_asked = False
        """In a replay: whether the archived articles no listing led to were asked for."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.args.replay:
            # The site the archive holds, unless base_url names one it holds among others.
            given = spider.args.base_url if "base_url" in kwargs else None
            spider.base_url = site_of_replay(Path(spider.args.replay), given)
            # Read by the components (before they are built): pages from the archive.
            crawler.settings.set("CHANNEL9_REPLAY", spider.args.replay, priority="spider")
            crawler.signals.connect(spider.replay_the_rest, signal=signals.spider_idle)
        return spider

    def replay_the_rest(self) -> None:
        """A whole replay (no argument narrowing it) ends with the archived articles its
        listings did not lead to, as a crawl state's queue led earlier runs to them
        (articles fetched again after a failure, no longer listed), so that the rebuild
        holds every article the archive does."""
        args, replay = self.args, self.crawler.get_downloader_middleware(ReplayMiddleware)
        if args.categories or args.since or args.max_pages or replay is None or self.rest_asked:
            return
        self.rest_asked = True
        rest = replay.not_asked("article")
        if rest:
            logger.info("Replaying %d archived articles no archived listing leads to", len(rest))
            for url in rest:
                self.crawler.engine.crawl(self._article(url))
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # A resumed job (JOBDIR) reads the articles it had queued with the menu it had
        # read: they may come back before the home page does.
        self.category_labels = dict(self._job_state().get("category_labels", {}))
        # Asked for on every start, a resumed job included: it names the categories.
        yield self._request(f"{self.base_url}/", self.parse_home, "home", dont_filter=True)

    def _job_state(self) -> dict[str, Any]:
        """Scrapy's state of a job (``JOBDIR``), kept across a pause; empty without one."""
        state = getattr(self, "state", None)
        return state if isinstance(state, dict) else {}

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        document = yield from self._document(response)
        if document is None:
            return
        menu = parser.parse_menu(document, response.url)
        self.category_labels = {category.slug: category.label for category in menu}
        self._job_state()["category_labels"] = self.category_labels
        if not self.args.categories:
            chosen = menu
        else:
            by_slug = {category.slug: category for category in menu}
            chosen = [by_slug.get(slug) or self._unlisted(slug) for slug in self.args.categories]
        if not chosen:
            assert response.request is not None
            announce_failure(self.crawler, response.request, Reason.NO_CATEGORIES)
        # Articles only once the menu is known: their categories are named by its labels.
        yield from self._backlog(chosen)
        yield from self._doors(chosen)

    def _backlog(self, chosen: list[parser.Category]) -> Iterator[scrapy.Request]:
        """The articles earlier runs found and did not export, but those a bound of this
        run would leave out again (an earlier run with the same bound saw their page)."""
        since, labels = self.args.since, {category.label for category in chosen}
        for url, day, categories in self.backlog:
            if since and day and day < since.isoformat():
                continue
            if self.args.categories and categories and labels.isdisjoint(categories):
                continue
            self.earlier.add(url)
            yield self._article(url)

    def _doors(self, chosen: list[parser.Category]) -> Iterator[scrapy.Request]:
        """Every door into the site this run may use: each category's listing from page
        1, the main feed, the categories' feeds, the sitemaps. The site's feed and
        sitemaps name every category's articles: a run narrowed to some categories reads
        their feeds alone, one bounded by ``max_pages`` no sitemap."""
        args = self.args
        if "listings" in args.discover:
            for category in chosen:
                yield self._listing(category, category.url, 1)
        if "feed" in args.discover:
            if args.uses_main_feed:
                feed = self.base_url + selectors.FEED_PATH
                yield from self._source(feed, self.parse_feed, always=True, main_feed=True)
            for category in chosen:
                yield from self._source(category.url + "feed/", self.parse_feed)
        if args.uses_sitemaps:
            robots = f"{self.base_url}/robots.txt"
            yield from self._source(robots, self.parse_robots, root=True)

    def _source(self, url: str, callback: Any, **meta: Any) -> Iterator[scrapy.Request]:
        """A feed or sitemap, asked for once a run: an index that names itself or a
        sitemap that robots.txt names twice must not leave a sitemap counted as pending
        that Scrapy's duplicate filter dropped."""
        if url in self.sources_asked:
            return
        self.sources_asked.add(url)
        door = f"{'feed' if callback == self.parse_feed else 'sitemap'}:{url}"
        if not on_site(url, self.base_url):  # a sitemap named on another host: not ours
            yield from self._report_unavailable(url, str(Reason.OFFSITE), door=door)
            return
        if callback != self.parse_feed:
            self.sitemaps_pending += 1
        yield scrapy.Request(
            url,
            callback=callback,
            errback=self.source_failed,
            meta={**meta, "kind": "source", "door": door},
            priority=LISTING_PRIORITY,
            dont_filter=True,
        )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """A feed's articles, newest first as served."""
        door = response.meta["door"]
        try:
            named = discovery.parse_feed(response.body, response.url)
        except discovery.BrokenSource as error:
            yield from self._report_unavailable(response.url, "broken", str(error), door=door)
            return
        whole = yield from self._ask_for_named("feed", named)
        if whole:
            self.crawler.signals.send_catch_log(door_read, door=door)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        named = discovery.sitemaps_in_robots(response.body, response.url)
        self.sitemaps_pending -= 1
        if named:
            for url in named:
                yield from self._source(url, self.parse_sitemap, always=True)
        else:
            first = self.base_url + selectors.SITEMAP_PATHS[0]
            yield from self._source(first, self.parse_sitemap, always=True, fallback=True)
        self.crawler.signals.send_catch_log(door_read, door=response.meta["door"])

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index's post sitemaps, or a sitemap's articles with their
        ``<lastmod>``."""
        self.sitemaps_pending -= 1
        door = response.meta["door"]
        try:
            page = discovery.parse_sitemap(
                response.body, response.url, self.settings.getint("DOWNLOAD_MAXSIZE")
            )
        except discovery.BrokenSource as error:
            yield from self._report_unavailable(response.url, "broken", str(error), door=door)
            return
        for url in page.sitemaps:
            yield from self._source(url, self.parse_sitemap, named=True)
        if page.articles:
            self.sitemap_found = True
            self.lastmod_missing |= any(entry.date is None for entry in page.articles)
        whole = yield from self._ask_for_named("sitemap", page.articles)
        if whole:
            self.crawler.signals.send_catch_log(door_read, door=door)
        self._announce_if_sitemaps_read()

    def _announce_if_sitemaps_read(self) -> None:
        """Announce ``sitemaps_read`` once every sitemap asked for is read or lost.

        It says whether they dated every article: a ``full`` run walks the listings when
        they did not."""
        if self.sitemaps_pending == 0:
            dated = self.sitemap_found and not self.lastmod_missing
            self.crawler.signals.send_catch_log(sitemaps_read, dated=dated)

    def source_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        reason = reason_of(failure)
        if reason == Reason.STOPPED:  # left to the next run, not failed
            return
        if request.callback != self.parse_feed:
            self.sitemaps_pending -= 1
        meta = request.meta
        yield from self._report_unavailable(
            request.url,
            reason,
            door=meta["door"],
            named=meta.get("named", False),
            fallback=meta.get("fallback", False),
        )

    def _report_unavailable(
        self,
        url: str,
        reason: str,
        detail: str = "",
        door: str = "",
        named: bool = False,
        fallback: bool = False,
    ) -> Iterator[scrapy.Request]:
        """Report a feed or sitemap that could not be had, and go on with the other doors.

        It is logged, counted and announced (``source_unavailable``). When robots.txt
        named no sitemap, one missing at a usual path is looked for at the next
        (:data:`channel9.pages.selectors.SITEMAP_PATHS`: where the next plugin keeps them)."""
        logger.warning("No articles from %s: %s", url, detail or reason)
        self._stat(f"source_unavailable/{reason}")
        self.crawler.signals.send_catch_log(source_unavailable, url=url, reason=reason, door=door)
        fallbacks = [self.base_url + path for path in selectors.SITEMAP_PATHS]
        if fallback and url in fallbacks[:-1] and not self.sitemap_found:
            following = fallbacks[fallbacks.index(url) + 1]
            yield from self._source(following, self.parse_sitemap, always=True, fallback=True)
        # A sitemap an index or robots.txt names, lost: the sitemaps cannot tell all edits.
        self.lastmod_missing |= named
        if door.startswith("sitemap:"):
            self._announce_if_sitemaps_read()

    def _ask_for_named(
        self, source: str, named: Iterable[discovery.Named]
    ) -> Generator[scrapy.Request, None, bool]:
        """Ask for the articles a feed or sitemap names, and announce every one it named.

        A sitemap's ``<lastmod>`` goes with each request. The ``articles_named`` signal
        gives every article named on the site, those ``since`` leaves out included, for
        the coverage report. Returns whether it named none that ``since`` left out."""
        urls = []
        since = self.args.since
        whole = True
        for entry in named:
            for url in self._links([entry.url]):
                urls.append(url)
                # The site's day: a feed's dates are in GMT.
                if since and entry.date and entry.date.astimezone(self.zone).date() < since:
                    whole = False
                    continue
                meta = {"lastmod": entry.date} if source == "sitemap" and entry.date else {}
                yield self._article(url, meta)
        self.crawler.signals.send_catch_log(articles_named, source=source, urls=urls)
        return whole

    def _unlisted(self, slug: str) -> parser.Category:
        logger.warning("Category %r is not in the site's menu; trying its usual URL", slug)
        return parser.Category(slug, slug, f"{self.base_url}/category/{slug}/")

    def _listing(self, category: parser.Category, url: str, page: int) -> scrapy.Request:
        # The category as plain data: a paused job's queue pickles the meta, and a class
        # named in it would tie the queue to the module the class lives in.
        meta = {"door": f"listing:{category.slug}", "category": astuple(category), "page": page}
        return self._request(
            url, self.parse_listing, "listing", meta=meta, priority=LISTING_PRIORITY
        )

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """One listing page: the articles it shows, then its next page."""
        self._stat("fetched/listing")
        category = parser.Category(*response.meta["category"])
        page: int = response.meta["page"]
        if page > self.last_page.get(category.slug, page):
            return
        document = yield from self._document(response)
        if document is None:
            return
        listing = parser.parse_listing(document, response.url)
        links = list(self._links(listing.article_urls))
        self.crawler.signals.send_catch_log(articles_named, source="listings", urls=links)
        if not links:
            yield from self._retry(response, parser.page_problem(document) or Reason.EMPTY_LISTING)
            return
        for url in links:
            if self.args.since:
                self.listed_on.setdefault(url, []).append((category.slug, page))
            yield self._article(url)
        if listing.next_url and not on_site(listing.next_url, self.base_url):
            # Not the listing's end: a page this crawl will not fetch, so a failure.
            refused = self._listing(category, listing.next_url, page + 1)
            announce_failure(self.crawler, refused, Reason.OFFSITE)
        for url in self._links([listing.next_url] if listing.next_url else []):
            following = self._listing(category, url, page + 1)
            # Pages of two walks of one listing (one taken up) may meet: both are needed.
            yield following.replace(dont_filter=True)

    def _links(self, urls: Iterable[str]) -> Iterator[str]:
        """The links that lead to pages of this site, each in its one normal form."""
        for link in urls:
            if on_site(link, self.base_url):
                yield normalize(link)
            else:
                self._stat("skipped/offsite_link")

    def _article(self, url: str, meta: dict[str, Any] | None = None) -> scrapy.Request:
        """An article's request; ``queued`` when an earlier run found it already (its
        failure is reported, but does not fail this run). Nothing of the listing that
        showed it goes along: an item is a function of its page alone, whichever request
        for it Scrapy kept."""
        meta = {**(meta or {}), "queued": url in self.earlier}
        priority = SINCE_PRIORITY if self.args.since else 0
        return self._request(url, self.parse_article, "article", meta=meta, priority=priority)

    def parse_article(self, response: Response) -> Iterator[Any]:
        self._stat("fetched/article")
        document = yield from self._document(response)
        if document is None:
            return
        assert isinstance(response, TextResponse)
        if parser.shows_fatal_error(response.text):
            yield from self._retry(response, Reason.ERROR_PAGE)
            return
        whole = parser.is_whole(response.text)
        if not whole:
            # Cut short, or a site that prints no </html>: the page is asked for again. On
            # a site whose other pages end, it was cut; else the same page twice is the
            # site's own, read by its known markup only (the general extractor would take
            # the part before a cut for the article).
            digest = hashlib.sha1(response.body, usedforsecurity=False).hexdigest()
            assert response.request is not None
            if self.closes_html or response.request.meta.get("cut_digest") != digest:
                yield from self._retry(response, Reason.CUT_SHORT, cut_digest=digest)
                return
        # When the page was fetched, as the archive records it: a replay gives the same.
        fetched = (fetched_at(response) or datetime.now(timezone.utc)).replace(microsecond=0)
        result = parser.parse_article(
            document, response.url, self.category_labels, fetched, self.zone, whole
        )
        if not self.args.categories:  # a run narrowed to categories follows its listings
            for url in self._links(result.links):
                yield self._article(url)
        article = result.article
        if article is None:
            # Only a page without content is asked why: a challenge or an error page.
            reason = parser.page_problem(document) or result.reason or Reason.NO_BODY
            if reason == Reason.STATIC_PAGE:
                self._report_skipped(response, "static_page")
            elif reason == Reason.NOT_ARTICLE:
                # Linked as an article, yet not one: the site's markup may have changed.
                assert response.request is not None
                announce_failure(self.crawler, response.request, reason)
            else:
                yield from self._retry(response, reason)
            return
        response.meta["field_sources"] = result.sources  # for the run report
        since, chosen = self.args.since, self.args.categories
        if since and article.published_date and article.published_date < since.isoformat():
            self._report_skipped(
                response, "before_since", article.published_date, article.categories
            )
            for slug, page in self.listed_on.get(
                response.meta.get("redirect_urls", [response.url])[0], ()
            ):
                self._stop_walk_after(slug, page)
            return
        labels = {self.category_labels.get(slug, slug) for slug in chosen}
        if chosen and labels.isdisjoint(article.categories):
            self._report_skipped(
                response, "other_category", article.published_date, article.categories
            )
            return
        article.crawled_at = stamp(fetched)
        record: Location | None = response.meta.get(RECORD)
        if record is not None:
            article.warc_filename = record.filename
            article.warc_record_offset = record.offset
            article.warc_record_length = record.length
        yield article

    @cached_property
    def zone(self) -> tzinfo:
        """The site's time zone (``CHANNEL9_TIMEZONE``), in which days are told."""
        return zone_named(self.settings["CHANNEL9_TIMEZONE"])

    def _stop_walk_after(self, slug: str, page: int) -> None:
        """An article older than ``since`` ends the walk of each listing that showed it
        (after the overlap: listings are not always strictly newest first), whichever of
        their requests for it Scrapy kept."""
        last = page + self.settings.getint("CHANNEL9_OVERLAP_PAGES")
        self.last_page[slug] = min(self.last_page.get(slug, last), last)

    def _document(self, response: Response) -> Generator[scrapy.Request, None, Selector | None]:
        """The response's HTML tree, whole; None (and the page asked for again, or
        failed) when it is no HTML page or too deep to read whole."""
        if not is_html(response):
            yield from self._retry(response, Reason.NOT_HTML)
            return None
        assert isinstance(response, TextResponse)
        self.closes_html = self.closes_html or parser.is_whole(response.text)
        try:
            return html_tree(response)
        except parser.TooDeep:
            assert response.request is not None
            announce_failure(self.crawler, response.request, Reason.TOO_DEEP)
            return None

    def _request(
        self, url: str, callback: Any, kind: str, meta: dict[str, Any] | None = None, **kwargs: Any
    ) -> scrapy.Request:
        """Every request has an errback, so that no failed page goes unreported."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.request_failed,
            meta={**(meta or {}), "kind": kind},
            **kwargs,
        )

    def _retry(self, response: Response, reason: str, **meta: Any) -> Iterator[scrapy.Request]:
        """A page served whole but holding no content (a challenge, an error page, a cut
        body) is asked for again ``CHANNEL9_CONTENT_RETRIES`` times, then counted as
        failed. Counted apart from the retries of HTTP errors, which have their own;
        ``meta`` goes with the new request."""
        request = response.request
        assert request is not None
        tries = request.meta.get("content_retries", 0)
        if tries >= self.settings.getint("CHANNEL9_CONTENT_RETRIES"):
            announce_failure(self.crawler, request, reason)
            return
        self._stat(f"content_retry/{reason}")
        logger.info("Asking again for %s (%s)", request.url, reason)
        retry = request.replace(dont_filter=True)
        retry.meta.update(meta, content_retries=tries + 1)
        yield retry

    def request_failed(self, failure: Failure) -> None:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        reason = reason_of(failure)
        if reason != Reason.STOPPED:  # left to the next run, not failed
            announce_failure(self.crawler, request, reason)

    def _report_skipped(
        self,
        response: Response,
        reason: str,
        published_date: str | None = None,
        categories: list[str] | None = None,
    ) -> None:
        """Count and announce (``page_skipped``) a page this run writes nothing for."""
        self._stat(f"skipped/{reason}")
        assert response.request is not None
        self.crawler.signals.send_catch_log(
            page_skipped,
            url=asked_for(response.request),
            reason=reason,
            published_date=published_date,
            categories=categories or [],
        )

    def _stat(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"channel9/{key}")
