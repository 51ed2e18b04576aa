"""The crawl of Channel9.id: home page menu, category listings page by page, articles."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse

from channel9 import discovery, pages
from channel9 import selectors as css
from channel9.archive import ReplayMiddleware, fetched_at
from channel9.arguments import Arguments
from channel9.dates import JAKARTA
from channel9.failures import Reason, announce_failure, asked_for, reason_of
from channel9.items import stamp
from channel9.signals import articles_named, source_unavailable
from channel9.state import NEVER_WALKED, CrawlStateExtension
from channel9.urls import normalize, on_site

if TYPE_CHECKING:
    from parsel import Selector
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure
    from typing_extensions import Self

logger = logging.getLogger(__name__)

LISTING_PRIORITY = 10
"""Listings go before articles, so that each category's walk keeps moving."""


class Channel9Spider(scrapy.Spider):
    """Every article of the site's category listings, each once, and only the new ones
    when earlier runs left a crawl state.

    A category's listing is walked to its last page until one run has got there; after
    that, each run walks it until a page brings nothing new, once past the anchors the
    last finished walk left. A first walk cut short (a run killed, a listing page failed,
    ``max_pages``) is taken up by the next run at the last page it walked; a later one, by
    walking on past its anchors. Arguments: see :class:`channel9.arguments.Arguments`.
    """

    name = "channel9"

    def __init__(self, **kwargs: Any) -> None:
        self.args = Arguments.parse(kwargs)
        super().__init__(**self.args.passed_on)
        self.base_url = self.args.base_url
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.category_labels: dict[str, str] = {}
        # By category and whether the walk started at page 1 (else it takes one up).
        self.quiet_pages: Counter[tuple[str, bool]] = Counter()
        self.pages_walked: Counter[tuple[str, bool]] = Counter()
        self.last_page: dict[str, int] = {}
        self.anchors: dict[str, set[str]] = {}
        """By category: the articles a walk from page 1 is to see most of before it may
        stop (page 1 of the last finished walk), less those seen."""
        self.new_anchors: dict[str, list[str]] = {}
        self.anchors_needed: dict[str, int] = {}
        """By category: how many anchors may stay unseen when a walk stops."""
        self.listed_on: dict[str, list[tuple[str, int]]] = {}
        """With ``since``: the listing pages (category, page) that showed each article."""
        self.earlier: set[str] = set()
        """Articles that earlier runs found and did not export: to fetch first."""
        self.walks_waiting: list[scrapy.Request] = []
        """Listing walks held back until a feed or the sitemaps tell whether they are
        needed."""
        self.sitemaps_pending = 0
        self.sources_asked: set[str] = set()
        self.sitemap_found = False
        self.lastmod_missing = False
        self.rest_asked = False
        """In a replay: whether the archived articles no listing led to were asked for."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.args.replay:
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

    @cached_property
    def crawl_state(self) -> CrawlStateExtension | None:
        """The crawl state, looked up once; None when it is off."""
        return self.crawler.get_extension(CrawlStateExtension)

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
        menu = pages.parse_menu(document, response.url)
        self.category_labels = {category.slug: category.label for category in menu}
        self._job_state()["category_labels"] = self.category_labels
        # Articles only once the menu is known: their categories are named by its labels.
        self.earlier = set(self.crawl_state.to_fetch() if self.crawl_state else ())
        for url in sorted(self.earlier):
            yield self._article(url)
        if not self.args.categories:
            chosen = menu
        else:
            by_slug = {category.slug: category for category in menu}
            chosen = [by_slug.get(slug) or self._unlisted(slug) for slug in self.args.categories]
        if not chosen:
            assert response.request is not None
            announce_failure(self.crawler, response.request, Reason.NO_CATEGORIES)
        walks = []
        for category in chosen:
            walk = self.crawl_state.walk(category.slug) if self.crawl_state else NEVER_WALKED
            self.anchors[category.slug] = set(walk.anchors)
            self.anchors_needed[category.slug] = len(walk.anchors) // 2
            to_end = self.args.full or not (walk.reached_end or walk.resume_url)
            if "listings" not in self.args.discover:
                continue
            walks.append(self._listing(category, category.url, 1, to_end=to_end, from_start=True))
            if walk.resume_url and walk.resume_page and not (walk.reached_end or to_end):
                logger.info("Taking up %s at %s", category.label, walk.resume_url)
                yield self._listing(
                    category, walk.resume_url, walk.resume_page, to_end=True, from_start=False
                )
        yield from self._doors(chosen, walks)

    def _doors(
        self, chosen: list[pages.Category], walks: list[scrapy.Request]
    ) -> Iterator[scrapy.Request]:
        """Which doors into the site this run opens. A first run: all, so that every
        article any of them names is found. A scheduled run: the feed, and the listings
        only when the feed does not reach back to articles already exported. With
        ``full``: the sitemaps, and the listings only when they give no ``<lastmod>``.
        The site's feed and sitemaps name every category's articles: a run narrowed to
        some categories reads their feeds alone, one bounded by ``max_pages`` no sitemap."""
        args = self.args
        first = self.crawl_state is None or self.crawl_state.first_run
        main_feed = "feed" in args.discover and not args.categories
        sitemaps = "sitemap" in args.discover and not (args.categories or args.max_pages)
        # The listings wait for the door that can tell whether they are needed.
        if not first and (sitemaps if args.full else main_feed):
            self.walks_waiting = walks
        else:
            yield from walks
        if main_feed and (first or not args.full):
            yield from self._source(self.base_url + css.FEED_PATH, self.parse_feed, main=True)
        if "feed" in args.discover and first:
            for category in chosen:
                yield from self._source(category.url + "feed/", self.parse_feed)
        if sitemaps and (first or args.full):
            yield from self._source(f"{self.base_url}/robots.txt", self.parse_robots)

    def _source(self, url: str, callback: Any, **cb_kwargs: Any) -> Iterator[scrapy.Request]:
        """A feed or sitemap, asked for once a run: an index that names itself or a
        sitemap that robots.txt names twice must not leave a sitemap counted as pending
        that Scrapy's duplicate filter dropped."""
        if url in self.sources_asked:
            return
        self.sources_asked.add(url)
        if not on_site(url, self.base_url):  # a sitemap named on another host: not ours
            yield from self._unavailable(url, str(Reason.OFFSITE), **cb_kwargs)
            return
        if callback != self.parse_feed:
            self.sitemaps_pending += 1
        yield scrapy.Request(
            url,
            callback=callback,
            errback=self.source_failed,
            cb_kwargs=cb_kwargs,
            meta={"kind": "source"},
            priority=LISTING_PRIORITY,
            dont_filter=True,
        )

    def _walk_after_all(self) -> Iterator[scrapy.Request]:
        """The listing walks this run held back, now found to be needed."""
        walks, self.walks_waiting = self.walks_waiting, []
        yield from walks

    def parse_feed(self, response: Response, main: bool = False) -> Iterator[scrapy.Request]:
        """A feed's articles; the main feed of a scheduled run also tells whether the
        listings must be walked: when its oldest entry was not exported before, more are
        new than it holds."""
        try:
            named = discovery.parse_feed(response.body, response.url)
        except discovery.BrokenSource as error:
            yield from self._unavailable(response.url, "broken", str(error), main=main)
            return
        urls = yield from self._named("feed", named)
        if main and self.walks_waiting:
            # Its oldest entry, not any: an old article promoted to the top says nothing.
            # Exported, not merely known: a page given up says nothing of what came after.
            state = self.crawl_state
            known = bool(urls) and state is not None and state.exported_at(urls[-1]) is not None
            if known:
                logger.info("The feed reaches back to articles exported before: no listing walk")
                self.walks_waiting = []
            else:
                logger.info("The feed does not reach back to articles exported before")
                yield from self._walk_after_all()

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        named = discovery.sitemaps_in_robots(response.body, response.url)
        self.sitemaps_pending -= 1
        if named:
            for url in named:
                yield from self._source(url, self.parse_sitemap, named=True)
        else:
            yield from self._source(self.base_url + css.SITEMAP_PATHS[0], self.parse_sitemap)

    def parse_sitemap(self, response: Response, named: bool = False) -> Iterator[scrapy.Request]:
        """A sitemap index's post sitemaps, or a sitemap's articles. With ``full``, an
        article the site has not changed since (:meth:`_modified`) is not asked for."""
        self.sitemaps_pending -= 1
        try:
            page = discovery.parse_sitemap(
                response.body, response.url, self.settings.getint("DOWNLOAD_MAXSIZE")
            )
        except discovery.BrokenSource as error:
            yield from self._unavailable(response.url, "broken", str(error), named=named)
            return
        for url in page.sitemaps:
            yield from self._source(url, self.parse_sitemap, named=True)
        if page.articles:
            self.sitemap_found = True
            self.lastmod_missing |= any(entry.date is None for entry in page.articles)
        yield from self._named("sitemap", page.articles)
        yield from self._sitemaps_done()

    def _sitemaps_done(self) -> Iterator[scrapy.Request]:
        """Once every sitemap is read: a ``full`` run whose sitemaps gave no ``<lastmod>``
        (or no articles) walks the listings after all."""
        if self.sitemaps_pending == 0 and self.args.full and self.walks_waiting:
            if self.lastmod_missing or not self.sitemap_found:
                logger.info("The sitemaps give no <lastmod> for every article: walking all")
                yield from self._walk_after_all()
            else:
                self.walks_waiting = []

    def source_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        if request.callback != self.parse_feed:
            self.sitemaps_pending -= 1
        yield from self._unavailable(request.url, reason_of(failure), **request.cb_kwargs)

    def _unavailable(
        self, url: str, reason: str, detail: str = "", main: bool = False, named: bool = False
    ) -> Iterator[scrapy.Request]:
        """A feed or sitemap that could not be had: said, and the crawl goes on with the
        other doors. Sitemaps are looked for where the next plugin keeps them; a missing
        feed opens the listings after all."""
        logger.warning("No articles from %s: %s", url, detail or reason)
        self._stat(f"source_unavailable/{reason}")
        self.crawler.signals.send_catch_log(source_unavailable, url=url, reason=reason)
        robots = f"{self.base_url}/robots.txt"
        fallbacks = [robots, *(self.base_url + path for path in css.SITEMAP_PATHS)]
        if url in fallbacks[:-1] and not self.sitemap_found:
            yield from self._source(fallbacks[fallbacks.index(url) + 1], self.parse_sitemap)
        elif main:  # told by the request, not its URL: a feed may redirect
            yield from self._walk_after_all()
        # A sitemap an index or robots.txt names, lost: the sitemaps cannot tell all edits.
        self.lastmod_missing |= named
        yield from self._sitemaps_done()

    def _named(
        self, source: str, named: Iterable[discovery.Named]
    ) -> Generator[scrapy.Request, None, list[str]]:
        """The articles a feed or sitemap names that are new to this run (or, with
        ``full``, changed since their last export, when the source dates its changes)."""
        urls = []
        since = self.args.since
        for entry in named:
            for url in self._links([entry.url]):
                urls.append(url)
                # The site's day: a feed's dates are in GMT.
                if since and entry.date and entry.date.astimezone(JAKARTA).date() < since:
                    continue
                if source == "sitemap" and entry.date and self.crawl_state:
                    if self.args.full and not self._modified(url, entry.date):
                        self._stat("skipped/not_modified")
                        continue
                    self.crawl_state.record_lastmod(url, entry.date)
                if self._is_new(url):
                    if self.crawl_state:
                        self.crawl_state.record_found([url])
                    yield self._article(url)
        self.crawler.signals.send_catch_log(articles_named, source=source, urls=urls)
        return urls

    def _modified(self, url: str, lastmod: datetime) -> bool:
        """Whether the site changed an exported article since: its ``<lastmod>`` against
        the one read when it was last seen (the site's clock against itself), or, for an
        article no sitemap dated then, against its last export."""
        assert self.crawl_state is not None
        exported = self.crawl_state.exported_at(url)
        if exported is None:
            return True
        before = self.crawl_state.lastmod(url)
        # Any other lastmod is a change: a site whose clock was fast moves backwards.
        return lastmod != before if before else lastmod > exported

    def _unlisted(self, slug: str) -> pages.Category:
        logger.warning("Category %r is not in the site's menu; trying its usual URL", slug)
        return pages.Category(slug, slug, f"{self.base_url}/category/{slug}/")

    def _listing(
        self, category: pages.Category, url: str, page: int, to_end: bool, from_start: bool
    ) -> scrapy.Request:
        walk = {"category": category, "page": page, "to_end": to_end, "from_start": from_start}
        return self._request(
            url,
            self.parse_listing,
            "listing",
            cb_kwargs=walk,
            priority=LISTING_PRIORITY,
            # A walk taken up may meet the pages of the walk from page 1: both are needed.
            dont_filter=not from_start,
        )

    def parse_listing(
        self,
        response: Response,
        category: pages.Category,
        page: int,
        to_end: bool,
        from_start: bool,
    ) -> Iterator[scrapy.Request]:
        """One listing page: its new articles, then (unless the walk stops) the next page.

        A walk from page 1 goes on to the last page (``to_end``, until one walk has got
        there), or until it has seen the article where the last finished walk stopped
        and then a page with nothing new (plus the overlap). The articles found are
        recorded as to fetch, and how far a walk to the end got, page by page; only a walk
        that finished moves the anchors, so that one cut short is made up by the next."""
        self._stat("fetched/listing")
        slug = category.slug
        if page > self.last_page.get(slug, page):
            return
        document = yield from self._document(response)
        if document is None:
            return
        listing = pages.parse_listing(document, response.url)
        links = list(self._links(listing.article_urls))
        self.crawler.signals.send_catch_log(articles_named, source="listings", urls=links)
        if not links:
            yield from self._retry(response, pages.page_problem(document) or Reason.EMPTY_LISTING)
            return
        new = [url for url in links if self._is_new(url)]
        if self.crawl_state:
            self.crawl_state.record_found(new)
            self.crawl_state.record_listed(slug, category.label, links)
        for url in new:
            if self.args.since:
                self.listed_on.setdefault(url, []).append((slug, page))
            yield self._article(url)
        walk = (slug, from_start)
        if from_start and page == 1:
            self.new_anchors[slug] = links
        self.anchors.get(slug, set()).difference_update(links)
        self.pages_walked[walk] += 1
        self.quiet_pages[walk] = 0 if new else self.quiet_pages[walk] + 1
        next_url = next(
            self._links([listing.next_url] if listing.next_url else [], "listing"), None
        )
        if to_end and self.crawl_state:
            # Taken up at this page, not the next: articles unpublished above it move the
            # rest up, by a page at most between two runs.
            self.crawl_state.record_walked(slug, response.url if next_url else None, page)
        quiet = self.quiet_pages[walk] > self.settings.getint("CHANNEL9_OVERLAP_PAGES")
        anchors_left = len(self.anchors.get(slug, ()))
        if not to_end and quiet and anchors_left <= self.anchors_needed.get(slug, 0):
            logger.info("Stopping %s at page %d: nothing new", category.label, page)
        elif self.args.max_pages and self.pages_walked[walk] >= self.args.max_pages:
            logger.info("Stopping %s at page %d: max_pages", category.label, page)
            return
        elif next_url:
            yield self._listing(category, next_url, page + 1, to_end, from_start)
            return
        if from_start and self.crawl_state:
            self.crawl_state.record_anchors(slug, self.new_anchors[slug])

    def _links(self, urls: Iterable[str], kind: str = "article") -> Iterator[str]:
        """The links that lead to pages of this site, each in its one normal form. One
        longer than Scrapy will ask for (``URLLENGTH_LIMIT``) is a failure, not a link
        that Scrapy drops with a line in the log."""
        limit = self.settings.getint("URLLENGTH_LIMIT")
        for link in urls:
            if not on_site(link, self.base_url):
                self._stat("skipped/offsite_link")
                continue
            url = normalize(link)
            if not limit or len(url) <= limit:
                yield url
            elif not (self.crawl_state and self.crawl_state.is_known(url)):
                meta = {"kind": kind, "queued": url in self.earlier}
                announce_failure(self.crawler, scrapy.Request(url, meta=meta), Reason.URL_TOO_LONG)

    def _is_new(self, url: str) -> bool:
        """Neither exported by an earlier run nor given up (with ``full``, every article is
        worth a look)."""
        if self.args.full or self.crawl_state is None or not self.crawl_state.is_known(url):
            return True
        self._stat("skipped/known")
        return False

    def _article(self, url: str) -> scrapy.Request:
        """An article's request; ``queued`` when an earlier run found it already (its
        failure is reported, but does not fail this run). Nothing of the listing that
        showed it goes along: an item is a function of its page alone, whichever request
        for it Scrapy kept."""
        meta = {"queued": url in self.earlier}
        return self._request(url, self.parse_article, "article", meta=meta)

    def parse_article(self, response: Response) -> Iterator[Any]:
        self._stat("fetched/article")
        document = yield from self._document(response)
        if document is None:
            return
        # When the page was fetched, as the archive records it: a replay gives the same.
        fetched = (fetched_at(response) or datetime.now(timezone.utc)).replace(microsecond=0)
        result = pages.parse_article(document, response.url, self.category_labels, fetched)
        further = [url for url in self._links(result.links) if self._is_new(url)]
        if self.crawl_state:
            self.crawl_state.record_found(further)
        for url in further:
            yield self._article(url)
        article = result.article
        if article is None:
            # Only a page without content is asked why: a challenge or an error page.
            reason = pages.page_problem(document) or result.reason or Reason.NO_BODY
            if reason == Reason.STATIC_PAGE:
                self._skipped(response, "static_page", remember=True)
            elif reason == Reason.NOT_ARTICLE:
                # Linked as an article, yet not one: the site's markup may have changed.
                assert response.request is not None
                announce_failure(self.crawler, response.request, reason)
            else:
                yield from self._retry(response, reason)
            return
        response.meta["field_sources"] = result.sources  # for the run report
        since = self.args.since
        if since and article.published_date and article.published_date < since.isoformat():
            self._skipped(response, "before_since")
            for slug, page in self.listed_on.get(
                response.meta.get("redirect_urls", [response.url])[0], ()
            ):
                self._stop_walk_after(slug, page)
            return
        article.crawled_at = stamp(fetched)
        yield article

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
        try:
            return pages.read_html(response.text.encode("utf-8", "replace"))
        except pages.TooDeep:
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

    def _retry(self, response: Response, reason: str) -> Iterator[scrapy.Request]:
        """A page served whole but holding no content (a challenge, an error page, a cut
        body) is asked for again ``CHANNEL9_CONTENT_RETRIES`` times, then counted as
        failed. Counted apart from the retries of HTTP errors, which have their own."""
        request = response.request
        assert request is not None
        tries = request.meta.get("content_retries", 0)
        if tries >= self.settings.getint("CHANNEL9_CONTENT_RETRIES"):
            announce_failure(self.crawler, request, reason)
            return
        self._stat(f"content_retry/{reason}")
        logger.info("Asking again for %s (%s)", request.url, reason)
        retry = request.replace(dont_filter=True)
        retry.meta["content_retries"] = tries + 1
        yield retry

    def request_failed(self, failure: Failure) -> None:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        announce_failure(self.crawler, request, reason_of(failure))

    def _skipped(self, response: Response, reason: str, remember: bool = False) -> None:
        """A page fetched right that this run writes nothing for; one to ``remember`` (a
        static page) is not asked for again by later runs."""
        self._stat(f"skipped/{reason}")
        if self.crawl_state and response.request is not None:
            url = asked_for(response.request)
            if remember:
                self.crawl_state.set_aside(url, reason)
            else:
                self.crawl_state.forget(url)

    def _stat(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"channel9/{key}")


def is_html(response: Response) -> bool:
    """Whether a successful response is a page at all (not a PDF, an image...)."""
    content_type = response.headers.get(b"Content-Type") or b"html"
    return isinstance(response, TextResponse) and b"html" in content_type
