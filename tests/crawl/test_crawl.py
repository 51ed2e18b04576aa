"""The whole crawl, ``scrapy crawl channel9``, against the fake site."""

from __future__ import annotations

import gc
import inspect
import json
import re
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from jsonschema import ValidationError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.test import get_crawler

from channel9.crawl.gc_threshold import GcThreshold
from channel9.demo.site import CATEGORIES, FEATURED, PER_PAGE, FakeSite, list_also, serve
from channel9.items import Article
from channel9.spiders.channel9 import Channel9Spider
from tests.conftest import SCHEMA, crawl_in_process, last_report, strip_capture

if TYPE_CHECKING:
    from typing_extensions import Self


@deferred_f_from_coro_f
async def test_crawl_writes_every_article_once_with_its_fields(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    items = run.items("out.jsonl")
    urls = [item["url"] for item in items]
    assert len(urls) == len(set(urls)) == 40
    expected = site.expected(base_url)
    assert set(urls) == set(expected)
    for item in items:
        crawled_at = strip_capture(item)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", crawled_at)
        assert item == expected[item["url"]]
    assert f"{base_url}/redaksi/" in site_requests(site, base_url)
    assert not list(tmp_path.glob("data/*.jsonl"))


@deferred_f_from_coro_f
async def test_crawl_without_options_writes_a_new_file_per_run(
    base_url: str, tmp_path: Path
) -> None:
    first = await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")
    second = await crawl_in_process(
        tmp_path, base_url, "-a", "categories=opini", "-s", "CHANNEL9_STATE="
    )

    files = sorted((tmp_path / "data").glob("channel9-*.jsonl"))
    assert first.returncode == second.returncode == 0
    assert len(files) == 2
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 7
        assert all("\\u" not in line for line in lines)
        assert f"Wrote 7 items to {path.relative_to(tmp_path)}" in (first.log + second.log)


@deferred_f_from_coro_f
async def test_categories_and_max_pages_bound_the_crawl(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    run = await crawl_in_process(
        tmp_path,
        base_url,
        "-a",
        "categories=nasional,politik",
        "-a",
        "max_pages=1",
        "-O",
        "out.jsonl",
    )

    listings = [path for path in site.requests if path.startswith("/category/")]
    # Their first pages, and their feeds (the site's whole feed and sitemaps are not read).
    assert sorted(listings) == [
        "/category/nasional/",
        "/category/nasional/feed/",
        "/category/politik/",
        "/category/politik/feed/",
    ]
    assert run.returncode == 0, run.log
    # Every article those pages and feeds show, each with all its labels...
    shown = {
        f"{base_url}/{article.slug}/": article
        for name in ("nasional", "politik")
        for article in (*site.listing(name)[: FEATURED + PER_PAGE], *site.newest(name))
    }
    items = run.items("out.jsonl")
    assert sorted(item["url"] for item in items) == sorted(shown)
    expected = site.expected(base_url)
    for item in items:
        strip_capture(item)
        assert item == expected[item["url"]]
    labels = {label for item in items for label in item["categories"]}
    assert labels == {CATEGORIES[name] for a in shown.values() for name in a.categories}
    # ...and none of the other categories' articles.
    absent = {
        f"{base_url}/{article.slug}/"
        for article in site.articles.values()
        if not {"nasional", "politik"} & set(article.categories)
    }
    assert len(absent) == 24 and not absent & {item["url"] for item in items}


def site_requests(site: FakeSite, base_url: str) -> list[str]:
    return [base_url + path for path in site.requests]


@pytest.mark.parametrize(
    ("count", "seed", "theme", "heavy"),
    [(300, 2, True, False), (60, 12, False, False), (40, 5, True, True)],
    ids=["theme", "wordpress", "theme-weight"],
)
@deferred_f_from_coro_f
async def test_crawl_gets_every_field_right(
    count: int, seed: int, theme: bool, heavy: bool, tmp_path: Path
) -> None:
    site = FakeSite(count=count, seed=seed)
    site.theme = theme  # False: the markup of a standard WordPress theme
    site.heavy = heavy  # True: 215 KB pages, a mega menu, widgets and a footer around each
    site.gzipped = heavy  # as hosts send them: the items are the same
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    expected = site.expected(base_url)
    items = run.items("out.jsonl")
    assert sorted(item["url"] for item in items) == sorted(expected)
    for item in items:
        strip_capture(item)
        assert item == expected[item["url"]]
    report = last_report(tmp_path)
    assert report["field_sources"]["title"] == {"theme" if theme else "wordpress": count}
    assert report["skipped"]["static_page"] == 1


@deferred_f_from_coro_f
async def test_an_article_is_the_same_item_whichever_listing_led_to_it(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = next(s for s in site.order if site.articles[s].categories == ["politik"])
    list_also(site, "/category/opini/", [f"BASE/{slug}/"])
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    items = {item["url"]: item for item in run.items("out.jsonl")}
    item = items[f"{base_url}/{slug}/"]
    strip_capture(item)
    assert item == site.expected(base_url)[f"{base_url}/{slug}/"]
    assert item["categories"] == ["Politik"]


def test_the_items_schema_names_every_field_of_the_item_and_refuses_a_wrong_one() -> None:
    schema = SCHEMA.schema
    assert list(schema["properties"]) == [field.name for field in fields(Article)]
    assert schema["required"] == list(schema["properties"])
    good: dict[str, object] = {
        **dict.fromkeys(schema["properties"]),
        "url": "https://channel9.id/a/",
        "title": "A",
        "categories": [],
        "tags": [],
        "text": "Teks.",
        "crawled_at": "2026-11-28T20:49:43+00:00",
    }
    SCHEMA.validate(good)
    for wrong in ({"crawled_at": "kemarin"}, {"published_date": "28/11/2026"}, {"extra": 1}):
        with pytest.raises(ValidationError):
            SCHEMA.validate({**good, **wrong})


@pytest.mark.parametrize(
    "method",
    [
        name
        for name, value in vars(Channel9Spider).items()
        if inspect.isgeneratorfunction(value) and not name.startswith("_")
    ],
)
def test_no_callback_is_a_generator_that_returns_a_value(method: str) -> None:
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE would say at every response, which
    the project's settings turn off for its cost: a value returned from a generator
    callback or errback is lost. Every public generator of the spider is one; the
    private ones are helpers a callback reads with ``yield from``, their value kept."""
    assert not is_generator_with_return_value(getattr(Channel9Spider, method))


THRESHOLDS_SEEN: list[tuple[int, ...]] = []
"""Python's collector thresholds as each item of a crawl was scraped."""


class ThresholdsSeen:
    """Records Python's collector thresholds as each item is scraped (in ``THRESHOLDS_SEEN``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self) -> None:
        THRESHOLDS_SEEN.append(gc.get_threshold())


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """Thresholds of the test's own, given back after it."""
    before = gc.get_threshold()
    gc.set_threshold(1234, 11, 12)
    THRESHOLDS_SEEN.clear()
    try:
        yield (1234, 11, 12)
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize(
    ("given", "youngest"), [((), 10_000), (("-s", "CHANNEL9_GC_THRESHOLD=0"), 1234)]
)
@deferred_f_from_coro_f
async def test_the_crawl_runs_the_garbage_collector_less_often_and_gives_its_thresholds_back(
    base_url: str,
    tmp_path: Path,
    thresholds: tuple[int, int, int],
    given: tuple[str, ...],
    youngest: int,
) -> None:
    extension = {"tests.crawl.test_crawl.ThresholdsSeen": 0}
    run = await crawl_in_process(
        tmp_path,
        base_url,
        "-a",
        "categories=opini",
        "-s",
        f"EXTENSIONS={json.dumps(extension)}",
        *given,
    )

    assert run.returncode == 0, run.log
    assert len(THRESHOLDS_SEEN) == run.stats["item_scraped_count"] > 0
    assert set(THRESHOLDS_SEEN) == {(youngest, 11, 12)}
    assert gc.get_threshold() == thresholds


def test_the_thresholds_come_back_when_the_last_of_several_crawls_stops(
    thresholds: tuple[int, int, int],
) -> None:
    first, second = (
        GcThreshold.from_crawler(get_crawler(settings_dict={"CHANNEL9_GC_THRESHOLD": n}))
        for n in (5000, 20_000)
    )
    first.engine_started()
    second.engine_started()
    assert gc.get_threshold() == (20_000, 11, 12)
    first.engine_stopped()
    assert gc.get_threshold() == (20_000, 11, 12)
    second.engine_stopped()
    second.engine_stopped()  # said twice: the count holds
    assert gc.get_threshold() == thresholds
