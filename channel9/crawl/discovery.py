"""What the site's feeds and sitemaps name: pure functions from their bytes and URL to the
articles (and the further sitemaps) they list. Scrapy's own sitemap reader does the XML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from channel9.pages import selectors
from channel9.pages.urls import absolute


class BrokenSource(ValueError):
    """A feed or sitemap that cannot be read."""


@dataclass(frozen=True)
class Named:
    """An article a feed or sitemap names, and when it says it was published or last
    changed (``<pubDate>``, ``<lastmod>``), when it says so."""

    url: str
    date: datetime | None = None


@dataclass(frozen=True)
class SitemapPage:
    sitemaps: tuple[str, ...]
    """Further sitemaps that list posts (from an index)."""
    articles: tuple[Named, ...]


def sitemaps_in_robots(body: bytes, url: str) -> list[str]:
    return list(sitemap_urls_from_robots(body, base_url=url))


def parse_sitemap(body: bytes, url: str, max_size: int) -> SitemapPage:
    """An index's post sitemaps, or a sitemap's articles with their ``<lastmod>``
    (none from a sitemap of pages, categories, tags or authors)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, ValueError, EOFError) as error:
            raise BrokenSource(f"not a gzip file ({error})") from None
    try:
        # Scrapy's reader recovers from broken XML, so a sitemap cut short would read as
        # a shorter one: it must parse whole first.
        lxml.etree.fromstring(body, lxml.etree.XMLParser(resolve_entities=False, huge_tree=True))
        sitemap = Sitemap(body)
    except (StopIteration, lxml.etree.XMLSyntaxError) as error:
        raise BrokenSource(f"not a whole sitemap ({error})") from None
    entries = [entry for entry in sitemap if entry.get("loc")]
    if sitemap.type == "sitemapindex":
        locations = (absolute(url, entry["loc"]) for entry in entries)
        return SitemapPage(
            tuple(loc for loc in locations if loc and selectors.POST_SITEMAP.search(loc)), ()
        )
    if sitemap.type != "urlset":
        raise BrokenSource(f"a <{sitemap.type}>, not a sitemap")
    if selectors.OTHER_SITEMAP.search(url):
        return SitemapPage((), ())
    located = ((absolute(url, entry["loc"]), entry.get("lastmod")) for entry in entries)
    return SitemapPage((), tuple(Named(loc, _iso_date(date)) for loc, date in located if loc))


def parse_feed(body: bytes, url: str) -> list[Named]:
    """The posts of an RSS 2.0 feed (``<item>``: ``<link>``, ``<pubDate>``), or an Atom
    one (``<entry>``: ``<link href>``, ``<published>``), newest first as served."""
    try:
        root = lxml.etree.fromstring(body, lxml.etree.XMLParser(resolve_entities=False))
    except lxml.etree.XMLSyntaxError:
        raise BrokenSource("not a feed") from None
    if root.tag not in ("rss", "{http://www.w3.org/2005/Atom}feed"):
        raise BrokenSource(f"a <{root.tag}>, not a feed")
    named = []
    for item in root.iter("item", "{http://www.w3.org/2005/Atom}entry"):
        link = absolute(url, item.findtext("link") or _atom_link(item))
        if link:
            date = item.findtext("pubDate")
            published = _rfc822_date(date) if date else _iso_date(_atom_text(item, "published"))
            named.append(Named(link, published))
    return named


def _atom_link(entry: lxml.etree._Element) -> str | None:
    for link in entry.iter("{http://www.w3.org/2005/Atom}link"):
        if link.get("rel", "alternate") == "alternate":
            href: str | None = link.get("href")
            return href
    return None


def _atom_text(entry: lxml.etree._Element, name: str) -> str | None:
    text: str | None = entry.findtext(f"{{http://www.w3.org/2005/Atom}}{name}")
    return text


def _rfc822_date(text: str) -> datetime | None:
    """An RFC 822 date; None without a zone ("-0000"), as :func:`_iso_date`."""
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None


def _iso_date(text: str | None) -> datetime | None:
    """A W3C datetime (``2026-11-20T09:00:00+07:00``, ``2026-11-20``); None when it has
    no zone or cannot be read: a moment compared with others must be one."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
