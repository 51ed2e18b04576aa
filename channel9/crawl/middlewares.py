"""Middlewares for a hostile web: Retry-After and backoff, strict robots.txt, redirects and
bodies that go too far, and callbacks that fail: each failure named."""

from __future__ import annotations

import logging
import sys
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from isal import isal_zlib
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.responsetypes import responsetypes
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from channel9.archive.reader import GZIP_ERROR, GZIP_WBITS
from channel9.failures import Refused, announce_failure, reason_of, retried_statuses
from channel9.pages.urls import on_site
from channel9.reasons import Reason, http_reason

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

GZIP = frozenset((b"gzip", b"x-gzip"))
"""The names of gzip in a ``Content-Encoding``."""
SCRAPY_COMPRESSION_LOG = logging.getLogger(HttpCompressionMiddleware.__module__)
"""Where Scrapy's decompression warns: the warnings given in its place come from there too."""


class _CrawlerMiddleware:
    """Base of the middlewares that need the crawler (its settings, engine, spider)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)


class BackoffMiddleware(_CrawlerMiddleware):
    """Slows the whole site down when it says it is overloaded.

    Scrapy retries a 429 or 5xx at once and ignores ``Retry-After``. Here such an answer
    raises the delay of the site's download slot, for every request, to the
    ``Retry-After`` it asked for, or to an exponential backoff by the request's retries
    (at most ``CHANNEL9_MAX_BACKOFF`` seconds), kept there against AutoThrottle (which
    sets the delay anew on every answer) until that long has passed without another such
    answer, when the usual delay returns. It sits after the retry middleware, so it sees
    the answer before the retry is scheduled.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.codes = retried_statuses(crawler.settings)
        self.max_backoff = crawler.settings.getfloat("CHANNEL9_MAX_BACKOFF")
        self.base = crawler.settings.getfloat("CHANNEL9_BACKOFF_BASE")
        self.saved: dict[str, tuple[float, float, float]] = {}
        """By slot: the usual delay, until when to hold back, and the delay held."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        slot = self._slot(request)
        if slot is None:
            return response
        key = request.meta["download_slot"]
        if response.status in self.codes:
            retries = request.meta.get("retry_times", 0)
            wait = retry_after(response.headers.get(b"Retry-After"))
            if wait is None:
                wait = self.base * 2**retries
            wait = min(wait, self.max_backoff)
            normal = self.saved.get(key, (slot.delay, 0.0, 0.0))[0]
            self.saved[key] = (normal, time.monotonic() + wait, wait)
            slot.delay = max(slot.delay, wait)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("channel9/backoff")
            logger.info("%s answered %d: slowing down to %.1fs", key, response.status, wait)
        elif key in self.saved:
            normal, until, held = self.saved[key]
            if time.monotonic() >= until:
                slot.delay = normal
                del self.saved[key]
            else:
                slot.delay = max(slot.delay, held)
        return response

    def _slot(self, request: Request) -> Any:
        key = request.meta.get("download_slot")
        return None if key is None else self.crawler.engine.downloader.slots.get(key)


def retry_after(value: bytes | None) -> float | None:
    """Seconds asked for by a Retry-After header (seconds or an HTTP date), if readable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class RedirectGuardMiddleware(_CrawlerMiddleware):
    """Refuses, as failures the spider hears of, redirects that leave the site, loop or
    go on past ``REDIRECT_MAX_TIMES``.

    Scrapy would follow them and then drop the next request without a word (the offsite
    filter, the duplicate filter), or drop a long chain as merely ``ignored``. It sits
    after the redirect middleware, so it sees the redirect first.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(request.url, safe_url_string(location.decode("latin-1")))
        site = getattr(self.crawler.spider, "base_url", None)
        if site and not on_site(target, site):
            raise Refused(Reason.OFFSITE, f"redirect to {target}")
        earlier = request.meta.get("redirect_urls", ())
        if target == request.url or target in earlier:
            raise Refused(Reason.REDIRECT_LOOP, f"back to {target}")
        if len(earlier) >= self.crawler.settings.getint("REDIRECT_MAX_TIMES"):
            raise Refused(Reason.REDIRECT_LOOP, f"more than {len(earlier)} redirects")
        return response


class SizeGuardedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, naming a body that unpacks past ``DOWNLOAD_MAXSIZE`` (a
    gzip bomb) ``too_large``: Scrapy's middleware raises a bare ``IgnoreRequest`` for it,
    and for nothing else.

    A body gzipped whole in one member, as web servers send pages, is unpacked by ISA-L
    in one call: Scrapy's gunzip reads it through :class:`gzip.GzipFile` a piece at a
    time, two to three times the CPU (0.2 to 0.3 against 0.1 ms for a page of 150 to
    220 KB). Any other body (other encodings, several, a member cut short or followed by
    more bytes, one past the limit) is Scrapy's to decode, with its warnings and leniency.
    The one difference: ISA-L reads the rare member whose Huffman codes zlib calls
    incomplete (and Scrapy fails the page for), when its checksum vouches for what it
    unpacks.
    """

    def __init__(self, *, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.warn_size = crawler.settings.getint("DOWNLOAD_WARNSIZE")

    def open_spider(self, spider: Spider) -> None:
        # The spider's own limits, which Scrapy's middleware still takes (deprecated).
        super().open_spider(spider)
        self.max_size = getattr(spider, "download_maxsize", self.max_size)
        self.warn_size = getattr(spider, "download_warnsize", self.warn_size)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            unpacked = self._gunzipped(request, response)
            if unpacked is not None:
                return unpacked
            return super().process_response(request, response)
        except IgnoreRequest as error:
            raise Refused(Reason.TOO_LARGE, str(error)) from error

    def _gunzipped(self, request: Request, response: Response) -> Response | None:
        """The response with its body unpacked, as Scrapy's middleware gives it, if the
        body is one whole gzip member that unpacks within the limit; else None."""
        encodings = b",".join(response.headers.getlist("Content-Encoding")).split(b",")
        if request.method == "HEAD" or len(encodings) != 1:
            return None
        if encodings[0].strip().lower() not in GZIP:
            return None
        max_size = request.meta.get("download_maxsize", self.max_size)
        if not isinstance(max_size, int) or not 0 <= max_size < sys.maxsize:
            return None  # a limit Scrapy's middleware makes sense of, or refuses by
        unpacker = isal_zlib.decompressobj(wbits=GZIP_WBITS)
        try:
            # A byte past the limit at most: a bomb takes no memory, and is Scrapy's.
            body = unpacker.decompress(response.body, max_size + 1 if max_size else 0)
        except GZIP_ERROR:
            return None
        whole = unpacker.eof and not (unpacker.unused_data or unpacker.unconsumed_tail)
        if not whole or (max_size and len(body) > max_size):
            return None
        warn_size = request.meta.get("download_warnsize", self.warn_size)
        if len(response.body) < warn_size <= len(body):
            SCRAPY_COMPRESSION_LOG.warning(
                "%s body size after decompression (%s B) is larger than the download"
                " warning size (%s B).",
                response,
                len(body),
                warn_size,
            )
        if self.stats:
            self.stats.inc_value("httpcompression/response_bytes", len(body))
            self.stats.inc_value("httpcompression/response_count")
        # As Scrapy's middleware: the kind of response told by its headers without the
        # encoding undone, then by the body; its text encoding read again from the body.
        response.headers["Content-Encoding"] = []
        kind = responsetypes.from_args(headers=response.headers, url=response.url, body=body)
        text = {"encoding": None} if issubclass(kind, TextResponse) else {}
        response = response.replace(cls=kind, body=body, **text)
        del response.headers["Content-Encoding"]
        return response


class CallbackErrorMiddleware:
    """A callback that raised is a named failure of its page (``callback_error``), in the
    report and the verdict, instead of a traceback in the log alone."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Spider | None = None
    ) -> list[Any] | None:
        if isinstance(exception, CloseSpider):
            return None  # Scrapy's way for a callback to end the crawl, not a failure
        logger.error("Error in the callback of %s", response.url, exc_info=exception)
        if response.request is not None:
            announce_failure(self.crawler, response.request, Reason.CALLBACK_ERROR)
        return []


class _DisallowAll(RobotParser):
    """The robots.txt of a site whose robots.txt could not be had."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> Self:
        return cls()

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


UNREACHABLE = frozenset(
    str(reason)
    for reason in (
        Reason.CONNECTION_REFUSED,
        Reason.DNS_ERROR,
        Reason.TIMEOUT,
        Reason.TLS_ERROR,
        Reason.CONNECTION_LOST,
    )
)
"""Reasons a robots.txt could not be fetched that say the site could not be reached."""


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt as RFC 9309 says: when it answers 5xx or cannot be fetched, the site is
    disallowed for the run (Scrapy would crawl everything). A 4xx still allows all.

    When robots.txt could not be fetched because the site could not be reached at all
    (refused, unknown to DNS, timed out, its TLS failing, the connection lost), the log
    says so by reason and the stats count it under ``channel9/site_unreachable/<reason>``:
    the real cause of such a run's failure, which would otherwise read as a disallowed site.

    Scrapy's middleware keeps why a robots.txt could not be had to itself, so this one
    fetches robots.txt itself (:meth:`robot_parser`), as Scrapy does, with the same
    stats, and keeps Scrapy's check of each request against it.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.parser_class: type[RobotParser] = load_object(crawler.settings["ROBOTSTXT_PARSER"])
        self.robots_txt: dict[str, RobotParser | Deferred[RobotParser | None] | None] = {}
        """By host and port (``netloc``): its robots.txt, None to allow all, or the
        fetch other requests of the site wait for."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The robots.txt of the request's site, fetched once, the first time it is asked
        for; None allows the whole site."""
        url = urlparse_cached(request)
        if url.netloc not in self.robots_txt:
            fetching: Deferred[RobotParser | None] = Deferred()
            self.robots_txt[url.netloc] = fetching
            try:
                parser = await self.fetch(f"{url.scheme}://{url.netloc}/robots.txt", url.netloc)
            except BaseException:
                # Whatever ended the fetch (a parser that raised, a cancelled download), the
                # requests waiting on it fail as this one does instead of waiting forever,
                # and the next request of the site asks for robots.txt again.
                del self.robots_txt[url.netloc]
                fetching.errback(Failure())
                fetching.addErrback(lambda _: None)  # told to every waiter already
                raise
            self.robots_txt[url.netloc] = parser
            fetching.callback(parser)
            return parser
        known = self.robots_txt[url.netloc]
        if isinstance(known, Deferred):
            return await maybe_deferred_to_future(known)
        return known

    async def fetch(self, url: str, netloc: str) -> RobotParser | None:
        """The robots.txt at ``url`` read; disallowing all when it answered 5xx or could not
        be fetched; None (allow all) when a middleware dropped its request unnamed, as
        Scrapy has it."""
        request = Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        stats = self.crawler.stats
        assert stats is not None
        assert self.crawler.engine is not None
        stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as error:  # noqa: BLE001  (any error: told by its reason below)
            if isinstance(error, IgnoreRequest) and not isinstance(error, Refused):
                return None
            reason = reason_of(Failure(error))
            if reason in UNREACHABLE:
                stats.inc_value(f"channel9/site_unreachable/{reason}")
                why = (
                    f"the site could not be reached ({reason}), so robots.txt could not be fetched"
                )
            else:
                why = f"robots.txt could not be fetched ({type(error).__name__})"
            return self.disallow(netloc, reason, why)
        stats.inc_value("robotstxt/response_count")
        stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status >= 500:
            why = f"robots.txt answered {response.status}"
            return self.disallow(netloc, http_reason(response.status), why)
        return build_from_crawler(self.parser_class, self.crawler, response.body)

    def disallow(self, netloc: str, reason: str, why: str) -> RobotParser:
        """A robots.txt that disallows the whole site, said in the log and the stats;
        ``reason`` names why its own could not be had (``http_503``, ``timeout``...)."""
        logger.error("%s: treating %s as disallowed for this run (RFC 9309)", why, netloc)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("channel9/robots_unavailable")
        return _DisallowAll()

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            raise Refused(Reason.ROBOTS, request.url) from None
