"""Article URLs: the one form the crawl state remembers them by, and whether they are ours.

Pure functions of strings, with no knowledge of Scrapy. A WordPress article is reachable
under many URLs (tracking parameters, ``#comments``, its AMP and comment-page views, an
upper-case host, an explicit default port); :func:`normalize` folds them into one, so a
page seen on an earlier run is not fetched again under another name. Percent-encoding is
made safe by w3lib, the library Scrapy makes its requests' URLs with, so the crawl judges
a URL the way Scrapy will fetch it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string, url_query_cleaner

DEFAULT_PORTS = {"http": 80, "https": 443}
"""The schemes a crawl follows, with the port each implies when a URL names none."""

TRACKING_PREFIXES = ("utm_",)
"""Query parameters dropped by the start of their name (compared in lower case)."""

TRACKING_PARAMETERS = frozenset(
    {
        # Click identifiers of ad and social networks.
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "dclid",  # Google Display (DoubleClick)
        "gbraid",  # Google Ads, iOS app to web
        "wbraid",  # Google Ads, web to app
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "twclid",  # X / Twitter
        "ttclid",  # TikTok
        "igshid",  # Instagram share
        # Analytics and mailing tools.
        "_ga",  # Google Analytics cross-domain linker
        "_gl",  # Google tag linker
        "mc_cid",  # Mailchimp campaign
        "mc_eid",  # Mailchimp subscriber
        "_hsenc",  # HubSpot
        "_hsmi",  # HubSpot
        "mkt_tok",  # Marketo
        # Referrers.
        "ref",
        "ref_src",
        # WordPress views of the same article.
        "amp",  # ?amp=1, the AMP view
        "replytocom",  # the comment form answering one comment
        "unapproved",  # a comment awaiting moderation, shown to its author
        "moderation-hash",  # goes with unapproved
        "share",  # Jetpack share buttons: ?share=facebook
        "nb",  # goes with share: ?share=facebook&nb=1
    }
)
"""Query parameters dropped by their whole name (compared in lower case): none of them
chooses the page. Those that do, such as ``p``, ``page_id``, ``cat``, ``paged`` and the
search's ``s``, stay."""

# The AMP view (``/slug/amp/``) and the comment pages (``/slug/comment-page-2/``) of an
# article, possibly stacked, at the end of a path with a segment before them: the path of
# a page named "amp" (``/amp/``) stays.
_VIEW_SUFFIX = re.compile(
    r"(?<=[^/]/)(?:(?:amp|comment-page-[0-9]+)/)*(?:amp|comment-page-[0-9]+)/?\Z"
)
_ESCAPE = re.compile("%([0-9A-Fa-f]{2})?")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize(url: str) -> str:
    """The form of an article URL under which the crawl state remembers it.

    Variants of one page are one URL: the fragment and the tracking parameters
    (:data:`TRACKING_PREFIXES`, :data:`TRACKING_PARAMETERS`) are dropped, the AMP and
    comment-page views fold into the article's path, scheme and host are lower case, a
    default port goes, an empty path is ``/``, and percent-encoding is canonical: w3lib's
    ``safe_url_string``, then, as RFC 3986 6.2.2 allows, escapes in upper case, unreserved
    characters unescaped and a stray ``%`` escaped. The path's case and trailing slash,
    and the other parameters in their order, stay as given: WordPress tells ``/a`` from
    ``/a/``, and ``?p=5`` is a page.

    Raises ValueError when ``urlsplit`` rejects the URL or its port (the caller drops it).
    The forms of the last 4,096 URLs (of at most Scrapy's ``URLLENGTH_LIMIT``, so that the
    memory they take stays small) are remembered: the spider, the state and the report ask
    for the form of the same URLs of a page (0.03 ms each).
    """
    return _remembered(url) if len(url) <= _REMEMBERED_LENGTH else _normalize(url)


def _normalize(url: str) -> str:
    url = url.strip()
    urlsplit(url).port  # noqa: B018 (raises on a broken host or port)
    try:
        # A lone surrogate (from a broken page) is no UTF-8: w3lib percent-encodes it.
        safe = safe_url_string(url.encode("utf-8", "surrogatepass"))
    except ValueError:
        # w3lib reads a backslash in the authority as a slash, and then sees a broken
        # host or port where urlsplit sees none: Scrapy could not request it either.
        return url.partition("#")[0].strip()
    scheme, netloc, path, query, _ = urlsplit(safe)
    if scheme:  # in a relative URL, unescaping could make one: "%41:x" would be "A:x"
        path = _VIEW_SUFFIX.sub("", _ESCAPE.sub(_canonical_escape, path))
        query = _ESCAPE.sub(_canonical_escape, query)
    if netloc:
        netloc = _netloc(scheme, netloc)
        path = path or "/"
    elif path.startswith("//"):
        path = f"//{path}"  # an empty authority, lest urlunsplit read the path as one
    tracking = {
        name for name in (p.partition("=")[0] for p in query.split("&")) if _is_tracking(name)
    }
    rebuilt = urlunsplit((scheme, netloc, path, query, ""))
    # Drops the fragment, and with remove=True empty pieces (``?&a=1``) and a bare ``?``.
    return url_query_cleaner(rebuilt, sorted(tracking), remove=True, unique=False)


_REMEMBERED_LENGTH = 2083
_remembered = lru_cache(maxsize=4096)(_normalize)


def on_site(url: str, site: str) -> bool:
    """Whether the absolute ``url`` is on the crawled ``site``: http or https, the same
    host and the same port, a default port counting as named (so ``http://h/`` is on
    ``http://h:80`` and off ``https://h``). Both are read as w3lib makes them for Scrapy's
    requests, so ``http://evil.example\\@site/`` (fetched from evil.example) is off. A
    malformed URL is off, never an error: the links come from pages of the web."""
    try:
        here = _endpoint(url)
        return here is not None and here == _endpoint(site)
    except ValueError:
        return False


def absolute(base: str, link: str | None) -> str | None:
    """``link`` (an ``href``, surrounding whitespace stripped) resolved against the page's
    URL ``base``, or None when it is empty or the result is no URL at all (a broken host
    or port in a page's markup), so the parser skips it instead of failing."""
    if not link or not (link := link.strip()):
        return None
    try:
        resolved = urljoin(base, link)
        urlsplit(resolved).port  # noqa: B018 (raises on a broken host or port)
    except ValueError:
        return None
    return resolved


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def _canonical_escape(escape: re.Match[str]) -> str:
    """``%7e`` as ``~``, ``%c3`` as ``%C3`` and a stray ``%`` as ``%25``: one spelling of
    each byte (escaped, a stray ``%`` could pair with unescaped digits after it)."""
    if escape[1] is None:
        return "%25"
    char = chr(int(escape[1], 16))
    return char if char in _UNRESERVED else escape[0].upper()


def _netloc(scheme: str, netloc: str) -> str:
    """``netloc`` with its host in lower case and without the scheme's default port."""
    parts = urlsplit(f"//{netloc}")
    host = parts.hostname
    if not host:
        return netloc.lower()
    userinfo, at, _ = netloc.rpartition("@")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{userinfo}{at}{host}"


def _endpoint(url: str) -> tuple[str, int] | None:
    """The host and port Scrapy would connect to for ``url``, or None if it is no http(s)
    URL with a host. Raises ValueError on a malformed one."""
    parts = urlsplit(safe_url_string(url.encode("utf-8", "surrogatepass")))
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is None or not parts.hostname:
        return None
    port = parts.port
    return parts.hostname, default if port is None else port
