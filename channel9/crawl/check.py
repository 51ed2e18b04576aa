"""The health check (``scrapy crawl channel9 -a check=1``): one page of each door, read.

It fetches the home page, the first listing page of the menu's first category, the main
feed, the sitemap robots.txt names (else WordPress's own) and the first article the
listing shows, and reads each as the crawl would. Nothing is written: no crawl state, no
archive, no run file, no report; the project's add-on is left out, Scrapy's politeness
settings (robots.txt, the user agent, the delay) are the project's. The check an operator
runs after a deploy or a site change, and a daily canary.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response, TextResponse

from channel9.crawl import discovery
from channel9.crawl.arguments import Arguments
from channel9.crawl.responses import is_html
from channel9.failures import reason_of
from channel9.pages import parser, selectors
from channel9.pages.urls import on_site
from channel9.reasons import Reason

if TYPE_CHECKING:
    from twisted.python.failure import Failure

DOORS = ("home", "listing", "feed", "sitemap", "article")
"""The pages checked, in the order their lines are printed."""
OK = "ok"
WIDTH = max(len(reason) for reason in Reason)
"""The outcome's column: as wide as the longest reason, so that the URLs line up."""
CHECK_SETTINGS: dict[str, Any] = {
    # No add-on: nothing of the crawl's state, archive, run file or report.
    "ADDONS": {},
    # Once more, not twice: the check says in seconds whether the site answers.
    "RETRY_TIMES": 1,
}


class HealthCheck(scrapy.Spider):
    """Reads one page of each of :data:`DOORS` and notes, for each, ``ok`` or why not
    (:mod:`channel9.reasons`, ``http_503``, ``not_checked`` when the page that leads to it
    failed)."""

    name = "channel9"
    custom_settings = CHECK_SETTINGS

    def __init__(self, **kwargs: Any) -> None:
        args = Arguments.parse(kwargs)
        super().__init__(**args.passed_on)
        self.base_url = args.base_url
        self.results: dict[str, tuple[str, str]] = {}
        """By door: ``ok`` or the reason, and the URL read."""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._request("home", f"{self.base_url}/", self.parse_home)
        yield self._request("feed", self.base_url + selectors.FEED_PATH, self.parse_feed)
        # Without a robots.txt, WordPress's own sitemap is the one, as the crawl reads it.
        robots = self._request("sitemap", f"{self.base_url}/robots.txt", self.parse_robots)
        robots.meta["handle_httpstatus_list"] = [404, 410]
        yield robots

    def _request(self, door: str, url: str, callback: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback, errback=self.failed, meta={"door": door}, dont_filter=True
        )

    def note(self, door: str, outcome: str, url: str) -> None:
        self.results[door] = (outcome, url)

    def failed(self, failure: Failure) -> None:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        self.note(request.meta["door"], reason_of(failure), request.url)

    def document(self, response: Response) -> Any:
        """The page's HTML tree; None (its door noted) when it is none."""
        if not is_html(response):
            self.note(response.meta["door"], str(Reason.NOT_HTML), response.url)
            return None
        return parser.read_html(response.text.encode("utf-8", "replace"))

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        document = self.document(response)
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
        document = self.document(response)
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
        document = self.document(response)
        if document is None:
            return
        assert isinstance(response, TextResponse)
        read = parser.parse_article(document, response.url, whole=parser.is_whole(response.text))
        outcome = OK if read.article is not None else str(read.reason or Reason.NO_BODY)
        self.note("article", outcome, response.url)

    def parse_feed(self, response: Response) -> None:
        try:
            named = discovery.parse_feed(response.body, response.url)
        except discovery.BrokenSource:
            self.note("feed", "broken", response.url)
            return
        self.note("feed", OK if named else "empty", response.url)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        found = response.status == 200
        named = discovery.sitemaps_in_robots(response.body, response.url) if found else []
        first = named[0] if named else self.base_url + selectors.SITEMAP_PATHS[0]
        yield self._request("sitemap", first, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> None:
        try:
            page = discovery.parse_sitemap(
                response.body, response.url, self.settings.getint("DOWNLOAD_MAXSIZE")
            )
        except discovery.BrokenSource:
            self.note("sitemap", "broken", response.url)
            return
        self.note("sitemap", OK if page.sitemaps or page.articles else "empty", response.url)

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
