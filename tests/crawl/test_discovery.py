"""Feeds and sitemaps beside the category listings: every article found, scheduled runs
that cost little, corrections found by the sitemaps' ``<lastmod>``."""

from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.crawl.discovery import BrokenSource, parse_feed, parse_sitemap
from channel9.demo.site import CATEGORIES, JAKARTA, FakeSite, Reply, always, feed, serve
from tests.conftest import crawl_in_process, items_of, last_report, run_files

PAST = datetime(2025, 1, 6, 8, 0, tzinfo=JAKARTA)


def article_requests(site: FakeSite) -> list[str]:
    return [path for path in site.requests if path.strip("/") in site.articles]


@deferred_f_from_coro_f
async def test_a_first_run_exports_every_article_any_door_names_each_fetched_once(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=100, doors=True)
    hidden = site.order[5], site.order[-1]  # one in the feeds too, one in the sitemap alone
    site.hidden.update(hidden)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url)

    assert run.returncode == 0, run.log
    (output,) = run_files(tmp_path)
    urls = sorted(item["url"] for item in items_of(output))
    assert urls == sorted(site.expected(base_url))
    assert sorted(article_requests(site)) == sorted(f"/{slug}/" for slug in site.articles)
    coverage = last_report(tmp_path)["coverage"]
    in_feeds = {a.slug for c in (None, *CATEGORIES) for a in site.newest(c)}
    # The listings name the 98 articles they show and the static page /redaksi/.
    assert coverage["named"] == {"feed": len(in_feeds), "listings": 99, "sitemap": 100}
    assert coverage["only_one_source"] == {
        f"{base_url}/{hidden[1]}/": "sitemap",
        f"{base_url}/redaksi/": "listings",
    }
    assert coverage["unavailable"] == []


@deferred_f_from_coro_f
async def test_a_scheduled_run_reads_no_sitemap_when_the_feed_reaches_back(tmp_path: Path) -> None:
    site = FakeSite(count=155, doors=True)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        new = [site.add_article() for _ in range(5)]
        asked = len(site.requests)
        run = await crawl_in_process(tmp_path, base_url)

    assert run.returncode == 0, run.log
    assert sorted(item["url"] for item in items_of(run_files(tmp_path)[-1])) == sorted(
        f"{base_url}/{article.slug}/" for article in new
    )
    requests = site.requests[asked:]
    listings = [path for path in requests if path.startswith("/category/")]
    # robots.txt, the home page, the feed, each listing from page 1 until two pages bring
    # nothing new (17 pages) and the five articles; no sitemap.
    assert len(requests) == 3 + len(listings) + 5
    assert len(listings) == 17


@pytest.mark.parametrize(
    ("new", "promoted", "feed_reply"),
    [
        (12, False, None),
        (12, True, None),
        (5, False, Reply(404, b"Not Found")),
        (5, False, Reply(200, b"<html>not a feed</html>")),
        (5, False, Reply(301, b"", {"Location": "BASE/category/opini/"})),
    ],
    ids=[
        "more-new-than-the-feed-holds",
        "and-an-old-article-back-at-the-top-of-the-feed",
        "feed-gone",
        "feed-broken",
        "feed-moved-to-a-page",
    ],
)
@deferred_f_from_coro_f
async def test_a_scheduled_run_walks_the_listings_when_the_feed_cannot_tell(
    new: int, promoted: bool, feed_reply: Reply | None, tmp_path: Path
) -> None:
    site = FakeSite(count=155, doors=True)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        added = [site.add_article() for _ in range(new)]
        if promoted:  # an old article the feed shows first says nothing
            site.promote(site.order[30])
        if feed_reply:
            site.overrides["/feed/"] = always(feed_reply)
        run = await crawl_in_process(tmp_path, base_url)

    # A feed that is there but cannot be read is a door that failed: the run says so.
    broken = feed_reply is not None and feed_reply.status in (200, 301)
    assert run.returncode == (1 if broken else 0), run.log
    if broken:
        assert run.verdict == (
            f"the door feed:{base_url}/feed/ could not be read to its end (broken): the next"
            " run takes it up"
        )
    assert sorted(item["url"] for item in items_of(run_files(tmp_path)[-1])) == sorted(
        f"{base_url}/{article.slug}/" for article in added
    )
    assert any(path.startswith("/category/") for path in site.requests[-20:])


@deferred_f_from_coro_f
async def test_full_re_emits_exactly_the_edited_articles_the_sitemap_dates(tmp_path: Path) -> None:
    site = FakeSite(count=155, start=PAST, doors=True)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        edited = site.order[3], site.order[50], site.order[77], site.order[120], site.order[154]
        for slug in edited:
            site.edit(slug)
        asked = len(site.requests)
        run = await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    assert run.returncode == 0, run.log
    items = items_of(run_files(tmp_path)[-1])
    assert sorted(item["url"] for item in items) == sorted(f"{base_url}/{s}/" for s in edited)
    assert all("Ralat ke-1" in item["text"] for item in items)
    assert len(site.requests) - asked <= 40


@deferred_f_from_coro_f
async def test_full_walks_everything_when_the_sitemap_gives_no_lastmod(tmp_path: Path) -> None:
    site = FakeSite(count=60, start=PAST, doors=True)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        sitemap = site.page("/wp-sitemap-posts-post-1.xml").body
        undated = re.sub(rb"<lastmod>[^<]*</lastmod>", b"", sitemap)
        site.overrides["/wp-sitemap-posts-post-1.xml"] = always(Reply(200, undated))
        site.edit(site.order[30])
        asked = len(site.requests)
        run = await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    assert run.returncode == 0, run.log
    (item,) = items_of(run_files(tmp_path)[-1])
    edited = site.articles[site.order[30]]
    assert item["url"] == f"{base_url}/{site.order[30]}/"
    # The edit's moment, as the page's article:modified_time gives it.
    assert edited.modified is not None
    assert item["modified_at"] == edited.modified.isoformat()
    assert len(article_requests(site)[-60:]) == 60 and len(site.requests) - asked > 60


@pytest.mark.parametrize(
    ("path", "reply"),
    [
        ("/wp-sitemap.xml", Reply(404, b"Not Found")),
        ("/wp-sitemap.xml", Reply(200, b"<html>oops</html>")),
        ("/wp-sitemap-posts-post-1.xml", Reply(500, b"error")),
        ("/category/opini/feed/", Reply(404, b"Not Found")),
        ("/robots.txt", Reply(200, b"User-agent: *\nSitemap: http://elsewhere.invalid/s.xml\n")),
    ],
    ids=[
        "sitemap-gone",
        "sitemap-broken",
        "post-sitemap-failing",
        "category-feed-gone",
        "sitemap-on-another-host",
    ],
)
@deferred_f_from_coro_f
async def test_a_door_missing_or_broken_is_said_and_the_crawl_goes_on(
    path: str, reply: Reply, tmp_path: Path
) -> None:
    site = FakeSite(count=60, doors=True)
    site.overrides[path] = always(reply)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, "-s", "RETRY_TIMES=0")

    # Gone (404) or on another host is no door of the crawl's; one there but unreadable
    # failed, and fails the run.
    failed = reply.status in (200, 500) and path != "/robots.txt"
    assert run.returncode == (1 if failed else 0), run.log
    if failed:
        assert f"the door sitemap:{base_url}{path} could not be read to its end" in run.log
    assert len(items_of(run_files(tmp_path)[-1])) == 60
    coverage = last_report(tmp_path)["coverage"]
    unavailable = {entry["url"]: entry["reason"] for entry in coverage["unavailable"]}
    if path == "/robots.txt":  # never asked for: another host is not the crawl's to fetch
        assert unavailable["http://elsewhere.invalid/s.xml"] == "offsite"
    else:
        assert f"{base_url}{path}" in unavailable


def test_a_feed_names_its_articles_and_their_dates() -> None:
    site = FakeSite(count=12)
    body = feed(site.newest()).replace("BASE", "https://channel9.id").encode()

    named = parse_feed(body, "https://channel9.id/feed/")

    assert [entry.url for entry in named] == [
        f"https://channel9.id/{slug}/" for slug in site.order[:10]
    ]
    assert named[0].date == site.articles[site.order[0]].published


def test_an_atom_feed_is_read_too() -> None:
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate"'
        b' href="https://channel9.id/a/"/><published>2026-11-20T09:00:00+07:00</published>'
        b"</entry></feed>"
    )
    (entry,) = parse_feed(atom, "https://channel9.id/feed/atom/")
    assert entry.url == "https://channel9.id/a/"
    assert entry.date == datetime(2026, 11, 20, 9, tzinfo=JAKARTA)


def test_a_sitemap_index_leads_to_post_sitemaps_only_and_gzip_is_read() -> None:
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b"".join(
            b"<sitemap><loc>https://channel9.id/" + name + b"</loc></sitemap>"
            for name in (
                b"wp-sitemap-posts-post-1.xml",
                b"wp-sitemap-posts-page-1.xml",
                b"post-sitemap2.xml",
                b"category-sitemap.xml",
                b"wp-sitemap-users-1.xml",
            )
        )
        + b"</sitemapindex>"
    )
    page = parse_sitemap(gzip.compress(index), "https://channel9.id/wp-sitemap.xml", 10**7)
    assert page.sitemaps == (
        "https://channel9.id/wp-sitemap-posts-post-1.xml",
        "https://channel9.id/post-sitemap2.xml",
    )
    assert page.articles == ()


def test_a_sitemap_of_pages_names_no_article() -> None:
    urlset = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        b"<loc>https://channel9.id/redaksi/</loc></url></urlset>"
    )
    page = parse_sitemap(urlset, "https://channel9.id/wp-sitemap-posts-page-1.xml", 10**7)
    assert page.articles == ()


@pytest.mark.parametrize("body", [b"", b"<html><body>Not found</body></html>", b"\x1f\x8bjunk"])
def test_a_broken_sitemap_is_named_broken(body: bytes) -> None:
    with pytest.raises(BrokenSource):
        parse_sitemap(body, "https://channel9.id/sitemap.xml", 10**7)


@deferred_f_from_coro_f
async def test_a_sitemap_named_twice_or_by_itself_is_read_once_and_full_still_decides(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=40, start=PAST, doors=True)
    robots = b"User-agent: *\nSitemap: BASE/wp-sitemap.xml\nSitemap: BASE/wp-sitemap.xml\n"
    site.overrides["/robots.txt"] = always(Reply(200, robots, {"Content-Type": "text/plain"}))
    index = site.page("/wp-sitemap.xml").body
    looping = index.replace(
        b"</sitemapindex>", b"<sitemap><loc>BASE/wp-sitemap.xml</loc></sitemap></sitemapindex>"
    )
    site.overrides["/wp-sitemap.xml"] = always(Reply(200, looping))
    # Undated, and without the article to be edited: only the listings lead to it.
    edited = site.order[20]
    sitemap = site.page("/wp-sitemap-posts-post-1.xml").body
    undated = re.sub(rb"<lastmod>[^<]*</lastmod>", b"", sitemap)
    undated = re.sub(rb"<url><loc>BASE/" + edited.encode() + rb"/</loc></url>", b"", undated)
    site.overrides["/wp-sitemap-posts-post-1.xml"] = always(Reply(200, undated))
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        site.edit(edited)
        asked = len(site.requests)
        run = await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    assert run.returncode == 0, run.log
    assert site.requests[asked:].count("/wp-sitemap.xml") == 1
    assert [item["url"] for item in items_of(run_files(tmp_path)[-1])] == [f"{base_url}/{edited}/"]


@deferred_f_from_coro_f
async def test_full_walks_everything_when_a_post_sitemap_cannot_be_read(tmp_path: Path) -> None:
    site = FakeSite(count=60, start=PAST, doors=True)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        index = site.page("/wp-sitemap.xml").body.replace(
            b"</sitemapindex>",
            b"<sitemap><loc>BASE/wp-sitemap-posts-post-2.xml</loc></sitemap></sitemapindex>",
        )
        site.overrides["/wp-sitemap.xml"] = always(Reply(200, index))
        site.overrides["/wp-sitemap-posts-post-2.xml"] = always(Reply(500, b"error"))
        half = site.page("/wp-sitemap-posts-post-1.xml").body
        for slug in site.order[30:]:
            half = re.sub(rb"<url><loc>BASE/" + slug.encode() + rb"/</loc>.*?</url>", b"", half)
        site.overrides["/wp-sitemap-posts-post-1.xml"] = always(Reply(200, half))
        edited = site.order[5], site.order[45]
        for slug in edited:
            site.edit(slug)
        run = await crawl_in_process(tmp_path, base_url, "-a", "full=1", "-s", "RETRY_TIMES=0")

    assert run.returncode == 1, run.log
    assert (
        f"the door sitemap:{base_url}/wp-sitemap-posts-post-2.xml could not be read to its"
        " end (http_500): the next run takes it up"
    ) in run.log
    exported = sorted(item["url"] for item in items_of(run_files(tmp_path)[-1]))
    assert exported == sorted(f"{base_url}/{slug}/" for slug in edited)


@pytest.mark.parametrize("fast", [False, True], ids=["clock-slow", "clock-was-fast"])
@deferred_f_from_coro_f
async def test_full_compares_the_sites_dates_with_its_own_not_with_the_crawlers_clock(
    fast: bool, tmp_path: Path
) -> None:
    site = FakeSite(count=40, start=PAST, doors=True)
    edited = site.order[7]
    if fast:  # a lastmod 2 hours ahead when first read: the edit dates before it
        site.articles[edited].modified = datetime.now(JAKARTA) + timedelta(hours=2)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        site.edit(edited)
        # The site's clock is 10 minutes slow: its edit dates before the crawl's export.
        site.articles[edited].modified = datetime.now(JAKARTA) - timedelta(minutes=10)
        run = await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    assert run.returncode == 0, run.log
    assert [item["url"] for item in items_of(run_files(tmp_path)[-1])] == [f"{base_url}/{edited}/"]


@deferred_f_from_coro_f
async def test_since_reads_a_feeds_gmt_dates_as_the_sites_days(tmp_path: Path) -> None:
    site = FakeSite(count=60, doors=True)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        early = site.add_article()
        # 02:00 in Jakarta: 19:00 the day before in the feed's GMT.
        early.published = early.published.replace(hour=2, minute=0)
        run = await crawl_in_process(
            tmp_path, base_url, "-a", f"since={early.published.date().isoformat()}"
        )

    assert run.returncode == 0, run.log
    assert [item["url"] for item in items_of(run_files(tmp_path)[-1])] == [
        f"{base_url}/{early.slug}/"
    ]
