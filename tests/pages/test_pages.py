"""Page parsing on saved pages of the site's markup, each beside its expected output."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from channel9.pages.parser import (
    Category,
    ListingPage,
    from_html,
    is_whole,
    parse_article,
    parse_listing,
    parse_menu,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
LABELS = {
    "politik": "Politik",
    "hot-topic": "Hot Topic",
    "ekonomi": "Ekonomi",
    "nasional": "Nasional",
    "internasional": "Internasional",
}
CRAWLED_AT = "2026-11-28T03:00:00+00:00"


def article_output(name: str) -> dict[str, Any] | str:
    """What the crawl writes for a saved page, fetched at ``CRAWLED_AT``."""
    html = (FIXTURES / f"{name}.html").read_text(encoding="utf-8")
    crawled_at = datetime.fromisoformat(CRAWLED_AT)
    result = parse_article(from_html(html), f"https://channel9.id/{name}/", LABELS, crawled_at)
    if result.article is None:
        return result.reason or ""
    result.article.crawled_at = CRAWLED_AT
    return asdict(result.article)


@pytest.mark.parametrize(
    "name",
    [
        "seed_article",
        "article_old_markup",
        "article_new_markup",
        "article_autoload",
        "wordpress_block_theme_article",
    ],
)
def test_article_pages_give_their_expected_item(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert article_output(name) == expected


def test_seed_article_reads_its_date_from_the_text() -> None:
    item = article_output("seed_article")
    assert isinstance(item, dict)
    assert (item["published_date"], item["published_raw"]) == ("2022-01-21", "Jumat (21/1/2022)")
    assert item["text"].startswith("Diplomat terkemuka Rusia")
    assert item["image_caption"] is None


def test_auto_loaded_articles_are_links_not_content() -> None:
    html = (FIXTURES / "article_autoload.html").read_text(encoding="utf-8")
    result = parse_article(from_html(html), "https://channel9.id/banjir-jakarta-surut/")
    assert result.links == (
        "https://channel9.id/as-rusia-bertemu/",
        "https://channel9.id/opini-tentang-pemilu/",
    )


def test_static_page_is_not_an_article() -> None:
    assert article_output("static_page") == "static_page"


def test_page_without_article_body_says_so() -> None:
    html = (FIXTURES / "article_old_markup.html").read_text(encoding="utf-8")
    cut = html[: html.index('<div id="mvp-post-content"')]
    whole = is_whole(cut)
    assert parse_article(from_html(cut), "https://channel9.id/x/", whole=whole).reason == "no_body"


def test_listing_with_featured_block_and_page_links() -> None:
    html = (FIXTURES / "listing_page1.html").read_text(encoding="utf-8")
    listing = parse_listing(from_html(html), "https://channel9.id/category/nasional/")
    assert listing == ListingPage(
        article_urls=(
            "https://channel9.id/berita-satu/",
            "https://channel9.id/berita-dua/",
            "https://channel9.id/berita-tiga/",
            "https://channel9.id/berita-empat/",
        ),
        next_url="https://channel9.id/category/nasional/page/2/",
    )


def test_last_listing_page_has_no_next_page() -> None:
    html = (FIXTURES / "listing_last_page.html").read_text(encoding="utf-8")
    listing = parse_listing(from_html(html), "https://channel9.id/category/opini/page/4/")
    assert listing == ListingPage(("https://channel9.id/opini-lama/",), None)


def test_menu_lists_each_category_once() -> None:
    html = (FIXTURES / "home.html").read_text(encoding="utf-8")
    menu = parse_menu(from_html(html), "https://channel9.id/")
    assert menu == [
        Category("nasional", "Nasional", "https://channel9.id/category/nasional/"),
        Category("internasional", "Internasional", "https://channel9.id/category/internasional/"),
        Category("asia", "Asia", "https://channel9.id/category/internasional/asia/"),
        Category("opini", "Opini", "https://channel9.id/category/opini/"),
        Category("hot-topic", "Hot Topic", "https://channel9.id/category/hot-topic/"),
        Category(
            "ekonomi-bisnis", "Ekonomi & Bisnis", "https://channel9.id/category/ekonomi-bisnis/"
        ),
    ]


def test_broken_links_and_attributes_do_not_stop_parsing() -> None:
    html = (FIXTURES / "listing_page1.html").read_text(encoding="utf-8")
    broken = html.replace('href="/berita-empat/"', 'href="http://[broken/"').replace(
        "<a href='https://channel9.id/category/nasional/page/3/'",
        "<a \x1fhref='https://channel9.id/category/nasional/page/3/'",
    )
    listing = parse_listing(from_html(broken), "https://channel9.id/category/nasional/")
    assert "https://channel9.id/berita-tiga/" in listing.article_urls
    assert all("broken" not in url for url in listing.article_urls)


def test_article_in_standard_wordpress_markup_gives_its_expected_item() -> None:
    expected = json.loads((FIXTURES / "wordpress_article.json").read_text(encoding="utf-8"))
    html = (FIXTURES / "wordpress_article.html").read_text(encoding="utf-8")
    result = parse_article(from_html(html), expected["url"], LABELS, datetime(2026, 11, 28))
    assert result.article is not None
    result.article.crawled_at = CRAWLED_AT
    assert asdict(result.article) == expected
    assert result.sources == {
        "title": "wordpress",
        "category": "wordpress",
        "categories": "classes",
        "tags": "wordpress",
        "author": "wordpress",
        "published_date": "time",
        "modified_at": "time",
        "text": "wordpress",
        "dateline": "body",
        "image_url": "wordpress",
        "image_caption": "wordpress",
    }


def test_listing_and_menu_in_standard_wordpress_markup() -> None:
    listing_html = (FIXTURES / "wordpress_listing.html").read_text(encoding="utf-8")
    listing = parse_listing(from_html(listing_html), "https://channel9.id/category/nasional/")
    home = (FIXTURES / "wordpress_home.html").read_text(encoding="utf-8")
    menu = parse_menu(from_html(home), "https://channel9.id/")

    assert listing == ListingPage(
        article_urls=tuple(
            f"https://channel9.id/{slug}/"
            for slug in (
                "berita-24-dpr-bahas-ruu-baru-pemerintah-minta-ditunda-nomor-24",
                "berita-18-warga-jakarta-s-banjir-surut-setelah-tiga-hari-nomor-18",
                "berita-12-dpr-bahas-ruu-baru-pemerintah-minta-ditunda-nomor-12",
                "berita-10-warga-jakarta-s-banjir-surut-setelah-tiga-hari-nomor-10",
                "berita-6-warga-jakarta-s-banjir-surut-setelah-tiga-hari-nomor-6",
                "berita-5-kami-siap-kata-menteri-soal-harga-beras-nomor-5",
                "berita-0-dpr-bahas-ruu-baru-pemerintah-minta-ditunda-nomor-0",
                "redaksi",
            )
        ),
        next_url=None,
    )
    assert [category.slug for category in menu] == [
        "nasional",
        "internasional",
        "politik",
        "hot-topic",
        "ekonomi-bisnis",
        "opini",
    ]


def test_page_without_any_post_markup_is_not_an_article() -> None:
    bare = "<html><body><div><h1>Judul</h1><p>Isi berita.</p></div></body></html>"
    assert parse_article(from_html(bare), "https://channel9.id/x/").reason == "not_article"
