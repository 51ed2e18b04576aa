"""The health check, ``scrapy crawl channel9 -a check=1``: one page of each door, read,
one line each, exit 0 when all are ok; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.crawler import CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_f_from_coro_f, maybe_deferred_to_future

from channel9.crawl.check import HealthCheck
from channel9.crawl.middlewares import StrictRobotsTxtMiddleware
from channel9.demo.site import FakeSite, Reply, always, serve
from tests.conftest import FAST, scrapy_command

NASIONAL = "/category/nasional/"


async def checked(base_url: str) -> HealthCheck:
    """The check run in this process, with the project's settings and the tests' own."""
    settings = Settings()
    settings.setmodule("channel9.settings", priority="project")
    for value in FAST[1::2]:  # each -s NAME=VALUE
        name, given = value.split("=", 1)
        settings.set(name, given, priority="cmdline")
    runner = CrawlerRunner(settings)
    crawler = runner.create_crawler(HealthCheck)
    await maybe_deferred_to_future(runner.crawl(crawler, base_url=base_url, check="1"))
    check = crawler.spider
    assert isinstance(check, HealthCheck)
    return check


def newest_of_nasional(site: FakeSite) -> str:
    """The first article the menu's first listing shows: the one the check reads."""
    return f"/{site.listing('nasional')[0].slug}/"


def test_a_healthy_site_gives_a_line_per_door_exit_0_and_writes_nothing(tmp_path: Path) -> None:
    site = FakeSite(count=12, doors=True)
    with serve(site) as base_url:
        done = scrapy_command(
            tmp_path, "crawl", "channel9", "-a", "check=1", "-a", f"base_url={base_url}", *FAST
        )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"home     ok                 {base_url}/",
        f"listing  ok                 {base_url}{NASIONAL}",
        f"feed     ok                 {base_url}/feed/",
        f"sitemap  ok                 {base_url}/wp-sitemap-posts-post-1.xml",
        f"article  ok                 {base_url}{newest_of_nasional(site)}",
    ]
    assert done.stderr.splitlines()[-1].endswith(
        "Verdict: ok (exit status 0): health check: all 5 doors ok"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            "/",
            {"home": "http_503", "listing": "not_checked", "article": "not_checked"},
        ),
        (NASIONAL, {"listing": "http_503", "article": "not_checked"}),
        ("/feed/", {"feed": "http_503"}),
        ("/wp-sitemap.xml", {"sitemap": "http_503"}),
        # An index whose sitemap of posts fails names no article.
        ("/wp-sitemap-posts-post-1.xml", {"sitemap": "http_503"}),
        ("article", {"article": "http_503"}),
    ],
)
@deferred_f_from_coro_f
async def test_each_door_broken_is_named_and_the_rest_still_read(
    broken: str, expected: dict[str, str]
) -> None:
    site = FakeSite(count=12, doors=True)
    path = newest_of_nasional(site) if broken == "article" else broken
    site.overrides[path] = always(Reply(503, b"busy"))
    with serve(site) as base_url:
        check = await checked(base_url)

    outcomes = {door: outcome for door, (outcome, _) in check.outcomes().items()}
    assert outcomes == {door: expected.get(door, "ok") for door in outcomes}


@deferred_f_from_coro_f
async def test_a_robots_txt_that_fails_refuses_every_page_as_the_crawl_does() -> None:
    """RFC 9309: a robots.txt answering 5xx disallows the whole site."""
    site = FakeSite(count=12, doors=True)
    site.overrides["/robots.txt"] = always(Reply(503, b"busy"))
    with serve(site) as base_url:
        check = await checked(base_url)

    assert {door: outcome for door, (outcome, _) in check.outcomes().items()} == {
        "home": "robots",
        "listing": "not_checked",
        "feed": "robots",
        "sitemap": "robots",
        "article": "not_checked",
    }


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["-a", "check=1", "-a", "max_pages=2"],
            "scrapy crawl: error: cannot start: check=1 reads one page of each door of the site"
            " and takes base_url alone, not max_pages",
        ),
        (
            ["-a", "check=1", "-o", "out.jsonl"],
            "scrapy crawl: error: cannot start: check=1 writes nothing: give no -o or -O",
        ),
        (
            ["-a", "check=1", "-s", "HTTPCACHE_ENABLED=1"],
            "scrapy crawl: error: cannot start: check=1 reads the site as it answers now: give"
            " it no JOBDIR and no HTTPCACHE_ENABLED",
        ),
    ],
)
def test_the_check_refuses_what_it_would_not_do(
    args: list[str], error: str, tmp_path: Path
) -> None:
    done = scrapy_command(tmp_path, "crawl", "channel9", *args)

    assert (done.returncode, done.stdout, done.stderr) == (2, "", error + "\n")
    assert list(tmp_path.iterdir()) == []


def test_the_projects_own_components_are_kept_beside_the_checks() -> None:
    """A proxy middleware in settings.py runs in the check too; the add-on does not."""
    settings = Settings()
    settings.setmodule("channel9.settings", priority="project")
    settings.set("DOWNLOADER_MIDDLEWARES", {"myproject.ProxyMiddleware": 750}, priority="project")
    crawler = CrawlerRunner(settings).create_crawler(HealthCheck)

    middlewares = crawler.settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["myproject.ProxyMiddleware"] == 750
    assert middlewares[StrictRobotsTxtMiddleware] == 100
    assert crawler.settings.getdict("ADDONS") == {}
