"""Why a page failed, in one vocabulary: the words the report, the stats, the crawl state
and ``scrapy extract`` use, with what each means.

Only the standard library: page parsing names its refusals with these, and knows nothing
of the crawl (:mod:`channel9.failures` holds the exceptions and the run's stops).
"""

from __future__ import annotations

from enum import Enum


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
