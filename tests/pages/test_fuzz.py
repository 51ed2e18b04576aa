"""The page parsers never raise: on random, cut and mutated HTML they return an article
that is a valid record, links that resolve, a menu of each category once, or a stated
reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import cssselect
import pytest
from cssselect.parser import Class, Hash
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import css2xpath

from channel9.items import stamp
from channel9.pages import selectors
from channel9.pages.parser import (
    _anchor,
    _anchor_token,
    _anchoring,
    _query,
    clean,
    from_html,
    page_problem,
    parse_article,
    parse_listing,
    parse_menu,
)
from channel9.reasons import Reason
from tests.conftest import SCHEMA

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures").glob("*.html"))
PAGES = [path.read_bytes() for path in FIXTURES]
TAGS = ["<p>", "</p>", "<div id='mvp-content-main'>", "</div>", "<article id='mvp-article-wrap'>",
        "<h1 class='mvp-post-title'>", "<time itemprop='datePublished' datetime='x'>",
        "<script type='application/ld+json'>{", "<a rel='tag' href='//x'>", "&#8211;", "\x00",
        "<h3 class='mvp-post-cat'>", "<img data-src='data:,'>", "]]>", "<!--",
        "\udcff"]  # fmt: skip
URL = "https://channel9.id/x/"
FETCHED_AT = datetime(2026, 11, 28, 3, 4, 5, tzinfo=timezone.utc)
"""When the pages were fetched: relative dates ("2 jam lalu") are read against it."""


def resolved(url: str) -> bool:
    """Whether ``url`` is an absolute URL, as a link resolved against the page's is."""
    return bool(urlsplit(url).scheme)


def check(html: bytes | str) -> None:
    """Parses ``html`` as every kind of page the crawl reads, checking what each promises."""
    page = from_html(html)
    result = parse_article(page, URL, {"nasional": "Nasional"}, fetched_at=FETCHED_AT)
    # An article or the reason there is none, never both.
    assert (result.article is None) == (result.reason is not None)
    assert result.reason is None or isinstance(result.reason, Reason)
    assert all(resolved(link) for link in result.links)
    if result.article is not None and result.article.title:
        # What the pipelines let through (a URL and a title) is a valid record.
        record = {**asdict(result.article), "crawled_at": stamp(FETCHED_AT)}
        assert record["image_url"] is None or resolved(record["image_url"])
        SCHEMA.validate(record)
        # No script's source in the text (a title may hold the words, as a <title> does).
        assert "<script" not in record["text"]
    listing = parse_listing(page, URL)
    assert len(set(listing.article_urls)) == len(listing.article_urls)
    assert all(resolved(url) for url in listing.article_urls)
    assert listing.next_url is None or resolved(listing.next_url)
    menu = parse_menu(page, URL)
    assert len({category.slug for category in menu}) == len(menu)
    for category in menu:
        assert category.label == clean(category.label) != ""
        assert resolved(category.url)
    assert page_problem(page) in (None, Reason.CHALLENGE_PAGE, Reason.ERROR_PAGE)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PAGES), st.floats(min_value=0, max_value=1))
def test_pages_cut_at_any_point(page: bytes, where: float) -> None:
    check(page[: int(len(page) * where)])


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(PAGES),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(TAGS) | st.text(max_size=20)), max_size=8),
)
def test_pages_with_markup_spliced_in(page: bytes, splices: list[tuple[float, str]]) -> None:
    text = page.decode("utf-8")
    for where, fragment in splices:
        at = int(len(text) * where)
        text = text[:at] + fragment + text[at:]
    check(text.encode("utf-8", "surrogateescape"))


@settings(max_examples=100, deadline=None)
@given(st.text() | st.binary())
def test_random_input(data: str | bytes) -> None:
    check(data or " ")


def test_the_whole_fixture_pages_pass_the_same_checks() -> None:
    """The properties hold on the pages as served, where every part is there to check."""
    for page in PAGES:
        check(page)
    articles = [parse_article(from_html(page), URL, fetched_at=FETCHED_AT) for page in PAGES]
    assert sum(result.article is not None for result in articles) == 6
    assert sum(bool(parse_listing(from_html(page), URL).article_urls) for page in PAGES) == 5
    assert sum(bool(parse_menu(from_html(page), URL)) for page in PAGES) == 6


def _selectors_of(value: object) -> Iterator[str]:
    """The strings of a value of :mod:`channel9.pages.selectors`, in tuples at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for element in value:
            yield from _selectors_of(element)


SELECTORS = [
    *(
        selector
        for name in dir(selectors)
        if not name.startswith("__")
        for selector in _selectors_of(getattr(selectors, name))
        if _anchor_token(selector)
    ),
    # Anchors inside anchors; siblings, which two anchors can both reach; names with
    # escapes or characters that are no word's.
    ".a .a a::attr(href)",
    "div.a .b::text",
    "#a a",
    ".a > .b",
    ".a:not(.b) p",
    ".a ~ p",
    ".a + p",
    ".a + div + p",
    ".a + div p",
    "#a ~ .a",
    ".a\\:b",
    ".a\\31 23",
    "#a\\.b p",
    ".a·b",
]
"""CSS selectors that may begin with a class or an id: the project's, and forms that an
index of an article's classes could answer wrongly."""


def _names(selector: str) -> list[str]:
    """The class names and ids a CSS selector names, its escapes read."""
    found: list[str] = []
    steps: list[object] = [cssselect.parse(selector)[0].parsed_tree]
    while steps:
        step = steps.pop()
        if isinstance(step, Class):
            found.append(step.class_name)
        elif isinstance(step, Hash):
            found.append(step.id)
        steps.extend(
            part
            for part in (getattr(step, "selector", None), getattr(step, "subselector", None))
            if part is not None
        )
    return found


@st.composite
def elements(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    """An element with random classes and id of ``names``, holding up to three more."""
    tag = draw(st.sampled_from(["div", "p", "a", "span", "section", "h1", "img", "time"]))
    attributes = ' href="/h" rel="tag" datetime="2026-01-01"'
    if draw(st.booleans()):
        # Class words as pages write them: with tabs and line breaks between, or glued to a
        # form feed or a no-break space, which XPath's whitespace is not.
        odd = [f"x\x0c{names[0]}", f"{names[0]}\xa0"]
        words = draw(st.lists(st.sampled_from([*names, *odd]), max_size=3))
        between = draw(st.sampled_from([" ", "\t", "  ", "\n"]))
        attributes += f' class="{between.join(words)}"'
    if draw(st.booleans()):
        attributes += f' id="{draw(st.sampled_from(names))}"'
    held = draw(st.integers(0, 3 if depth < 4 else 0))
    inner = "".join(draw(elements(names, depth + 1)) for _ in range(held))
    return f"<{tag}{attributes}>t{inner}</{tag}>"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SELECTORS), st.data())
def test_an_anchored_selector_finds_what_the_whole_selector_finds(
    selector: str, data: st.DataObject
) -> None:
    # The selector's own names, so that its anchors nest and its other parts match.
    names = [*_names(selector), "post"]
    html = data.draw(elements(names)) + data.draw(elements(names))
    page = from_html(f"<html><body><article>{html}</article></body></html>".encode())
    root = page.root.xpath("//article")[0]
    whole = etree.XPath(css2xpath(selector), smart_strings=False)(root)
    with _anchoring():
        _anchor(root)
        found = _query(selector)(root)
    # The same nodes or values, in the same order, each as often.
    assert [item if isinstance(item, str) else id(item) for item in found] == [
        item if isinstance(item, str) else id(item) for item in whole
    ]


def test_anchors_inside_anchors_give_each_result_once() -> None:
    html = '<div class="a"><div class="a"><p class="a"><a href="/x">x</a></p></div></div>'
    page = from_html(f"<html><body><article>{html}</article></body></html>".encode())
    root = page.root.xpath("//article")[0]
    with _anchoring():
        _anchor(root)
        assert _query(".a .a a::attr(href)")(root) == ["/x"]
        assert [element.tag for element in _query(".a")(root)] == ["div", "div", "p"]


@pytest.mark.parametrize(
    ("selector", "html"),
    [
        (".a ~ p", '<div class="a"></div><div class="a"></div><p></p>'),
        (".a ~ p", '<div class="a"></div><div><div class="a"></div><p></p></div><p></p>'),
        (
            ".a + div + p",
            '<div class="a"></div><div><div class="a"></div><div></div><p></p></div><p></p>',
        ),
        (".a + div p", '<div class="a"></div><div><div class="a"></div><div><p></p></div></div>'),
        (".a ~ .a", '<div class="a"></div><div class="a"></div><div class="a"></div>'),
        (".a\\:b", '<div class="a:b"></div>'),
        ("#a\\.b", '<div id="a.b"></div>'),
        # cssselect reads a class with :is() or :where() as either, not both.
        (".a:is(.b)", '<div class="b"></div>'),
        (".a:where(.b)", '<div class="b"></div>'),
        ("#a:is(div)", "<div></div>"),
        (".a·b", '<div class="a·b"></div>'),
    ],
)
def test_selectors_an_index_cannot_answer_are_asked_whole(selector: str, html: str) -> None:
    page = from_html(f"<html><body><article>{html}</article></body></html>".encode())
    root = page.root.xpath("//article")[0]
    whole = etree.XPath(css2xpath(selector))(root)
    assert whole
    with _anchoring():
        _anchor(root)
        assert _query(selector)(root) == whole
