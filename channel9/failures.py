"""Why a page or a run failed: one vocabulary for the pages, the spider, the middlewares
and the report, and the exceptions that carry it, so that nothing matches messages."""

from __future__ import annotations

import logging
import ssl
from contextlib import suppress
from enum import Enum
from typing import TYPE_CHECKING

from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.web.client import ResponseFailed

from channel9 import signals

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


class Reason(str, Enum):
    """A failed page's reason, as the report and the ``channel9/failed/`` stats name it."""

    TIMEOUT = "timeout"
    CONNECTION_REFUSED = "connection_refused"
    DNS_ERROR = "dns_error"
    CONNECTION_LOST = "connection_lost"
    TLS_ERROR = "tls_error"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    REDIRECT_LOOP = "redirect_loop"
    OFFSITE = "offsite"
    ROBOTS = "robots"
    CHALLENGE_PAGE = "challenge_page"
    ERROR_PAGE = "error_page"
    NO_BODY = "no_body"
    CUT_SHORT = "cut_short"
    TOO_DEEP = "too_deep"
    URL_TOO_LONG = "url_too_long"
    NOT_ARTICLE = "not_article"
    STATIC_PAGE = "static_page"
    EMPTY_LISTING = "empty_listing"
    NO_CATEGORIES = "no_categories"
    CALLBACK_ERROR = "callback_error"
    IGNORED = "ignored"
    DOWNLOAD_ERROR = "download_error"
    NOT_ARCHIVED = "not_archived"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return self.value


MEANINGS = {
    Reason.TIMEOUT: "the site did not answer within `DOWNLOAD_TIMEOUT`",
    Reason.CONNECTION_REFUSED: "the site's host refused the connection",
    Reason.DNS_ERROR: "the site's host name did not resolve",
    Reason.CONNECTION_LOST: "the connection broke before the whole answer came",
    Reason.TLS_ERROR: "the TLS handshake or session failed",
    Reason.TOO_LARGE: "the body passed `DOWNLOAD_MAXSIZE` (10 MB), as sent or unpacked",
    Reason.NOT_HTML: "an answer that is not HTML where a page was expected",
    Reason.REDIRECT_LOOP: "redirects in a loop, or more than `REDIRECT_MAX_TIMES`",
    Reason.OFFSITE: "a redirect or a link to another host or port",
    Reason.ROBOTS: "robots.txt disallows the page (or could not be fetched)",
    Reason.CHALLENGE_PAGE: "a challenge served with 200 instead of the page (a CDN's check)",
    Reason.ERROR_PAGE: "a database or PHP error page, or an article ending in one",
    Reason.NO_BODY: "an article page without a paragraph of text",
    Reason.CUT_SHORT: "an HTML page that did not reach its end (`</body>` or `</html>`),"
    " twice different",
    Reason.TOO_DEEP: "a page nested deeper than the HTML parser follows",
    Reason.URL_TOO_LONG: "a link longer than `URLLENGTH_LIMIT`",
    Reason.NOT_ARTICLE: "a page linked as an article that is not recognised as one",
    Reason.STATIC_PAGE: "a static page (such as `/redaksi/`), skipped and remembered",
    Reason.EMPTY_LISTING: "a listing page that lists no article",
    Reason.NO_CATEGORIES: "the home page names no category",
    Reason.CALLBACK_ERROR: "the code reading the page raised an error",
    Reason.IGNORED: "a request that a middleware dropped for a reason it did not name",
    Reason.DOWNLOAD_ERROR: "a download that failed for a reason not named above",
    Reason.NOT_ARCHIVED: "a replay's page that the archive does not hold",
    Reason.STOPPED: "not asked for: the run was told to stop first (no failure of the page)",
}
"""What each reason means, in one line: the reference of the reasons shows these."""


def http_reason(status: int) -> str:
    """The reason of a page answered with an HTTP error status: ``http_404``, ``http_503``..."""
    return f"http_{status}"


def retried_statuses(settings: BaseSettings) -> frozenset[int]:
    """The answers Scrapy asks again for (``RETRY_HTTP_CODES``, strings when given
    with ``-s``)."""
    return frozenset(int(code) for code in settings.getlist("RETRY_HTTP_CODES", []))


PERMANENT = frozenset(
    {
        str(reason)
        for reason in (
            Reason.OFFSITE,
            Reason.NOT_HTML,
            Reason.TOO_LARGE,
            Reason.REDIRECT_LOOP,
            Reason.URL_TOO_LONG,
        )
    }
    | {http_reason(404), http_reason(410)}
)
"""Reasons that asking again will not mend: such pages are given up after a few runs."""

ABSENT = frozenset({http_reason(404), http_reason(410), str(Reason.OFFSITE), str(Reason.ROBOTS)})
"""A feed or sitemap that is not there for the crawl (gone, on another host, or one that
robots.txt disallows, which it does not fetch): nothing to read, nothing failed."""


class Refused(IgnoreRequest):
    """A request the crawl gives up on for a named reason (a redirect off the site...)."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason


class StartupError(Exception):
    """The crawl cannot start (a bad argument, a state held or broken): exit status 2."""


_DOWNLOAD_ERRORS: tuple[tuple[type[BaseException], Reason], ...] = (
    (DownloadTimeoutError, Reason.TIMEOUT),
    (DownloadConnectionRefusedError, Reason.CONNECTION_REFUSED),
    (CannotResolveHostError, Reason.DNS_ERROR),
    (ResponseDataLossError, Reason.CONNECTION_LOST),
    (DownloadFailedError, Reason.CONNECTION_LOST),
    # Scrapy cancels a download only when its body passes DOWNLOAD_MAXSIZE.
    (DownloadCancelledError, Reason.TOO_LARGE),
)


def reason_of(failure: Failure) -> str:
    """The reason a request's errback names: ``http_503``, ``timeout``, ``offsite``..."""
    error = failure.value
    if isinstance(error, HttpError):
        return http_reason(error.response.status)
    if isinstance(error, Refused):
        return str(error.reason)
    if _tls_failed(error):
        return str(Reason.TLS_ERROR)
    for kind, reason in _DOWNLOAD_ERRORS:
        if isinstance(error, kind):
            return str(reason)
    if isinstance(error, IgnoreRequest):
        return str(Reason.IGNORED)
    return str(Reason.DOWNLOAD_ERROR)


def _tls_failed(error: BaseException | None) -> bool:
    """Whether a download failed in its TLS handshake or session.

    Scrapy raises such an error as the cause of a wider one: Twisted's handler a
    ``DownloadFailedError`` from a ``ResponseFailed`` that holds OpenSSL's error among its
    reasons, httpx's and aiohttp's a connection error from Python's ``ssl`` one.
    """
    causes = [error]
    seen: set[int] = set()
    while causes:
        cause = causes.pop()
        if cause is None or id(cause) in seen:
            continue
        if isinstance(cause, (SSL.Error, ssl.SSLError)):
            return True
        seen.add(id(cause))
        if isinstance(cause, ResponseFailed):
            causes += [reason.value for reason in cause.reasons]
        causes.append(cause.__cause__)
    return False


STOPPED_FOR = "channel9/stopped_for"
"""The stat that says why :func:`stop_run` stopped the run."""


def stop_run(crawler: Crawler, reason: str) -> None:
    """Ends the run early for ``reason``, which fails it: what it was doing could not be
    done (the output, the archive or the crawl state could not be written, the site is
    down). The requests queued in the downloader are then dropped
    (:class:`channel9.crawl.guards.StopAtOnce`)."""
    assert crawler.stats is not None
    crawler.stats.set_value(STOPPED_FOR, reason)
    with suppress(RuntimeError):  # the run is over already, or never started
        if crawler.engine is not None:  # before Scrapy 2.19, a crawler not started has none
            deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


def drop_queued(crawler: Crawler) -> int:
    """Drops the requests waiting in the downloader for their turn (a site that asked
    for a minute between requests would keep a stopping run for a minute each): each
    ends as ``stopped``, which no one records as done or failed, and goes back to the
    scheduler, so that a paused job (``JOBDIR``) keeps it for when it resumes. Scrapy
    stops taking requests from the scheduler once the run closes, but waits for those
    in the downloader, whose queue (``Slot.queue``) it offers no other way to empty.
    Returns how many were dropped."""
    engine = crawler.engine
    dropped = 0
    for slot in engine.downloader.slots.values():
        while slot.queue:
            request, waiting = slot.queue.popleft()
            try:
                waiting.errback(Refused(Reason.STOPPED))
            finally:
                engine.crawl(request.replace(dont_filter=True))
            dropped += 1
    if dropped and crawler.stats is not None:
        crawler.stats.inc_value("channel9/dropped_at_stop", dropped)
    return dropped


def asked_for(request: Request) -> str:
    """The URL the crawl asked for, before any redirect."""
    return str(request.meta.get("redirect_urls", [request.url])[0])


def announce_failure(crawler: Crawler, request: Request, reason: str) -> None:
    """A page the run could not use: logged, counted under ``channel9/failed/``, and told
    to the crawl state and the report, under the URL the crawl asked for."""
    url = asked_for(request)
    logger.warning("Failed %s: %s", url, reason)
    assert crawler.stats is not None
    crawler.stats.inc_value(f"channel9/failed/{reason}")
    crawler.signals.send_catch_log(
        signals.page_failed,
        url=url,
        reason=str(reason),
        kind=request.meta.get("kind", "article"),
        counts=not request.meta.get("queued"),
        tries=tries_of(request),
        door=request.meta.get("door", ""),
    )


def tries_of(request: Request) -> int:
    """How many times the site was asked for the page: the first time, Scrapy's retries
    of errors and the project's of pages served without content."""
    meta = request.meta
    tries: int = 1 + meta.get("retry_times", 0) + meta.get("content_retries", 0)
    return tries
