"""Page parsing: from a page's HTML to what it holds, with no knowledge of the crawl.

Pure functions of a :class:`parsel.Selector` and the page's URL, so they run the same on a
Scrapy response (``response.selector``) and on saved HTML in the tests. The selectors they
use live in :mod:`channel9.pages.selectors`; each is compiled once to an lxml XPath and run on
the page's lxml tree, since parsel compiles every query anew and wraps every node found.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import Enum
from functools import cache
from html.entities import html5
from itertools import chain
from typing import Any, cast
from urllib.parse import urlsplit

import cssselect
from cssselect.parser import (
    Attrib,
    Class,
    CombinedSelector,
    Element,
    Function,
    Hash,
    Negation,
    Pseudo,
)
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from parsel import Selector, css2xpath
from parsel.csstranslator import HTMLTranslator
from w3lib.url import safe_url_string

from channel9.items import Article
from channel9.pages import selectors
from channel9.pages.dates import find_weekday_date, read_date, told_in
from channel9.pages.urls import absolute, normalize
from channel9.reasons import Reason
from channel9.site import JAKARTA

_ARTICLE_TYPES = {
    "NewsArticle",
    "Article",
    "BlogPosting",
    "ReportageNewsArticle",
    "OpinionNewsArticle",
}
# Zero-width spaces and joiners (a regular expression: on text that is not all ASCII,
# str.translate is 10x slower).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\ufeff]")
_RESOURCE_LIMIT = etree.ErrorTypes.ERR_RESOURCE_LIMIT
# Fewer words than this in a container that is not the site's own (a teaser, a "Read
# more") and the general extractor is asked too.
_FEW_WORDS = 100
# Under this many words, a container of several on a page is a link ("Read more").
_TEASER_WORDS = 20
# The last blocks of a text where WordPress's fatal error message is sought.
_ERROR_BLOCKS = 3
# The byline above an extracted text: at most this many lines, of at most this many words
# with the author's name, or that many with a date.
_BYLINE_LINES = 3
_BYLINE_WORDS = 12
# The most words of an author's name read from text that may hold more (microdata).
_NAME_WORDS = 5
# The boxes holding half a body's text or more (nested in one another) after which the
# body's other boxes are kept unmeasured (see _body_blocks).
_KEPT_BOXES = 10
# What of a body, and of a box, is not measured as its text: what is not shown, and what
# is not the box's own (its links).
_NOT_SHOWN = ("script", "style")
_NOT_OWN = ("a", *_NOT_SHOWN)
# The elements whose own text is never the page's (a <title> in the body: a mangled page).
_UNREAD = selectors.RAW_TEXT | {"title"}
# A word's character: a letter or a digit.
_WORD_CHARACTER = re.compile(r"\w")
# The elements giving microdata's author as text that are looked at.
_AUTHOR_CANDIDATES = 5
# The elements each title selector finds that are looked at: a grid of cards holds a few
# dozen linked titles; thousands nested would each be searched for links.
_TITLE_CANDIDATES = 50
_DATE_WORDS = 6
# What a byline's relative date ("2 hours ago") is read against: any moment will do, it is
# only asked whether the line names a date.
_EPOCH = datetime(2000, 1, 1, tzinfo=JAKARTA)
_POST_ID = re.compile(r"\bpostid-(\d+)\b")
# Elements whose class holds ``$token`` (then checked word by word: the cheaper test).
_POST_ROOT = etree.XPath("//*[contains(@class, $token)]")
# Elements whose content HTML reads as raw text: left unclosed (a mangled page), they hold
# the rest of the page, markup included; never the article's.
_NOT_TEXT = "//body//title | //textarea | //iframe | //xmp | //plaintext | //noembed | //noframes"
# The posts a page shows besides its own (whose ``post-<n>`` class is ``own``).
_OTHER_POSTS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' type-post ')]"
    "[not(contains(concat(' ', normalize-space(@class), ' '), '{own}'))]"
    "[not(.//*[contains(concat(' ', normalize-space(@class), ' '), '{own}')])]"
)
# An HTML character reference: named, decimal or hexadecimal, with its semicolon.
_REFERENCE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});")
_DOCUMENT_END = re.compile(r"</html\s*>", re.IGNORECASE)
# Where the end is sought: the last bytes (caching plugins add comments after it).
_END_WINDOW = 65536
# The end of the body, which some pages follow with styles and scripts longer than that.
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
# The nodes of a page, as lxml.html's own parser makes them (forms and their fields aside).
_HTML_NODES = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
)
# Regular expressions in selectors (``re:test(@class, ...)``), from EXSLT.
_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}
_TRANSLATOR = HTMLTranslator()
# The class and id values of a scope's elements, each able to name its element.
_CLASSES = etree.XPath("descendant-or-self::*/@class")
_IDS = etree.XPath("descendant-or-self::*/@id")
_ALL_OF = (Attrib, Class, Element, Function, Hash, Negation, Pseudo)
"""The parts of a selector's step (cssselect's) that an element must each match."""
_TOKENS: set[str] = set()
"""The classes and ids that the compiled selectors start from (see :class:`AnchoredQuery`)."""
# WordPress's dated permalinks (``/%year%/%monthnum%/%day%/``), built from the post's
# date on the site's own clock.
_PERMALINK_DAY = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/", re.ASCII)
# The offsets of the world's clocks: from UTC-12:00 to UTC+14:00.
_WEST = timedelta(hours=12)
_EAST = timedelta(hours=14)
# As near as a stamp and its reading must be (the reading keeps no fraction of a second).
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Category:
    """A category listing named in the site's menu."""

    slug: str
    label: str
    url: str


@dataclass(frozen=True)
class ListingPage:
    """One page of a category listing: the articles it links and the next page."""

    article_urls: tuple[str, ...]
    next_url: str | None


@dataclass(frozen=True)
class ArticlePage:
    """What an article URL held: an article, or the reason there is none.

    ``links`` are the further articles the theme appended to the page: links to follow,
    never part of this article.
    """

    article: Article | None
    reason: Reason | None = None
    links: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    """Where each field of the article came from (a fallback group of
    :mod:`channel9.pages.selectors`, ``jsonld``, ``body``...): for the run report, not the item."""


class TooDeep(ValueError):
    """A page nested deeper than the HTML parser follows: parsed, it would lose text."""


def read_html(body: bytes, encoding: str = "utf-8") -> Selector:
    """The page's tree, whole: lxml gives up on elements nested past a limit and would
    return a page cut short, so such a page is refused (:class:`TooDeep`) instead.

    Its nodes are lxml.html's (what trafilatura takes), made by lxml's own lookup in C:
    lxml.html's parser asks a Python lookup for each element it hands out (350 an article
    page here), 6% of the time the article's fields take. Forms and their fields are
    plain elements, which nothing here reads."""
    parser = etree.HTMLParser(recover=True, huge_tree=True, encoding=encoding)
    parser.set_element_class_lookup(_HTML_NODES)
    body = body.replace(b"\x00", b"")
    root = etree.fromstring(body if body.strip() else b"<html></html>", parser=parser)
    if any(error.type == _RESOURCE_LIMIT for error in parser.error_log):
        raise TooDeep(parser.error_log[0].message)
    if root is None:
        root = etree.fromstring(b"<html></html>", parser=parser)
    return Selector(root=root, type="html")


def is_whole(html: str) -> bool:
    """Whether an HTML page reached its end (``</html>``, which WordPress always prints) or
    at least the end of its body (``</body>``), all that is read of it.

    A server that fails mid-page can still send a complete response: cut short, the page
    would give the part before the cut as the article.
    """
    return bool(
        _DOCUMENT_END.search(html, max(0, len(html) - _END_WINDOW)) or _BODY_END.search(html)
    )


def shows_fatal_error(html: str) -> bool:
    """Whether the page ends with WordPress's page of a fatal error (``wp_die``): PHP
    failed while printing it, wherever the cut fell (even inside a script)."""
    return selectors.FATAL_ERROR_MARK in html[-_END_WINDOW:]


def from_html(html: str | bytes) -> Selector:
    """A selector for saved HTML (UTF-8), as the crawl builds one for a response."""
    return read_html(html.encode("utf-8", "surrogateescape") if isinstance(html, str) else html)


def clean(text: str | None) -> str:
    """Whitespace folded to single spaces (no-break and zero-width spaces included)."""
    return " ".join(_INVISIBLE.sub("", text).split()) if text else ""


def page_problem(page: Selector) -> Reason | None:
    """Why a page served as a success holds no content: ``challenge_page`` (a CDN's browser
    check) or ``error_page`` (a database or PHP error); None for a normal page."""
    if _nodes(page.root, selectors.CHALLENGE_MARKERS, union=True):
        return Reason.CHALLENGE_PAGE
    text = clean(" ".join(_query(selectors.PROBLEM_TEXT)(page.root))).lower()
    if any(phrase in text for phrase in selectors.CHALLENGE_PHRASES):
        return Reason.CHALLENGE_PAGE
    if any(phrase in text for phrase in selectors.ERROR_PHRASES):
        return Reason.ERROR_PAGE
    return None


def parse_menu(page: Selector, url: str) -> list[Category]:
    """The category listings linked from the menu, in menu order, each once."""
    found: dict[str, Category] = {}
    for node in _nodes(page.root, selectors.MENU_LINKS, union=True):
        href = node.get("href")
        label = _text(node)
        if not href or not label or selectors.CATEGORY_PATH not in href:
            continue
        link = absolute(url, href)
        if link is None:
            continue
        slug = urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1]
        found.setdefault(slug, Category(slug, label, link))
    return list(found.values())


def parse_listing(page: Selector, url: str) -> ListingPage:
    """The articles a listing page links (featured block included) and its next page."""
    links = list(_values(page.root, selectors.LISTING_LINKS)) or list(
        _values(page.root, selectors.LISTING_LINKS_FALLBACK)
    )
    article_urls = _unique(absolute(url, link) for link in links)
    return ListingPage(tuple(article_urls), _next_page(page.root, url))


def _next_page(page: HtmlElement, url: str) -> str | None:
    href = _first(page, selectors.NEXT_PAGE)
    if not href:
        href = next(
            (
                link.get("href")
                for link in _nodes(page, selectors.PAGE_LINKS, union=True)
                if _text(link).lower().startswith(selectors.NEXT_PAGE_LABELS)
            ),
            None,
        )
    if not href or href.startswith("#"):
        return None
    return absolute(url, href)


def parse_article(
    page: Selector,
    url: str,
    category_labels: Mapping[str, str] | None = None,
    fetched_at: datetime | None = None,
    zone: tzinfo = JAKARTA,
    whole: bool = True,
) -> ArticlePage:
    """The first article of an article page, or why the page holds none.

    ``category_labels`` maps category slugs to the labels of the menu; it names the
    categories that the article's post classes list besides the one the page shows.
    ``fetched_at`` is the moment relative and year-less dates are read against, ``zone``
    the site's time zone, in which the day of publication is told (unless a dated permalink
    tells the site's day: :func:`_permalink_day`). ``whole`` says whether
    the HTML reached its end (:func:`is_whole`): the general extractor reads no page cut
    short, which would give the part before the cut as the article.
    """
    with _anchoring():
        document = page.root
        classes = frozenset((_first(document, selectors.BODY_CLASSES) or "").split())
        post_id = next(filter(None, map(_POST_ID.fullmatch, classes)), None)
        own = f"post-{post_id[1]}" if post_id else None
        root, body_source, body, several = _article_root(document, own)
        nodes = _json_ld(document)
        structured = [node for node in nodes if _is_article(node)]
        kind = _kind(document, classes, url, root, structured)
        if root is None or kind in (Kind.LISTING, Kind.OTHER):
            return ArticlePage(None, Reason.NOT_ARTICLE)
        if kind is Kind.STATIC:
            return ArticlePage(None, Reason.STATIC_PAGE)
        links = tuple(_further_articles(document, root, url))
        blocks = _body_blocks(body) if body is not None else []
        if body_source != "theme" and not several and _words(blocks) < _FEW_WORDS and whole:
            # No container, or a general one that may hold a teaser (an excerpt, a standfirst):
            # the general extractor reads the page, and wins if it finds twice the text. Not
            # where the page holds several posts' containers: the first is the page's post.
            if problem := page_problem(page):
                return ArticlePage(None, problem, links)
            extracted = _extracted_blocks(document, url, own)
            if _words(extracted) >= 2 * _words(blocks):
                body_source, blocks = "extractor", extracted
        if kind is Kind.UNMARKED and _words(blocks) < _FEW_WORDS:
            # Nothing marked the page as a post: it is one only if it reads as one.
            return ArticlePage(None, Reason.NOT_ARTICLE, links)

        canonical = _canonical(document, url)
        title_source, title = _title(document, root, structured, url, canonical)
        author_source, author = _author(document, root, structured, nodes)
        if body_source == "extractor":
            blocks = _without_byline(blocks, title, author)
        dateline, editor, blocks = _split_body(blocks, title)
        text = "\n\n".join(blocks)
        if not text:  # a body that holds no paragraph is no article (a cut page, new markup)
            return ArticlePage(None, Reason.NO_BODY, links)
        if _ends_in_error(blocks):
            return ArticlePage(None, Reason.ERROR_PAGE, links)
        category_source, category = _sourced(root, selectors.CATEGORY)
        published_source, published_raw = _published(root, structured, nodes, text)
        if published_raw is None and body_source != "theme" and whole:
            found = _found_date(document, url, fetched_at, zone)
            if found:
                published_source, published_raw = "extractor", found
        published = read_date(published_raw, fetched_at, zone)
        site_day = _permalink_day(published_raw, url, published.moment) if published else None
        if published and site_day:
            # The site is not in ``zone``: the moment in the offset the page wrote it in.
            published = replace(published, moment=published.moment.astimezone(site_day[1]))
        modified_source, modified = _modified(root, structured, nodes, fetched_at, zone)
        caption_source, caption = _sourced(root, selectors.IMAGE_CAPTION)
        if caption and caption.casefold() == (title or "").casefold():
            caption_source, caption = None, None
        tags_source, tag_nodes = _sourced_nodes(root, selectors.TAGS)
        image_source, image = _image(root, url)
        sections = list(_sections(structured, root, category_labels or {}))

        article = Article(
            url=canonical,
            title=title,
            category=category,
            categories=_unique([category, *sections]),
            tags=_unique(_text(tag) for tag in tag_nodes),
            author=author,
            published_date=(site_day[0] if site_day else published.moment.date()).isoformat()
            if published
            else None,
            published_at=published.moment.isoformat() if published and published.has_time else None,
            published_raw=published_raw,
            published_source=published_source,
            modified_at=modified,
            dateline=dateline,
            text=text,
            editor=editor,
            image_url=image,
            image_caption=caption,
        )
        sources = {
            "title": title_source,
            "category": category_source,
            "categories": category_source if not sections else "classes",
            "tags": tags_source,
            "author": author_source,
            "published_date": published_source,
            "modified_at": modified_source,
            "text": body_source,
            "dateline": "body",
            "editor": "body",
            "image_url": image_source,
            "image_caption": caption_source,
        }
        filled = {
            name: source for name, source in sources.items() if source and getattr(article, name)
        }
        return ArticlePage(article, None, links, filled)


class Kind(Enum):
    """What a page's markup says it is."""

    POST = "post"
    STATIC = "static"
    """A static page, or an attachment's page."""
    LISTING = "listing"
    OTHER = "other"
    """A page of WordPress that nothing marks as a post."""
    UNMARKED = "unmarked"
    """A page with none of WordPress's body classes (a headless front end): judged by
    its text."""


def _kind(
    document: HtmlElement,
    classes: frozenset[str],
    url: str,
    root: HtmlElement | None,
    structured: list[Any],
) -> Kind:
    """What the page is by its markup and address.

    WordPress's body classes (``classes``: ``body_class()`` prints them whatever the
    theme) first, then a listing's address, the root's post classes and markers, a dated
    byline, structured data, and last a listing's markup.
    """
    static = root is not None and _nodes(root, selectors.STATIC_PAGE_MARKERS)
    if classes & selectors.STATIC_BODY_CLASSES or static:
        return Kind.STATIC
    if classes & selectors.POST_BODY_CLASSES or any(map(_POST_ID.fullmatch, classes)):
        return Kind.POST
    path = urlsplit(url).path
    if (
        classes & selectors.LISTING_BODY_CLASSES
        or path in ("", "/")
        or selectors.LISTING_PATH.search(path)
    ):
        return Kind.LISTING
    if structured or (root is not None and _nodes(root, selectors.ARTICLE_MARKERS)):
        return Kind.POST
    if _nodes(document, selectors.LISTING_MARKERS):
        return Kind.LISTING
    return Kind.OTHER if classes & selectors.WORDPRESS_BODY_CLASSES else Kind.UNMARKED


def _ends_in_error(blocks: list[str]) -> bool:
    """Whether the text ends with WordPress's message of a fatal error.

    PHP failed mid-page and WordPress printed the message where the article was cut.
    """
    ending = " ".join(blocks[-_ERROR_BLOCKS:]).lower()
    return any(phrase in ending for phrase in selectors.FATAL_ERROR_PHRASES)


def _without_byline(blocks: list[str], title: str | None, author: str | None) -> list[str]:
    """The extracted text without the title and byline above it.

    The general extractor reads them as the text's first lines: the title, a short line
    naming the author, a shorter one naming a date.
    """
    for index, block in enumerate(blocks[:_BYLINE_LINES]):
        words = len(block.split())
        heading = block.casefold() == (title or "").casefold()
        signed = author is not None and author in block and words <= _BYLINE_WORDS
        dated = words <= _DATE_WORDS and read_date(block, _EPOCH) is not None
        if not (heading or signed or dated):
            return blocks[index:]
    return blocks[_BYLINE_LINES:]


def _words(blocks: list[str]) -> int:
    return sum(len(block.split()) for block in blocks)


def _extracted_blocks(document: HtmlElement, url: str, own: str | None) -> list[str]:
    """The page's main text as a general-purpose extractor reads it.

    trafilatura leaves out menus, comments and boxes by the page's own structure; the
    posts that are not the page's (``own``: auto-loaded next posts, related posts' cards)
    are left out first. It copies the tree: the page is not changed.
    """
    # Imported here, as htmldate is: only pages in markup the selectors do not know need
    # them, and together they add a quarter of a second to the start of every crawl.
    import trafilatura

    prune = [_NOT_TEXT]
    if own:
        prune.append(_OTHER_POSTS.format(own=f" {own} "))
    text = trafilatura.extract(
        document, url=url, include_comments=False, include_tables=True, prune_xpath=prune
    )
    lines = map(clean, (text or "").splitlines())
    # A mangled page (a script or comment left open) can hand the rest of its markup over
    # as text: such lines are no article's.
    return [line for line in lines if line and not selectors.MARKUP_LINE.search(line)]


def _title(
    document: HtmlElement,
    root: HtmlElement,
    structured: list[dict[str, Any]],
    url: str,
    canonical: str,
) -> tuple[str | None, str | None]:
    """The title and where it was read.

    The post's markup, JSON-LD's headline, the head, then the article's first heading (a
    related post's could be it).
    """
    source, title = _own_title(root, url, canonical)
    if title is None:
        source, title = "jsonld", _structured_text(structured, "headline")
    if title is None:
        source, title = "head", _page_title(document)
    if title is None:
        # The post's own element may hold no heading: the theme printed it above.
        source, title = (
            "page",
            _first(root, selectors.ANY_HEADING) or _first(document, selectors.ANY_HEADING),
        )
    return source, title


def _own_title(root: HtmlElement, url: str, canonical: str) -> tuple[str | None, str | None]:
    """The title the post's markup gives, and the group of selectors that found it: the
    first that is no link to another page. A title that is one is another post's, on its
    card (a grid of posts in the article, a tagDiv or Divi block of them beside it).

    Only the first few each selector finds are looked at (see ``_TITLE_CANDIDATES``)."""
    here = {_page_of(url), _page_of(canonical)}
    for source, queries in selectors.TITLE:
        for selector in queries:
            for node in _query(selector)(root)[:_TITLE_CANDIDATES]:
                title = _text(node)
                link = _title_link(node, root, title) if title else None
                if title and (link is None or not _is_elsewhere(url, link, here)):
                    return source, title
    return None, None


def _title_link(node: HtmlElement, root: HtmlElement, title: str) -> str | None:
    """Where the title links to, if it is a link: one around it below the article's root
    (not a link a broken page left open above it), or the one link inside it that holds
    its whole text (not a tag's link beside the words)."""
    for element in chain((node,), node.iterancestors()):
        if element is root:
            break
        if element.tag == "a":
            return cast("str | None", element.get("href"))
    inside = _query(selectors.TITLE_LINKS)(node)
    if len(inside) == 1 and _text(inside[0]) == title:
        return cast("str | None", inside[0].get("href"))
    return None


def _is_elsewhere(url: str, href: str, here: set[tuple[str, str, str]]) -> bool:
    """Whether ``href`` (on the page at ``url``) leads to another web page than ``here``
    (the page's URL and its canonical one)."""
    link = absolute(url, href)
    if link is None or urlsplit(link).scheme not in ("http", "https"):
        return False
    return _page_of(link) not in here


def _page_of(url: str) -> tuple[str, str, str]:
    """The page a URL names, as a link to it compares: its host without ``www.``, its path
    without the trailing slash (WordPress redirects the one form to the other) and its
    query, whatever the scheme."""
    try:
        parts = urlsplit(normalize(url))
    except ValueError:
        return url, "", ""
    return parts.netloc.removeprefix("www."), parts.path.rstrip("/"), parts.query


def _author(
    document: HtmlElement,
    root: HtmlElement,
    structured: list[dict[str, Any]],
    nodes: list[dict[str, Any]],
) -> tuple[str | None, str | None]:
    """The author and where the name was read, the byline's "By" taken off: the first of
    the sources in order that gives a name. A web address is none (an SEO plugin's link to
    the author's page); an e-mail address only where no source gives a name (a byline may
    print the account's address, JSON-LD the writer's name)."""
    address: tuple[str | None, str | None] = (None, None)
    for source, author in _authors(document, root, structured, nodes):
        name = clean(selectors.BYLINE_WORDS.sub("", author or ""))
        if not name or name.startswith(("http://", "https://")):
            continue
        if not selectors.EMAIL.search(name):
            return source, name
        address = address if address[1] else (source, name)
    return address


def _authors(
    document: HtmlElement,
    root: HtmlElement,
    structured: list[dict[str, Any]],
    nodes: list[dict[str, Any]],
) -> Iterator[tuple[str | None, str | None]]:
    """The author each source gives, in order, each read only when asked for: the byline,
    JSON-LD, the head's meta, microdata's text, a link to the author's archive."""
    yield _sourced(root, selectors.AUTHOR)
    yield "jsonld", _structured_author(structured, nodes)
    yield "meta", _first(document, selectors.AUTHOR_META)
    yield "schema", _microdata_author(root)
    yield "wordpress", _first(root, selectors.AUTHOR_LINK)


def _microdata_author(root: HtmlElement) -> str | None:
    """The author microdata gives as text: the first of the first few that is the
    article's (no comment's or review's, in no box) and a name alone, not a bio or a
    byline with its date.

    Only the first few are looked at: each is tested up its ancestors, and a malformed
    page can hold thousands, nested as deep."""
    for candidate in _query(selectors.AUTHOR_TEXT)(root)[:_AUTHOR_CANDIDATES]:
        if _query(selectors.OTHER_ITEMS_AUTHOR)(candidate):
            continue
        name = _text(candidate)
        if name and len(selectors.BYLINE_WORDS.sub("", name).split()) <= _NAME_WORDS:
            return name
    return None


def _article_root(
    document: HtmlElement, own: str | None
) -> tuple[HtmlElement | None, str | None, HtmlElement | None, bool]:
    """The first article root that holds a body, with the body, where it was found, and
    whether it is the first of several posts' bodies (more than a "Read more" each, in a
    root that is not the post the page names).

    The post the page is about (WordPress prints ``postid-<n>`` on the page's body and
    ``post-<n>``, ``own``, on the post), else the fallbacks in order: a widget or a related
    post printed as an ``<article>`` holds none. Else the first root found, without a body:
    the first that is no box and sits in none, if any (a comment's ``<article>`` is no
    post's root).
    """
    tried = []
    for root in _roots(document, own):
        tried.append(root)
        _anchor(root)
        source, nodes = _sourced_nodes(root, selectors.BODY)
        if len(nodes) == 1:
            return root, source, nodes[0], False
        if nodes:
            # Of several, the first that is more than a "Read more": an auto-loaded post's
            # body comes after it; else the longest.
            long = (node for node in nodes if len(node.text_content().split()) >= _TEASER_WORDS)
            body = next(long, None)
            if body is not None:
                # Within the post the page names, the others are its parts and cards.
                return root, source, body, own not in (root.get("class") or "").split()
            return root, source, max(nodes, key=lambda node: len(node.text_content())), False
    unboxed = (root for root in tried if not _query(selectors.BOXED)(root))
    return next(unboxed, tried[0] if tried else None), None, None, False


def _roots(document: HtmlElement, own: str | None) -> Iterator[HtmlElement]:
    """The candidate article roots, each once, found only as asked.

    The post the page names, alone where it is found (anything else could be another
    post's); else the fallbacks in order.
    """
    posts = (
        [node for node in _POST_ROOT(document, token=own) if own in node.get("class").split()]
        if own
        else []
    )
    if posts:
        yield from posts
        return
    seen = set()
    for selector in selectors.ARTICLE_ROOT:
        for root in _query(selector)(document):
            if root not in seen:
                seen.add(root)
                yield root


def _body_blocks(body: HtmlElement) -> list[str]:
    """The text of the body's blocks, leaving out the boxes that are not the article's.

    A table row is one block, its cells apart.
    """
    # A box whose own text is half the body's text or more is the article, whatever its
    # class says; so are the lists of links together that hold half of it (a post that
    # is lists of links). A box is measured without its links (a box of related posts is
    # mostly links). Outer boxes come first: one left out leaves out those it holds,
    # unmeasured.
    boxes = _query(selectors.BODY_SKIPPED)(body)
    lists = _query(selectors.LINK_LISTS)(body)
    most = _text_length(body, _NOT_SHOWN) / 2 if boxes or lists else 0
    listed = set(lists)
    if sum(_text_length(links, _NOT_SHOWN) for links in lists) < most:
        boxes = [*boxes, *lists]
    skipped: set[HtmlElement] = set()
    left_out: list[HtmlElement] = []
    kept = 0
    for box in boxes:
        if box in skipped:
            continue
        if box in listed or _text_length(box, _NOT_OWN) < most:
            skipped.update(box.iter())
            left_out.append(box)
            continue
        # Boxes that each hold half the text hold one another: a malformed page can nest
        # thousands, each measured over all it holds. Past a few, the rest are kept
        # unmeasured (a box's words in the text are better than text lost).
        kept += 1
        if kept == _KEPT_BOXES:
            break
    blocks = {node for node in _query(selectors.BODY_BLOCKS)(body) if node not in skipped}
    return _read_blocks(body, blocks, _holders(body, left_out), skipped)


def _read_blocks(
    body: HtmlElement,
    blocks: set[HtmlElement],
    holding: set[HtmlElement],
    skipped: set[HtmlElement],
) -> list[str]:
    """The text of the body's blocks in the page's order, with the text that sits in no
    block read as blocks of its own, and the boxes ``skipped`` left out wherever they sit
    (``holding``: the elements that hold one).

    Text between a container's blocks (a sentence after a ``</p>``, a list item's words
    above its sub-list, a ``<div>`` of text) is the article's as much as a paragraph is:
    each run of it between block-level elements, or two line breaks, is a block, as a
    browser lays it out. A run whose words are all links' is a button or a table of
    contents, not text. Of an embedded post (a tweet) only the paragraphs are read: it
    prints its author and date beside them. Walked with a stack: a mangled page nests
    elements thousands deep.
    """
    texts: list[str] = []
    run: list[str] = []
    unlinked = False  # whether the run holds words outside links
    broken = False  # whether the run's last words are followed by a line break

    def add(text: str | None, linked: bool) -> None:
        nonlocal unlinked, broken
        if text:
            run.append(text)
            if not text.isspace() and clean(text):
                broken = False
                unlinked = unlinked or (not linked and _has_words(text))

    def end_run() -> None:
        nonlocal unlinked, broken
        if run:
            if unlinked and (text := clean("".join(run))):
                texts.append(text)
            run.clear()
        unlinked = broken = False

    # Each element walked into: its children, whether they are inside a link, and whether
    # their loose text is read (not inside an embedded post).
    add(body.text, False)
    stack = [(body, iter(body), False, True)]
    while stack:
        node, children, linked, loose = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if node.tag in selectors.BLOCK_LEVEL:
                end_run()
            if stack and stack[-1][3]:
                add(node.tail, stack[-1][2])
            continue
        if not isinstance(child.tag, str) or child.tag in _UNREAD:
            pass  # a comment, or content that is no text: only its tail is
        elif child in skipped:
            if child.tag in selectors.BLOCK_LEVEL:
                end_run()  # a box laid out as a block still parts the words around it
        elif child in blocks:
            end_run()
            if text := _block_text(child, skipped if child in holding else None):
                texts.append(text)
        elif child.tag == "br":
            if broken:
                end_run()
            else:
                add(" ", linked)
                broken = True
        else:
            if child.tag in selectors.BLOCK_LEVEL:
                end_run()
            inner = linked or _is_link(child)
            within = loose and not (
                child.tag == "blockquote"
                and selectors.EMBEDDED_POSTS.intersection((child.get("class") or "").split())
            )
            if within:
                add(child.text, inner)
            stack.append((child, iter(child), inner, within))
            continue
        if loose:
            add(child.tail, linked)
    end_run()
    return texts


def _block_text(block: HtmlElement, skipped: set[HtmlElement] | None) -> str:
    """A block's text, a table row's cells apart; without the boxes ``skipped`` where it
    holds one."""
    if block.tag == "tr":
        cells = (
            cell
            for cell in block.iterchildren("td", "th")
            if skipped is None or cell not in skipped
        )
        return " | ".join(filter(None, (_cell_text(cell, skipped) for cell in cells)))
    return _cell_text(block, skipped)


def _cell_text(element: HtmlElement, skipped: set[HtmlElement] | None) -> str:
    return _text(element) if skipped is None else clean(_text_without(element, skipped))


def _text_without(element: HtmlElement, skipped: set[HtmlElement]) -> str:
    """An element's text as :data:`selectors.BLOCK_TEXT` reads it, less the boxes
    ``skipped``: walked with a stack, as the body is."""
    parts = [element.text or ""]
    stack = [(element, iter(element))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if stack:
                parts.append(node.tail or "")
            continue
        if isinstance(child.tag, str) and child.tag == "br":
            parts.append(" ")
        elif isinstance(child.tag, str) and child not in skipped and child.tag not in _UNREAD:
            parts.append(child.text or "")
            stack.append((child, iter(child)))
            continue
        parts.append(child.tail or "")
    return "".join(parts)


def _has_words(text: str) -> bool:
    """Whether a text holds a letter or a digit: separators between links (``Home »
    News``, ``A | B``) and symbols (a close button's ``×``) are no words."""
    return _WORD_CHARACTER.search(text) is not None


def _is_link(element: HtmlElement) -> bool:
    """Whether an element is a link (an ``<a>`` without an address is an anchor)."""
    return element.tag == "a" and element.get("href") is not None


def _holders(body: HtmlElement, held: Iterable[HtmlElement]) -> set[HtmlElement]:
    """The elements of ``body`` that hold one of ``held``: each walked up once."""
    holders: set[HtmlElement] = set()
    for element in held:
        for ancestor in element.iterancestors():
            if ancestor is body or ancestor in holders:
                break
            holders.add(ancestor)
    return holders


def _text_length(node: HtmlElement, left_out: tuple[str, ...]) -> int:
    """The length of the text of ``node`` that is in none of the ``left_out`` elements.

    The body's text less its scripts' and styles' (a long inline script would make the
    article a minority); a box's less its links' too (a box of related posts is mostly
    links, an anchor without an address is none; an article that is a theme's box is
    mostly its own text). lxml's ``text_content`` does the reading."""
    inner = sum(
        len(element.text_content())
        for element in node.iter(*left_out)
        if element.tag != "a" or _is_link(element)
    )
    return len(node.text_content()) - inner


def _split_body(blocks: list[str], title: str | None) -> tuple[str | None, str | None, list[str]]:
    """The dateline's place, the editor's initials, and the body without them.

    Also drops "Baca juga" links, a bare "Oleh: <Nama>" byline, and a copy of the title
    above the body (the featured image's caption, printed again).
    """
    folded_title = (title or "").casefold()
    blocks = [
        block
        for block in blocks
        if not selectors.RELATED_LINK.match(block) and block.casefold() != folded_title
    ]
    if (
        blocks
        and selectors.BYLINE_ALONE.match(blocks[0])
        and not selectors.DATELINE.match(blocks[0])
    ):
        blocks = blocks[1:]
    dateline = None
    if blocks and (match := selectors.DATELINE.match(blocks[0])):
        dateline = match["place"].strip()
        rest = blocks[0][match.end() :].strip()
        blocks = [rest, *blocks[1:]] if rest else blocks[1:]
    editor = None
    if blocks:
        if match := selectors.EDITOR_ALONE.match(blocks[-1]):
            editor, blocks = match["initials"], blocks[:-1]
        elif match := selectors.EDITOR_TRAILING.search(blocks[-1]):
            editor = match["initials"]
            blocks = [*blocks[:-1], blocks[-1][: match.start()].rstrip()]
    return dateline, editor, blocks


def _published(
    root: HtmlElement, structured: list[dict[str, Any]], nodes: list[dict[str, Any]], text: str
) -> tuple[str | None, str | None]:
    """Where the publication date was read from, and the text read.

    Most precise first: the article's JSON-LD, the page's markup, the web page's
    JSON-LD, a weekday date in the text, the theme's relative age.
    """
    value = _structured_text(structured, "datePublished")
    if value:
        return "jsonld", value
    for source, selector in selectors.PUBLISHED:
        value = _first(root, (selector,))
        if value:
            return source, value
    value = _structured_text(nodes, "datePublished")
    if value:
        return "jsonld", value
    in_text = find_weekday_date(text)
    if in_text:
        return "body", in_text
    age = _first(root, selectors.RELATIVE_AGE)
    return ("relative", age) if age else (None, None)


def _permalink_day(raw: str | None, url: str, moment: datetime) -> tuple[date, tzinfo] | None:
    """The day of the URL's WordPress dated permalink and the offset the page stamped its
    time in, where the permalink and the stamp agree on a day that ``moment`` (the stamp in
    the zone set) is not on.

    WordPress dates a permalink on the site's own clock, and prints its own stamps with the
    site's offset: where they agree, the zone set is not the site's (pages of many sites
    read together). SEO plugins stamp the time in UTC, which tells nothing of the site's
    zone: such a stamp agrees with the permalink where it falls on its day on some clock
    of the world (a site west of Greenwich posting in its evening). A stamp without an
    offset, or a day without a time, tells no clock."""
    dated = _PERMALINK_DAY.search(urlsplit(url).path)
    if dated is None or not raw:
        return None
    try:
        stamp = datetime.fromisoformat(raw.strip())
        day = date(*map(int, dated.groups()))
        earliest, latest = (stamp - _WEST).date(), (stamp + _EAST).date()
    except (ValueError, OverflowError):
        return None
    if stamp.tzinfo is None or day == moment.date() or abs(stamp - moment) >= _SECOND:
        return None  # no clock told, the zone's day already, or the stamp read otherwise
    agrees = stamp.date() == day if stamp.utcoffset() else earliest <= day <= latest
    return (day, stamp.tzinfo) if agrees else None


def _modified(
    root: HtmlElement,
    structured: list[dict[str, Any]],
    nodes: list[dict[str, Any]],
    fetched_at: datetime | None,
    zone: tzinfo,
) -> tuple[str | None, str | None]:
    """Where the last modification was read from, and the moment (RFC 3339).

    The article's JSON-LD, the page's markup, the web page's JSON-LD: the first that
    gives a moment (a date and a time) wins; a day alone is no modification time."""
    candidates = [
        ("jsonld", _structured_text(structured, "dateModified")),
        *((source, _first(root, (selector,))) for source, selector in selectors.MODIFIED),
        ("jsonld", _structured_text(nodes, "dateModified")),
    ]
    for source, value in candidates:
        read = read_date(value, fetched_at, zone)
        if read is not None and read.has_time:
            return source, read.moment.isoformat()
    return None, None


def _found_date(
    document: HtmlElement, url: str, fetched_at: datetime | None, zone: tzinfo
) -> str | None:
    """The publication day as a general-purpose date finder reads the page.

    Asked where no known markup gives a date: htmldate weighs the URL, the head and the
    visible dates, and prefers the original date to the last update. Never a day after
    the fetch's, in the site's zone.
    """
    import htmldate

    latest = told_in(fetched_at, zone).date().isoformat() if fetched_at else None
    return htmldate.find_date(document, url=url, original_date=True, max_date=latest)


def _json_ld(page: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD node of the page (Yoast nests them in ``@graph``)."""
    found: list[dict[str, Any]] = []
    for script in _query(selectors.JSON_LD)(page):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        found.extend(_json_nodes(data))
    return found


def _structured_text(nodes: list[dict[str, Any]], key: str) -> str | None:
    """The first non-empty text under ``key`` in the nodes."""
    for node in nodes:
        value = node.get(key)
        if isinstance(value, str) and (text := _json_text(value)):
            return text
    return None


def _json_text(value: str) -> str:
    """A text of JSON-LD, cleaned: SEO plugins print the title as WordPress escaped it for
    HTML (``&#8211;``, ``&amp;``), which JSON keeps as it is.

    Only whole references, with their ``;``: a bare ``&`` before a word is text ("Tips
    &notes"), where HTML would read the legacy ``&not``."""
    return clean(_REFERENCE.sub(_character, value))


def _character(reference: re.Match[str]) -> str:
    """The character an HTML character reference names, or the reference as it is."""
    if reference[1].startswith("#"):
        return html.unescape(reference[0])
    return html5.get(f"{reference[1]};", reference[0])


def _json_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for element in data:
            yield from _json_nodes(element)
    elif isinstance(data, dict):
        yield data
        yield from _json_nodes(data.get("@graph"))


def _is_article(node: dict[str, Any]) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(k in _ARTICLE_TYPES for k in kinds if isinstance(k, str))


def _structured_author(structured: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> str | None:
    """The article's first author with a name; Yoast names a Person node by its ``@id``."""
    people = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    for node in structured:
        author = node.get("author")
        authors = author if isinstance(author, list) else [author]
        for given in authors:
            entry = given
            if isinstance(entry, dict) and "name" not in entry:
                reference = entry.get("@id")
                entry = people.get(reference, entry) if isinstance(reference, str) else entry
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str) and (text := _json_text(name)):
                return text
    return None


def _sections(
    structured: list[dict[str, Any]], root: HtmlElement, category_labels: Mapping[str, str]
) -> Iterator[str]:
    """Every category the page says the article is in: JSON-LD ``articleSection``, then
    WordPress's ``category-<slug>`` post classes named by the menu's labels."""
    for node in structured:
        sections = node.get("articleSection")
        for section in sections if isinstance(sections, list) else [sections]:
            if isinstance(section, str):
                yield _json_text(section)
    for token in (_first(root, selectors.POST_CLASSES) or "").split():
        if token.startswith(selectors.CATEGORY_CLASS_PREFIX):
            label = category_labels.get(token.removeprefix(selectors.CATEGORY_CLASS_PREFIX))
            if label:
                yield label


def _canonical(page: HtmlElement, url: str) -> str:
    """The page's canonical URL when it names this host, else the URL fetched; in its
    normal form either way (the form the crawl state knows it by)."""
    canonical = _first(page, selectors.CANONICAL)
    if canonical:
        link = absolute(url, canonical)
        if link and urlsplit(link).netloc == urlsplit(url).netloc:
            return normalize(link)
    return normalize(url)


def _page_title(page: HtmlElement) -> str | None:
    """The head's title without the site's name.

    Channel9's suffix, or the ``og:site_name`` before or after a separator; a separator
    inside the title stays.
    """
    title = _first(page, selectors.PAGE_TITLE)
    if not title:
        return None
    title = selectors.SITE_NAME_SUFFIX.sub("", title)
    site = _first(page, selectors.SITE_NAME)
    if site:
        name, separator = re.escape(site), selectors.TITLE_SEPARATOR.pattern
        title = re.sub(rf"{separator}{name}$|^{name}{separator}", "", title, flags=re.IGNORECASE)
    return title or None


def _image(root: HtmlElement, url: str) -> tuple[str | None, str | None]:
    """The featured image and where it was found: an image's attributes in order of
    preference (a lazy-loading placeholder is no image), or an address."""
    for source, queries in selectors.FEATURED_IMAGE:
        for found in _nodes(root, queries, union=True):
            if isinstance(found, str):
                values = [clean(found)]
            else:
                values = [clean(found.get(name)) for name in selectors.IMAGE_ATTRIBUTES]
            for value in values:
                link = None if not value or value.startswith("data:") else absolute(url, value)
                if link:
                    # Escaped as a browser would ask for it: a space or a "<" in the markup
                    # would make the record's ``uri`` invalid.
                    try:
                        escaped = safe_url_string(link)
                    except ValueError:  # a host that no URL may hold (later w3lib releases)
                        continue
                    # The host is kept as written: one that is no host name is no image.
                    if _HOST.fullmatch(urlsplit(escaped).hostname or ""):
                        return source, escaped
    return None, None


def _further_articles(page: HtmlElement, root: HtmlElement, url: str) -> Iterator[str]:
    for node in _query(selectors.FURTHER_ARTICLES)(page):
        if node is root:
            continue
        link = absolute(url, _first(node, selectors.FURTHER_ARTICLE_LINKS))
        if link:
            yield link


_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")
"""A host name (IDNA-encoded, as w3lib gives it) or an IP address, as ``urlsplit`` reads
it: lower case, an IPv6 address without its brackets."""


Query = Callable[[HtmlElement], list[Any]]
"""A compiled selector: the nodes, attribute values or texts it finds in a scope."""


@cache
def _query(selector: str) -> Query:
    """A selector of :mod:`channel9.pages.selectors`, compiled once: XPath when it starts with
    ``/`` or ``./``, else CSS (with parsel's ``::attr(...)`` and ``::text``); CSS that an
    article root's :class:`Anchors` can answer is (see :func:`_anchor_token`)."""
    if selector.startswith(("/", "./")):
        return _xpath(selector)
    token = _anchor_token(selector)
    if token is None:
        return _xpath(css2xpath(selector))
    return AnchoredQuery(token, selector)


def _xpath(xpath: str) -> Query:
    """An XPath expression compiled, with the regular expressions of EXSLT."""
    return cast("Query", etree.XPath(xpath, smart_strings=False, namespaces=_NAMESPACES))


def _anchor_token(selector: str) -> str | None:
    """A class (``.word``) or id (``#id``) of the CSS selector's first step that every
    element it starts from holds, if the selector may be asked of those elements alone.

    It may where it goes down from them only (descendants, children): what it finds from
    elements that do not hold one another then comes once each, in the document's order.
    From siblings (``+``, ``~``), two of them can reach the same element. Only a step all
    of whose parts an element must match (:data:`_ALL_OF`) has a token it must hold:
    cssselect reads ``.a:is(.b)`` as either."""
    try:
        (parsed,) = cssselect.parse(selector)
    except (ValueError, cssselect.SelectorError):  # a list of selectors, or none
        return None
    step: object = parsed.parsed_tree
    while isinstance(step, CombinedSelector):
        if step.combinator not in (" ", ">"):
            return None
        step = step.selector
    token = None
    while step is not None:  # the step's parts, a negation's own left out
        if not isinstance(step, _ALL_OF) or (isinstance(step, Element) and step.namespace):
            return None
        if isinstance(step, Class):
            token = "." + step.class_name
        elif isinstance(step, Hash):
            token = "#" + step.id
        step = getattr(step, "selector", None)
    # A name that holds whitespace is none of the words the index splits classes into.
    if token is None or len(token[1:].split()) != 1 or token[1:] != token[1:].strip():
        return None
    return token


class Anchors:
    """The elements of a scope by the class words (``.word``) and ids (``#id``) that
    selectors start from (:data:`_TOKENS`), in document order, the scope itself included.

    libxml2 answers ``.entry-content`` by testing the class of every element of the scope:
    on a real theme's article (400 elements) that is 0.1 to 0.3 ms a selector, and an
    article asks about fifteen. One walk of the class and id values here answers them all;
    only an element holding a token is looked up. The tree must not change while the index
    is in use (nothing changes it while an article is parsed)."""

    def __init__(self, scope: HtmlElement) -> None:
        self.tokens = frozenset(_TOKENS)
        """The tokens indexed: a selector compiled later is asked of the whole scope."""
        self.by_token: dict[str, list[HtmlElement]] = {}
        for value in _CLASSES(scope):
            holder = None
            # Split wider than XPath's whitespace: a superset, each one tested again.
            for word in value.split():
                token = "." + word
                if token in self.tokens:
                    holder = value.getparent() if holder is None else holder
                    holders = self.by_token.setdefault(token, [])
                    if not holders or holders[-1] is not holder:  # a word the class repeats
                        holders.append(holder)
        for value in _IDS(scope):
            if "#" + value in self.tokens:
                self.by_token.setdefault("#" + value, []).append(value.getparent())


_ANCHORS: ContextVar[dict[HtmlElement, Anchors | None] | None] = ContextVar("anchors", default=None)
"""The article roots of the page being parsed, each with its :class:`Anchors` once asked
(see :func:`_anchoring`)."""


class AnchoredQuery:
    """A CSS selector that starts from the elements holding ``token``: in an article root
    given to :func:`_anchor`, asked only of those elements, else of the whole scope; the
    same results in the same order either way."""

    def __init__(self, token: str, selector: str) -> None:
        self.token = token
        _TOKENS.add(token)
        self.whole = _xpath(css2xpath(selector))
        """The selector asked of a scope's descendants, and of the scope itself."""
        self.anchored = _xpath(_TRANSLATOR.css_to_xpath(selector, prefix="self::"))
        """The selector asked of an element itself (``self::``), not of its descendants."""

    def __call__(self, scope: HtmlElement) -> list[Any]:
        roots = _ANCHORS.get()
        if roots is None or scope not in roots:
            return self.whole(scope)
        anchors = roots[scope]
        if anchors is None:
            anchors = roots[scope] = Anchors(scope)
        if self.token not in anchors.tokens:
            return self.whole(scope)
        holders = anchors.by_token.get(self.token, [])
        if len(holders) > 1 and _any_nested(holders):
            return self.whole(scope)
        return [found for holder in holders for found in self.anchored(holder)]


@contextmanager
def _anchoring() -> Iterator[None]:
    """Meanwhile, the selectors asked of an article root given to :func:`_anchor` are
    answered from its :class:`Anchors`."""
    token = _ANCHORS.set({})
    try:
        yield
    finally:
        _ANCHORS.reset(token)


def _anchor(root: HtmlElement) -> None:
    """The selectors asked of ``root`` answered from its :class:`Anchors`, built when first
    asked (in :func:`_anchoring`): an article root is asked a dozen or more."""
    roots = _ANCHORS.get()
    if roots is not None:
        roots.setdefault(root, None)


def _any_nested(elements: list[HtmlElement]) -> bool:
    """Whether one of the elements holds another: their results could repeat, or come in
    another order than the document's."""
    held = set(elements)
    return any(above in held for element in elements for above in element.iterancestors())


def _nodes(scope: HtmlElement, queries: Iterable[str], union: bool = False) -> list[Any]:
    """The nodes of the first selector that finds any, or of all of them with ``union``."""
    found = []
    for selector in queries:
        nodes: list[Any] = _query(selector)(scope)
        if nodes and not union:
            return nodes
        found.extend(nodes)
    return found


def _values(scope: HtmlElement, queries: Iterable[str]) -> Iterator[str]:
    """Cleaned non-empty values (attributes, or element text) of the selectors in order,
    each computed only when asked for."""
    for selector in queries:
        for value in _query(selector)(scope):
            text = clean(value) if isinstance(value, str) else _text(value)
            if text:
                yield text


def _sourced(scope: HtmlElement, groups: selectors.Sourced) -> tuple[str | None, str | None]:
    """The first value of a field's fallback groups, and the group's name."""
    for source, queries in groups:
        value = _first(scope, queries)
        if value:
            return source, value
    return None, None


def _sourced_nodes(scope: HtmlElement, groups: selectors.Sourced) -> tuple[str | None, list[Any]]:
    """The nodes of the first fallback group that finds any, and the group's name."""
    for source, queries in groups:
        nodes = _nodes(scope, queries)
        if nodes:
            return source, nodes
    return None, []


def _first(scope: HtmlElement, queries: Iterable[str]) -> str | None:
    return next(_values(scope, queries), None)


def _text(node: HtmlElement) -> str:
    return clean(
        "".join(
            part if isinstance(part, str) else " " for part in _query(selectors.BLOCK_TEXT)(node)
        )
    )


def _unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty values in first-seen order, each once (compared without case)."""
    seen: dict[str, str] = {}
    for value in values:
        if value:
            seen.setdefault(value.casefold(), value)
    return list(seen.values())
