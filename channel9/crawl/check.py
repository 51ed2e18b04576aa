"""The health check (``scrapy crawl channel9 -a check=1``): one page of each door, read.

It fetches the home page, the first listing page of the menu's first category, the main
feed, the sitemap robots.txt names (else WordPress's own) and the first article the
listing shows, through the crawl's own downloader middlewares (robots.txt per RFC 9309,
redirects, sizes, backoff), and reads each with the crawl's page parser. Nothing is
written: the project's add-on, which wires the crawl state, the archive, the run file and
the report, is left out (other add-ons are kept); the settings are the project's. The
check an operator runs after a deploy or a site change, and a daily canary.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES

from channel9.crawl import discovery
from channel9.crawl.arguments import Arguments
from channel9.crawl.network import DOWNLOADER_MIDDLEWARES, REPLACED, STOP_AT_ONCE
from channel9.crawl.responses import html_tree, is_html
from channel9.defaults import DEFAULTS, check_settings
from channel9.failures import reason_of
from channel9.pages import parser, selectors
from channel9.pages.urls import on_site
from channel9.reasons import Reason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure
    from typing_extensions import Self

logger = logging.getLogger(__name__)

DOORS = ("home", "listing", "feed", "sitemap", "article")
"""The pages checked, in the order their lines are printed."""
OK = "ok"
WIDTH = max(len(reason) for reason in Reason)
"""The outcome's column: as wide as the longest reason, so that the URLs line up."""
SITEMAP_DEPTH = 2
"""Sitemap indexes followed down to a sitemap of articles: WordPress's is one deep."""
ADDON = "channel9.addon.Channel9"
"""The project's add-on, by its path: left out of the check's add-ons."""
CHECK_SETTINGS: dict[str, Any] = {
    # Once more, not twice, and no page waited for past 15 s: the check says within a
    # couple of minutes, even of a site that hangs, whether each door answers.
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 15,
    # A site that asks to be left alone for an hour (Retry-After) is not waited for.
    "CHANNEL9_MAX_BACKOFF": 5,
    # The site as it answers now, not a cache of it; no paused crawl's queue taken up, and
    # none left behind (given with -s, they are refused).
    "HTTPCACHE_ENABLED": False,
    "JOBDIR": None,
}


class HealthCheck(scrapy.Spider):
    """Reads one page of each of :data:`DOORS` and notes, for each, ``ok`` or why not
    (:mod:`channel9.reasons`, ``http_503``, ``not_checked`` when the page that leads to it
    failed)."""

    name = "channel9-check"
    custom_settings = CHECK_SETTINGS

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The check's settings, the project's add-on out, and the defaults of the
        ``CHANNEL9_*`` settings the middlewares read (the add-on gives them to a crawl)."""
        check_settings(settings)
        for name, value in DEFAULTS.items():
            settings.set(name, value, priority="addon")
        super().update_settings(settings)
        # Added to the project's own components, at spider priority (over Scrapy's base
        # ones, given by path): pages fetched, and refused, as the crawl fetches them; a
        # stop (Ctrl-C, SIGTERM) drops the pages waiting instead of fetching them.
        network = {**dict.fromkeys(REPLACED.values()), **DOWNLOADER_MIDDLEWARES}
        for name, ours in (
            ("DOWNLOADER_MIDDLEWARES", network),
            ("EXTENSIONS", STOP_AT_ONCE),
        ):
            merged = {**settings.getdict(name), **ours}
            priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["spider"])
            settings.set(name, merged, priority=priority)
        addons = {
            addon: order
            for addon, order in settings.getdict("ADDONS").items()
            if path_of(addon) != ADDON
        }
        settings.set("ADDONS", addons, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        check = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(check.callback_failed, signal=signals.spider_error)
        return check

    def __init__(self, **kwargs: Any) -> None:
        args = Arguments.parse(kwargs)
        super().__init__(**args.passed_on)
        self.base_url = args.base_url
        self.results: dict[str, tuple[str, str]] = {}
        """By door: ``ok`` or the reason, and the URL read."""
        self.closes_html = False
        """Whether the site ends its pages (the home page or the listing did)."""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._request("home", f"{self.base_url}/", self.parse_home)
        yield self._request("feed", self.base_url + selectors.FEED_PATH, self.parse_feed)
        # Without a robots.txt, WordPress's own sitemap is the one, as the crawl reads it.
        robots = self._request("sitemap", f"{self.base_url}/robots.txt", self.parse_robots)
        robots.meta["handle_httpstatus_list"] = [404, 410]
        yield robots

    def _request(self, door: str, url: str, callback: Callable[[Response], Any]) -> scrapy.Request:
        return scrapy.Request(
            url, callback, errback=self.failed, meta={"door": door}, dont_filter=True
        )

    def note(self, door: str, outcome: str, url: str) -> None:
        """Records the door's outcome (``ok`` or why not) and the URL read."""
        self.results[door] = (outcome, url)

    def failed(self, failure: Failure) -> None:
        """A page that could not be fetched, or was refused: its door, and why."""
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        self.note(request.meta["door"], reason_of(failure), request.url)

    def callback_failed(self, failure: Failure, response: Response, spider: Any) -> None:
        """A page the check could not read (a bug, or markup that breaks the parser)."""
        self.note(response.meta["door"], str(Reason.CALLBACK_ERROR), response.url)

    def read_page(self, response: Response) -> Any:
        """The page's HTML tree; None (its door noted) when it is none. The site closes
        its pages (``</html>``) when the home page or the listing does, as the crawl
        learns it: an article that does not was cut short."""
        if not is_html(response):
            self.note(response.meta["door"], str(Reason.NOT_HTML), response.url)
            return None
        assert isinstance(response, TextResponse)
        if response.meta["door"] != "article":
            self.closes_html = self.closes_html or parser.is_whole(response.text)
        return html_tree(response)

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        document = self.read_page(response)
        if document is None:
            return
        menu = [
            c for c in parser.parse_menu(document, response.url) if on_site(c.url, self.base_url)
        ]
        if not menu:
            self.note("home", str(Reason.NO_CATEGORIES), response.url)
            return
        self.note("home", OK, response.url)
        yield self._request("listing", menu[0].url, self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        document = self.read_page(response)
        if document is None:
            return
        urls = [
            u
            for u in parser.parse_listing(document, response.url).article_urls
            if on_site(u, self.base_url)
        ]
        if not urls:
            self.note(
                "listing", str(parser.page_problem(document) or Reason.EMPTY_LISTING), response.url
            )
            return
        self.note("listing", OK, response.url)
        yield self._request("article", urls[0], self.parse_article)

    def parse_article(self, response: Response) -> None:
        document = self.read_page(response)
        if document is None:
            return
        assert isinstance(response, TextResponse)
        whole = parser.is_whole(response.text)
        if parser.shows_fatal_error(response.text):
            outcome = str(Reason.ERROR_PAGE)
        elif not whole and self.closes_html:
            outcome = str(Reason.CUT_SHORT)  # the other pages end, this one was cut
        else:
            read = parser.parse_article(document, response.url, whole=whole)
            problem = parser.page_problem(document) or read.reason or Reason.NO_BODY
            outcome = OK if read.article is not None else str(problem)
        self.note("article", outcome, response.url)

    def parse_feed(self, response: Response) -> None:
        try:
            named = discovery.parse_feed(response.body, response.url)
        except discovery.BrokenSource:
            self.note("feed", "broken", response.url)
            return
        # As the crawl follows it: an article elsewhere is none of the site's.
        ours = [each for each in named if on_site(each.url, self.base_url)]
        self.note("feed", OK if ours else "empty", response.url)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        found = response.status == 200
        named = discovery.sitemaps_in_robots(response.body, response.url) if found else []
        first = named[0] if named else self.base_url + selectors.SITEMAP_PATHS[0]
        yield self._request("sitemap", first, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """An index leads to its first post sitemap: the door is ok once a sitemap names
        an article of the site."""
        try:
            page = discovery.parse_sitemap(
                response.body, response.url, self.settings.getint("DOWNLOAD_MAXSIZE")
            )
        except discovery.BrokenSource:
            self.note("sitemap", "broken", response.url)
            return
        if any(on_site(each.url, self.base_url) for each in page.articles):
            self.note("sitemap", OK, response.url)
        elif page.sitemaps and response.meta.get("index", 0) < SITEMAP_DEPTH:
            child = self._request("sitemap", page.sitemaps[0], self.parse_sitemap)
            child.meta["index"] = response.meta.get("index", 0) + 1
            yield child
        else:
            self.note("sitemap", "empty", response.url)

    def outcomes(self) -> dict[str, tuple[str, str]]:
        """By door in :data:`DOORS`' order: ``ok`` or why not, and the URL read; a door
        no page led to is ``not_checked``."""
        return {door: self.results.get(door, ("not_checked", "")) for door in DOORS}

    def lines(self) -> list[str]:
        """One line per door: its name, ``ok`` or why not, the URL read."""
        return [
            f"{door:<8} {outcome:<{WIDTH}} {url}".rstrip()
            for door, (outcome, url) in self.outcomes().items()
        ]


def path_of(component: Any) -> str:
    """A component's import path, whether given by its path or as a class."""
    if isinstance(component, str):
        return component
    return f"{component.__module__}.{component.__qualname__}"
