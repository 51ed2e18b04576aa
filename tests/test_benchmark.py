"""The crawl benchmark's baseline: bare Scrapy, fetching the pages the crawl fetches."""

from __future__ import annotations

import gzip
import json
import re
from email.message import Message
from pathlib import Path
from urllib.request import Request, urlopen

from benchmarks.crawl import crawls, run
from channel9.demo.site import FakeSite, serve

SECTIONS = (
    "addons",
    "extensions",
    "downloader middlewares",
    "spider middlewares",
    "item pipelines",
)


def enabled(log: str) -> dict[str, list[str]]:
    """The components a crawl's log says are enabled, by section: their dotted paths."""
    found = {}
    for section in SECTIONS:
        listed = re.search(rf"INFO: Enabled {section}:\n(\[.*?\])\n", log, re.DOTALL)
        assert listed is not None, f"no list of enabled {section} in the log"
        found[section] = re.findall(r"'([\w.]+)'", listed[1]) + re.findall(
            r"<([\w.]+) object", listed[1]
        )
    return found


def overridden(log: str) -> str:
    """The dict of overridden settings a crawl's log prints."""
    settings = re.search(r"INFO: Overridden settings:\n(\{.*?\})\n", log, re.DOTALL)
    assert settings is not None, "no overridden settings in the log"
    return settings[1]


def test_the_bare_crawl_is_bare_scrapy_on_the_same_pages(tmp_path: Path) -> None:
    site = FakeSite(count=30, seed=5)
    with serve(site) as base_url:
        jobs = crawls(base_url, tmp_path)
        channel9 = run(jobs["channel9"], tmp_path)
        channel9_log = (tmp_path / "stats.log").read_text()
        channel9_asked = sorted(site.requests)
        site.requests.clear()
        bare = run(jobs["bare"], tmp_path)
        bare_log = (tmp_path / "stats.log").read_text()
        bare_asked = sorted(site.requests)

    # The crawl's log lists the project's add-on and components, and the same reading of
    # the bare crawl's log finds Scrapy's alone, with none of the project's settings.
    project = {
        section: [name for name in names if name.startswith("channel9.")]
        for section, names in enabled(channel9_log).items()
    }
    assert all(project.values()), project
    bare_components = enabled(bare_log)
    assert bare_components["addons"] == bare_components["item pipelines"] == []
    # Scrapy's alone, and the garbage collector's threshold the project sets for speed.
    assert [
        name
        for names in bare_components.values()
        for name in names
        if not name.startswith("scrapy.")
    ] == ["channel9.crawl.gc_threshold.GcThreshold"]
    assert "'BOT_NAME'" not in overridden(bare_log)
    assert "CHANNEL9_" not in overridden(bare_log)
    # The same home page, listings and every article; only the crawl asks for robots.txt.
    items = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted(item["url"] for item in items) == sorted(site.expected(base_url))
    assert (channel9.pages, bare.pages) == (39, 38)
    assert channel9_asked == sorted([*bare_asked, "/robots.txt"])


def test_the_typical_spider_reads_the_same_articles_from_pages_of_a_themes_weight(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=30, seed=5)
    site.heavy = True
    with serve(site) as base_url:
        typical = run(crawls(base_url, tmp_path)["typical"], tmp_path)
    paths = ("/", "/category/politik/", f"/{site.order[3]}/")
    weights = [len(site.page(path).body.replace(b"BASE", base_url.encode())) for path in paths]
    assert all(200_000 <= weight <= 225_000 for weight in weights), weights
    expected = site.expected(base_url)
    items = [json.loads(line) for line in (tmp_path / "typical.jsonl").read_text().splitlines()]
    # Every article, and the static page the project leaves out (its markup is a post's).
    assert sorted(item["url"] for item in items) == sorted([*expected, f"{base_url}/redaksi/"])
    for item in items:
        if item["url"] in expected:
            article = expected[item["url"]]
            assert [item[name] for name in ("title", "category", "tags", "author")] == [
                article[name] for name in ("title", "category", "tags", "author")
            ]
            assert item["image_url"] == article["image_url"]
    assert typical.pages == 38


def test_html_comes_gzipped_to_a_client_that_accepts_it() -> None:
    site = FakeSite(count=3, seed=5)
    site.gzipped = True
    path = f"/{site.order[0]}/"
    with serve(site) as base_url:

        def fetch(path: str, accepted: str | None = None) -> tuple[Message, bytes]:
            headers = {"Accept-Encoding": accepted} if accepted else {}
            with urlopen(Request(base_url + path, headers=headers)) as reply:
                return reply.headers, reply.read()

        (plain, body), (packed, packed_body) = fetch(path), fetch(path, "gzip, br")
        refused, _ = fetch(path, "br, gzip;q=0")
        robots, _ = fetch("/robots.txt", "gzip")
    assert plain["Content-Encoding"] is refused["Content-Encoding"] is None
    assert packed["Content-Encoding"] == "gzip"
    assert plain["Vary"] == packed["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed_body) == body
    assert len(packed_body) < len(body) // 2
    assert robots["Content-Encoding"] is robots["Vary"] is None  # HTML only, as nginx
