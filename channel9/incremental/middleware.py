"""The incremental crawl as a spider middleware: which doors this run reads and how far,
which articles it asks for, and what it records of them.

The spider asks for every door each run (each category's listing from page 1, the
feeds, the sitemaps) and follows every next page and every article link: crawling
decides what could be followed. This middleware decides, from the coverage ledger of
the crawl state, what is worth following: a door never read to its end is taken up
where it stopped and read to the end, whatever the feed says; a door read to its end
before is read only for what is new; articles exported before are not asked for again.
With no crawl state every door is new, so it is the walk rules alone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals

from channel9 import signals as channel9_signals
from channel9.failures import announce_failure
from channel9.incremental.extension import CrawlStateExtension
from channel9.incremental.walk import ListingWalk
from channel9.pages.parser import Category
from channel9.reasons import Reason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

    from channel9.crawl.arguments import Arguments
    from channel9.incremental.store import Door

logger = logging.getLogger(__name__)

CUT_SHORT = "channel9_cut_short"
"""Response meta: its callback raised, so what it yielded is not all the page held."""


class IncrementalMiddleware:
    """Applies the coverage ledger and the walk rules to what the spider yields.

    Requests it reads by their ``meta``: ``kind`` (``listing``, ``article``, ``source``),
    ``door`` (the door a listing page, feed or sitemap belongs to), ``page`` (a listing
    page's number) and, on a sitemap's articles, ``lastmod``.
    """

    def __init__(self, crawler: Crawler, state: CrawlStateExtension | None) -> None:
        self.crawler = crawler
        self.state = state
        self.walks: dict[str, ListingWalk] = {}
        """This run's walks, by walk name: ``<door>`` from page 1, ``<door>@resume``."""
        self.held: list[Request] = []
        """Doors read to their end before, held until the door that tells whether they
        are needed has told (see :meth:`_hold`)."""
        self.sitemaps_again = False
        """Whether the sitemaps read before are read again (the main feed said so)."""
        self.holder: str | None = None
        """That door's name."""
        self.failed_doors: set[str] = set()
        """Listings a page of which failed in this run: none is read to its end by it."""
        self.main_feed: str | None = None
        """The main feed's door name, once asked for."""
        self.too_long: set[str] = set()
        """Links longer than Scrapy asks for, each a failure once a run."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler, crawler.get_extension(CrawlStateExtension))
        crawler.signals.connect(
            middleware.source_unavailable, signal=channel9_signals.source_unavailable
        )
        crawler.signals.connect(middleware.sitemaps_read, signal=channel9_signals.sitemaps_read)
        crawler.signals.connect(middleware.page_failed, signal=channel9_signals.page_failed)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def args(self) -> Arguments:
        args: Arguments = self.crawler.spider.args  # type: ignore[union-attr]
        return args

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Any = None
    ) -> Iterator[Any]:
        if self._walked(response):
            yield from self._listing_page(response, list(result))
            return
        articles: list[str] = []
        for entry in result:
            yield from self._entry(entry, articles)
        yield from self._after_main_feed(response, articles)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        """As :meth:`process_spider_output`, each entry as it comes: a feed or sitemap
        counts as read (``door_read``, sent as its callback ends) only after every
        article it named is recorded."""
        if self._walked(response):
            for entry in self._listing_page(response, [entry async for entry in result]):
                yield entry
            return
        articles: list[str] = []
        async for entry in result:
            for out in self._entry(entry, articles):
                yield out
        for out in self._after_main_feed(response, articles):
            yield out

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Any = None
    ) -> None:
        """A callback that raised leaves its page read in part: no walk may take it for
        the listing's last page, no feed for what it tells."""
        response.meta[CUT_SHORT] = True

    def _walked(self, response: Response) -> bool:
        """Whether the response is a page of one of this run's listing walks."""
        meta = response.meta
        return meta.get("kind") == "listing" and meta.get("walk") in self.walks

    def _entry(self, entry: Any, articles: list[str]) -> Iterator[Any]:
        if not isinstance(entry, Request):
            yield entry
        elif entry.meta.get("kind") == "article":
            articles.append(entry.url)
            yield from self._article(entry, self._known(entry.url))
        else:
            yield from self._door(entry)

    def _after_main_feed(self, response: Response, articles: list[str]) -> Iterator[Request]:
        """Release the doors the main feed held, if it does not reach back far enough.

        Only on the main feed (its articles, newest first): see
        :meth:`_release_unless_feed_reaches_walks`."""
        if response.meta.get("main_feed"):
            yield from self._release_unless_feed_reaches_walks(
                articles, whole=not response.meta.get(CUT_SHORT)
            )

    # Doors.

    def _door(self, request: Request) -> Iterator[Request]:
        """A listing's first page, a feed, a sitemap (or any other request): asked for
        when this run is to read that door."""
        name = request.meta.get("door")
        if name is None or request.meta.get("page", 1) != 1:
            yield request
            return
        door = self.state.door(name) if self.state else None
        if request.meta.get("main_feed"):
            self.main_feed = name
        if request.meta.get("kind") == "listing":
            yield from self._walks(request, name, door)
        elif self._needed(request, door):
            yield request
        elif request.meta.get("root") and self._hold_for("main feed"):
            self.held.append(request)
        else:
            self._stat("skipped/door_read")

    def _needed(self, request: Request, door: Door | None) -> bool:
        """Whether a feed or sitemap is to be read: when it never was to its end, and
        always for the doors that name the others (the main feed, the sitemap index).
        Sitemaps are read again with ``full`` (their ``<lastmod>`` tells the edits), and
        their way in (``root``) while any sitemap is unread."""
        if door is None or not door.read_to_end or request.meta.get("always"):
            return True
        if not door.name.startswith("sitemap:"):
            return False
        if self.sitemaps_again:
            return True
        root = bool(request.meta.get("root"))
        return self.args.full or (root and self.state is not None and self.state.unread("sitemap:"))

    def _walks(self, request: Request, name: str, door: Door | None) -> Iterator[Request]:
        """The walks of one listing: to its end from page 1 when it was never read, from
        where it stopped when it was read partly (and from page 1 for what is new since),
        for what is new only when it was read to its end."""
        if door is None or not (door.read_to_end or door.resume_url):
            self.walks[name] = self._new_walk(to_end=True)
            yield self._walk(request, name)
            return
        read = door.read_to_end
        self.walks[name] = self._new_walk(to_end=read and self.args.full, anchors=door.anchors)
        if read and self.args.full and self._hold_for("sitemaps"):
            self.held.append(self._walk(request, name))
        else:
            yield self._walk(request, name)
        if not read and door.resume_url and door.resume_page:
            logger.info("Taking up %s at %s", name, door.resume_url)
            resume = f"{name}@resume"
            self.walks[resume] = self._new_walk(to_end=True)
            taken_up = request.replace(url=door.resume_url, dont_filter=True)
            taken_up.meta["page"] = door.resume_page
            yield self._walk(taken_up, resume)

    def _new_walk(self, to_end: bool, anchors: tuple[str, ...] = ()) -> ListingWalk:
        settings = self.crawler.settings
        return ListingWalk(
            to_end=to_end,
            anchors=anchors,
            overlap=settings.getint("CHANNEL9_OVERLAP_PAGES"),
            repeated=settings.getint("CHANNEL9_REPEATED_PAGES"),
            max_pages=self.args.max_pages,
        )

    @staticmethod
    def _walk(request: Request, walk: str) -> Request:
        request.meta["walk"] = walk
        return request

    def _hold_for(self, holder: str) -> bool:
        """Make ``holder`` the door others wait for, if this run reads it; whether they wait.

        A door waits for another that tells whether it is needed: with
        ``full``, the walks of listings read before wait for the sitemaps (which date
        every edit); else the sitemaps, read before, wait for the main feed (which tells
        whether more was published since the last walks than it holds)."""
        held = self.args.uses_sitemaps if holder == "sitemaps" else self.args.uses_main_feed
        if held:
            self.holder = holder
        return held

    def _release_unless_feed_reaches_walks(
        self, articles: list[str], whole: bool
    ) -> Iterator[Request]:
        """Release the held doors unless the main feed reaches back to the last walks.

        When its two oldest entries were exported before the listings were last walked
        to the finish, one after the other, every article older than them was seen then,
        and every newer one is in the feed. Else more may have been published since than
        the feed holds: the sitemaps are read again, for what no listing shows."""
        if not self.held or self.holder != "main feed":
            return
        # Its two oldest entries, not any: an old article moved up (promoted, re-dated)
        # says nothing, and is not published next to the entry before it. Exported, not
        # merely known: a page given up says nothing of what came after.
        state, tail = self.state, articles[-2:]
        if (
            whole
            and state is not None
            and len(tail) == 2
            and all(state.seen_by_walks(url) for url in tail)
            and state.next_to(*tail)
        ):
            self.held = []
        else:
            logger.info("The feed does not reach back to the last walks: reading the sitemaps")
            yield from self._release()

    def _release(self) -> Iterator[Request]:
        held, self.held = self.held, []
        self.sitemaps_again = self.holder == "main feed"
        yield from held

    def source_unavailable(self, door: str = "") -> None:
        """The main feed could not be had: the doors it held are needed after all."""
        if self.holder == "main feed" and door == self.main_feed and self.held:
            self._crawl(self._release())

    def sitemaps_read(self, dated: bool) -> None:
        """Every sitemap of a ``full`` run read: the walks are needed unless they dated
        every article (an edit then shows as a later ``<lastmod>``)."""
        if self.holder != "sitemaps" or not self.held:
            return
        if dated:
            self.held = []
        else:
            logger.info("The sitemaps give no <lastmod> for every article: walking all")
            self._crawl(self._release())

    def _crawl(self, requests: Iterable[Request]) -> None:
        assert self.crawler.engine is not None
        for request in requests:
            self.crawler.engine.crawl(request)

    def page_failed(self, door: str = "") -> None:
        if door:
            self.failed_doors.add(door)

    def spider_closed(self) -> None:
        if self.held:  # the run ended before the door that held them told
            logger.info("%d doors held for the %s were not needed", len(self.held), self.holder)

    # Listing pages.

    def _listing_page(self, response: Response, result: list[Any]) -> Iterator[Any]:
        """One page of a walk: its new articles, then the next page if the walk goes on;
        how far the walk got is recorded once the articles it showed are."""
        name, page = response.meta["walk"], response.meta["page"]
        door = name.partition("@")[0]
        articles, following = [], []
        for entry in result:
            if not isinstance(entry, Request):
                yield entry
            elif entry.meta.get("kind") == "article":
                articles.append(entry)
            elif entry.meta.get("door") == door and entry.meta.get("page") == page + 1:
                following.append(self._walk(entry, name))
            else:
                yield entry  # the page asked for again, say
        if not articles:  # a page the spider did not read
            return
        if response.meta.get(CUT_SHORT):  # its articles stay to fetch; its walk goes no further
            for request in articles:
                yield from self._article(request, self._known(request.url))
            return
        links = [request.url for request in articles]
        if self.state:
            label = Category(*response.meta["category"]).label
            self.state.record_listed(door.partition(":")[2], label, links)
        known = {url for url in links if self._known(url)}
        for request in articles:
            yield from self._article(request, request.url in known)
        walk = self.walks[name]
        if not walk.pages:
            walk.began_at = page
        new = [url for url in links if url not in known]
        stop = walk.page(links, new, has_next=bool(following))
        if walk.to_end and self.state:
            # Taken up at this page, not the next: articles unpublished above it move
            # the rest up, by a page at most between two runs.
            ended = stop is not None and stop.finished and door not in self.failed_doors
            self.state.record_walked(door, None if ended else response.url, page)
        if stop is None:
            yield from following
            return
        logger.info("Stopping %s at page %d: %s", door, page, stop)
        self._stat(f"walk_stopped/{stop}")
        self.crawler.signals.send_catch_log(
            channel9_signals.walk_stopped, door=door, page=page, stop=str(stop)
        )
        # Page 1's articles, not those of a page a resumed job (JOBDIR) began with.
        if stop.finished and walk.began_at == 1 and self.state:
            self.state.record_anchors(door, list(walk.first_page))

    # Articles.

    def _known(self, url: str) -> bool:
        """Exported by an earlier run, or given up."""
        return self.state is not None and self.state.is_known(url)

    def _article(self, request: Request, known: bool) -> Iterator[Request]:
        """An article link (``known``: see :meth:`_known`): asked for unless known,
        recorded as to fetch before the page that showed it counts as read. With
        ``full``, every article is worth a look but one a sitemap dates as unchanged
        since its export."""
        url = request.url
        limit = self.crawler.settings.getint("URLLENGTH_LIMIT")
        if limit and len(url) > limit:
            # Scrapy would drop it with a line in the log: a failure until given up.
            if not known and url not in self.too_long:
                self.too_long.add(url)
                announce_failure(self.crawler, request, Reason.URL_TOO_LONG)
            return
        lastmod = request.meta.get("lastmod")
        if self.state is None:
            yield request
            return
        if lastmod is not None:
            if self.args.full and not self.state.modified(url, lastmod):
                self._stat("skipped/not_modified")
                return
            self.state.record_lastmod(url, lastmod)
        if known and not self.args.full:
            self._stat("skipped/known")
            return
        self.state.record_found([url])
        yield request

    def _stat(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"channel9/{key}")
