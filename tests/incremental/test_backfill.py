"""The backfill: every door into the site read to its end once, whatever cut a run short,
and runs that say so; the guards that end a run which cannot do its job."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.demo.site import CATEGORIES, FEATURED, PER_PAGE, FakeSite, Reply, always, serve
from tests.conftest import (
    FAST,
    SCRAPY,
    STATE,
    crawl,
    crawl_in_process,
    interrupt,
    items_of,
    last_report,
    run_files,
)

BUSY = Reply(503, b"Service Unavailable")


def written(workdir: Path) -> set[str]:
    """Every URL any run wrote."""
    return {item["url"] for path in run_files(workdir) for item in items_of(path)}


def listing_paths(site: FakeSite, category: str) -> list[str]:
    pages = max(1, -(-(len(site.listing(category)) - FEATURED) // PER_PAGE))
    return [
        f"/category/{category}/",
        *(f"/category/{category}/page/{n}/" for n in range(2, pages + 1)),
    ]


def verdict(log: str) -> str:
    return re.findall(r"Verdict: (.*)", log)[-1]


@deferred_f_from_coro_f
async def test_a_listing_that_failed_in_the_first_run_is_read_to_its_end_by_the_next(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=120, doors=True)
    for path in [*listing_paths(site, "ekonomi-bisnis"), "/wp-sitemap.xml"]:
        site.overrides[path] = always(BUSY)
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url, "-s", "RETRY_TIMES=0")
        site.overrides.clear()
        second = await crawl_in_process(tmp_path, base_url)
        third = await crawl_in_process(tmp_path, base_url)

    assert first.returncode == 1
    assert first.verdict == (
        "the door listing:ekonomi-bisnis could not be read to its end"
        f" (http_503 at {base_url}/category/ekonomi-bisnis/): the next run takes it up; the"
        f" door sitemap:{base_url}/wp-sitemap.xml could not be read to its end (http_503):"
        " the next run takes it up"
    )
    assert second.returncode == third.returncode == 0, second.log
    assert written(tmp_path) == set(site.expected(base_url))
    backfill = last_report(tmp_path)["backfill"]
    assert backfill["complete"] and backfill["incomplete_doors"] == []
    assert backfill["articles_exported"] == backfill["articles_known"] == 120


@deferred_f_from_coro_f
async def test_a_first_run_through_the_feed_alone_leaves_the_rest_to_the_next_runs(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=150, doors=True)
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url, "-a", "discover=feed")
        later = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert first.returncode == 0, first.log
    assert len(items_of(run_files(tmp_path)[0])) < 150
    assert [run.returncode for run in later] == [0, 0]
    assert written(tmp_path) == set(site.expected(base_url))


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_first_run_killed_again_and_again_loses_nothing(tmp_path: Path) -> None:
    site = FakeSite(count=120, doors=True)
    site.hidden = set(site.order[-3:])  # only the sitemap names them
    with serve(site) as base_url:
        # Each killed after a few more requests (or let finish, when it needs fewer).
        for extra in (8, 30, 60, 90):
            interrupt(tmp_path, base_url, site, len(site.requests) + extra, signal.SIGKILL)
        later = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert [run.returncode for run in later] == [0, 0], later[-1].log
    assert written(tmp_path) == set(site.expected(base_url))


@deferred_f_from_coro_f
async def test_articles_only_the_sitemap_names_are_found_after_a_bounded_first_run(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=90, doors=True)
    # Old articles no listing shows, too old for the feeds: only the sitemap names them.
    site.hidden = set(site.order[-5:])
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url, "-a", "max_pages=1")
        later = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert first.returncode == 0, first.log
    assert "the backfill is not complete yet" in first.verdict
    assert [run.returncode for run in later] == [0, 0]
    assert written(tmp_path) == set(site.expected(base_url))
    assert "not complete" not in later[-1].verdict


class EndlessOpini(dict[str, Any]):
    """Overrides in which page N of the Opini listing shows page 1's articles and links
    page N + 1, for ever (a broken pagination plugin)."""

    def __init__(self, site: FakeSite) -> None:
        super().__init__()
        self.site = site

    def get(self, path: str, default: Any = None) -> Any:
        page = re.fullmatch(r"/category/opini/page/(\d+)/", path)
        if page is None:
            return super().get(path, default)
        following = f"page/{int(page[1]) + 1}/"
        body = self.site.page("/category/opini/").body.replace(b"page/2/", following.encode())
        return always(Reply(200, body))


@deferred_f_from_coro_f
async def test_endless_pagination_ends_the_walk_named_in_the_report(tmp_path: Path) -> None:
    site = FakeSite(count=120)
    site.overrides = EndlessOpini(site)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, timeout=60)

    assert run.returncode == 0, run.log
    # Page 1, then pages 2, 3 and 4 that bring only what the walk saw.
    listing = [p for p in site.requests if re.fullmatch(r"/category/opini/(page/\d+/)?", p)]
    assert listing == [
        "/category/opini/",
        *(f"/category/opini/page/{n}/" for n in (2, 3, 4)),
    ]
    assert last_report(tmp_path)["walks"]["listing:opini"] == {"page": 4, "stop": "repeated"}


ONE_AT_A_TIME = ("-s", "CONCURRENT_REQUESTS=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


def every_article_down() -> FakeSite:
    """A site of 40 articles whose listings answer and whose articles all answer 500."""
    site = FakeSite(count=40)
    for slug in site.articles:
        site.overrides[f"/{slug}/"] = always(Reply(500, b"Internal Server Error"))
    return site


@deferred_f_from_coro_f
async def test_a_site_down_for_every_article_ends_the_run_soon(tmp_path: Path) -> None:
    site = every_article_down()
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, *ONE_AT_A_TIME)
        site.overrides.clear()
        back = await crawl_in_process(tmp_path, base_url)

    assert run.returncode == 1
    assert run.verdict == (
        "the site answered 5xx or failed to the last 20 requests:"
        " it looks down (the next run takes up what is left); nothing was exported on a first"
        " run"
    )
    assert back.returncode == 0, back.log
    assert written(tmp_path) == set(site.expected(base_url))


@deferred_f_from_coro_f
async def test_the_circuit_breaker_counts_every_try_in_a_row(tmp_path: Path) -> None:
    site = every_article_down()
    with serve(site) as base_url:
        run = await crawl_in_process(
            tmp_path, base_url, *ONE_AT_A_TIME, "-s", "CHANNEL9_DOWN_AFTER=7"
        )

    assert run.returncode == 1
    # One request at a time: the run stopped right after 7 failed in a row (a page that
    # answered, such as /redaksi/, starts the count again).
    answered = [p[1:-1] not in site.articles for p in site.requests]
    assert answered[-8:] == [True] + [False] * 7
    assert last_report(tmp_path)["finish_reason"] == "site_down"


def test_sigterm_stops_a_run_at_once_while_the_site_asks_to_wait(tmp_path: Path) -> None:
    site = FakeSite(count=40)
    for slug in site.articles:
        site.overrides[f"/{slug}/"] = always(Reply(503, b"busy", {"Retry-After": "60"}))
    # Two requests at a time, as the project's settings say: the rest wait in the
    # downloader for their turn, a minute apart once the site asked so.
    polite = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    with serve(site) as base_url:
        process = subprocess.Popen(
            [SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", *FAST, *polite],
            cwd=tmp_path,
            env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Every listing read (so that every article is found: a loaded machine may take
        # seconds), and the 503s in: every queued request waits a minute now. The walk
        # is over once no listing was asked for in a second and a half.
        deadline = time.monotonic() + 60
        listings, quiet_since = 0, time.monotonic()
        while not (
            any(p[1:-1] in site.articles for p in site.requests)
            and time.monotonic() - quiet_since > 1.5
        ):
            assert time.monotonic() < deadline
            asked = sum(path.startswith("/category/") for path in list(site.requests))
            if asked != listings:
                listings, quiet_since = asked, time.monotonic()
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        _, log = process.communicate(timeout=120)
        took = time.monotonic() - stopped

    assert process.returncode == 1
    assert took < 15  # not a minute for each of the queued requests
    assert last_report(tmp_path)["finish_reason"] == "shutdown"
    assert "queued requests dropped, left to the next run" in log
    # Nothing dropped was recorded as done: every article is still to fetch, once, and so
    # is /redaksi/ (which the listings show too) unless it was read before the 503s came.
    with sqlite3.connect(tmp_path / STATE) as db:
        exported = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        queued = [
            urlsplit(url).path for (url,) in db.execute("SELECT url FROM queue WHERE given_up = 0")
        ]
    articles = {f"/{slug}/" for slug in site.articles}
    assert exported == 0
    assert len(queued) == len(set(queued))
    assert set(queued) - {"/redaksi/"} == articles
    assert "/redaksi/" in queued or "/redaksi/" in site.requests


@deferred_f_from_coro_f
async def test_since_reads_no_sitemap_or_feed_entry_before_the_day(tmp_path: Path) -> None:
    site = FakeSite(count=150, doors=True)
    day = site.articles[site.order[29]].published.date()
    recent = {f"/{slug}/" for slug in site.order if site.articles[slug].published.date() >= day}
    with serve(site) as base_url:
        run = await crawl_in_process(
            tmp_path, base_url, "-a", f"since={day}", "-a", "discover=sitemap,feed"
        )

    assert run.returncode == 0, run.log
    asked = {p for p in site.requests if p[1:-1] in site.articles}
    assert asked == recent
    assert written(tmp_path) == {base_url + p for p in recent}
    # The sitemap was read in part: later runs read it whole.
    assert (
        f"sitemap:{base_url}/wp-sitemap-posts-post-1.xml"
        in last_report(tmp_path)["backfill"]["incomplete_doors"]
    )


@deferred_f_from_coro_f
async def test_since_stops_the_walks_instead_of_fetching_every_article(tmp_path: Path) -> None:
    site = FakeSite(count=600)  # 100 articles a category: 10 listing pages each
    day = site.articles[site.order[29]].published.date()
    with serve(site) as base_url:
        # One request at a time, as a polite crawl nearly is: the scheduler's order decides.
        run = await crawl_in_process(
            tmp_path, base_url, "-a", f"since={day}", "-s", "CONCURRENT_REQUESTS=1"
        )

    assert run.returncode == 0, run.log
    expected = {
        url for url, item in site.expected(base_url).items() if item["published_date"] >= str(day)
    }
    assert written(tmp_path) == expected
    # The 30 newest sit on page 1 of their listings: each walk reads page 1, then one page
    # of overlap; the articles those show are fetched, no more.
    asked = [p for p in site.requests if p[1:-1] in site.articles]
    assert len(asked) <= len(CATEGORIES) * (FEATURED + 2 * PER_PAGE) < 600


@deferred_f_from_coro_f
async def test_categories_writes_only_articles_of_those_categories(tmp_path: Path) -> None:
    site = FakeSite(count=120, doors=True)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, "-a", "categories=nasional")
        later = await crawl_in_process(tmp_path, base_url)

    assert run.returncode == 0, run.log
    nasional = {f"{base_url}/{s}/" for s, a in site.articles.items() if "nasional" in a.categories}
    assert {item["url"] for item in items_of(run_files(tmp_path)[0])} == nasional
    assert later.returncode == 0, later.log
    assert written(tmp_path) == set(site.expected(base_url))


@deferred_f_from_coro_f
async def test_a_state_of_a_later_format_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    site = FakeSite(count=10)
    with serve(site) as base_url:
        assert (await crawl_in_process(tmp_path, base_url)).returncode == 0
        with sqlite3.connect(tmp_path / STATE) as db:
            db.execute("UPDATE meta SET value = 'channel9-state-99' WHERE key = 'format'")
        run = crawl(tmp_path, base_url)

    assert run.returncode == 2
    assert verdict(run.log) == (
        f"could not start (exit status 2): the crawl state {STATE} is in format"
        " 'channel9-state-99', which this version of channel9 does not know (it writes"
        " 'channel9-state-4'): run the version that wrote it"
    )
    with sqlite3.connect(tmp_path / STATE) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'format'").fetchall() == [
            ("channel9-state-99",)
        ]
        assert db.execute("SELECT count(*) FROM runs").fetchall() == [(1,)]


@deferred_f_from_coro_f
async def test_a_sitemap_served_cut_short_is_a_door_that_failed(tmp_path: Path) -> None:
    site = FakeSite(count=150, doors=True)
    site.hidden = set(site.order[-10:])  # only the sitemap names them
    post_sitemap = "/wp-sitemap-posts-post-1.xml"
    whole = site.page(post_sitemap).body
    site.overrides[post_sitemap] = always(Reply(200, whole[: len(whole) // 2]))
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url)
        site.overrides.clear()
        later = await crawl_in_process(tmp_path, base_url)

    assert first.returncode == 1
    assert f"the door sitemap:{base_url}{post_sitemap} could not be read to its end (broken)" in (
        first.verdict
    )
    assert later.returncode == 0, later.log
    assert written(tmp_path) == set(site.expected(base_url))


@deferred_f_from_coro_f
async def test_feeds_robots_txt_disallows_are_no_doors_of_the_crawl(tmp_path: Path) -> None:
    site = FakeSite(count=40, doors=True)
    robots = site.page("/robots.txt").body.replace(b"Disallow:", b"Disallow: /*/feed/\nDisallow:")
    site.overrides["/robots.txt"] = always(Reply(200, robots, {"Content-Type": "text/plain"}))
    with serve(site) as base_url:
        runs = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert [run.returncode for run in runs] == [0, 0], runs[-1].log
    assert written(tmp_path) == set(site.expected(base_url))
    assert not any(p.endswith("/feed/") and p != "/feed/" for p in site.requests)


@deferred_f_from_coro_f
async def test_a_run_narrowed_to_some_categories_is_no_measure_for_the_next_runs(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=120)
    with serve(site) as base_url:
        narrowed = await crawl_in_process(tmp_path, base_url, "-a", "categories=opini,politik")
        later = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert narrowed.returncode == 0, narrowed.log
    assert [run.returncode for run in later] == [0, 0], later[0].log
    assert written(tmp_path) == set(site.expected(base_url))
    assert last_report(tmp_path)["written"] == 0
