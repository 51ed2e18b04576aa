"""The page parsers never raise: on random, cut and mutated HTML they return an article,
a listing, or a stated reason."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from channel9.pages import (
    ArticlePage,
    ListingPage,
    from_html,
    page_problem,
    parse_article,
    parse_listing,
    parse_menu,
)

FIXTURES = sorted(Path(__file__).with_name("fixtures").glob("*.html"))
PAGES = [path.read_bytes() for path in FIXTURES]
TAGS = ["<p>", "</p>", "<div id='mvp-content-main'>", "</div>", "<article id='mvp-article-wrap'>",
        "<h1 class='mvp-post-title'>", "<time itemprop='datePublished' datetime='x'>",
        "<script type='application/ld+json'>{", "<a rel='tag' href='//x'>", "&#8211;", "\x00",
        "<h3 class='mvp-post-cat'>", "<img data-src='data:,'>", "]]>", "<!--",
        "\udcff"]  # fmt: skip


def check(html: bytes | str) -> None:
    page = from_html(html)
    url = "https://channel9.id/x/"
    result = parse_article(page, url, {"nasional": "Nasional"})
    assert isinstance(result, ArticlePage)
    assert (result.article is None) == (result.reason is not None)
    if result.article is not None:
        for value in (result.article.title, result.article.text, result.article.author):
            assert value is None or "<script" not in value
    assert isinstance(parse_listing(page, url), ListingPage)
    assert isinstance(parse_menu(page, url), list)
    assert page_problem(page) in (None, "challenge_page", "error_page")


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
