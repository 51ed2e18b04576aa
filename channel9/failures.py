"""Why a page or a run failed: one vocabulary for the pages, the spider, the middlewares
and the report, and the exceptions that carry it, so that nothing matches messages."""

from __future__ import annotations

import logging
import ssl
from contextlib import suppress
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
from channel9.reasons import Reason, http_reason

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


def retried_statuses(settings: BaseSettings) -> frozenset[int]:
    """The answers Scrapy asks again for (``RETRY_HTTP_CODES``, strings when given
    with ``-s``)."""
    return frozenset(int(code) for code in settings.getlist("RETRY_HTTP_CODES", []))


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
