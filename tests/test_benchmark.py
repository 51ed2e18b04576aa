"""The crawl benchmark's baseline: bare Scrapy, fetching the pages the crawl fetches."""

from __future__ import annotations

from pathlib import Path

from benchmarks.crawl import crawls, run
from channel9.demo.site import FakeSite, serve


def test_the_bare_crawl_is_bare_scrapy_on_the_same_pages(tmp_path: Path) -> None:
    with serve(FakeSite(count=30, seed=5)) as base_url:
        jobs = crawls(base_url, tmp_path)
        channel9 = run(jobs["channel9"], tmp_path)
        bare = run(jobs["bare"], tmp_path)
        bare_log = (tmp_path / "stats.log").read_text()
    # None of the project's components: its settings are not loaded.
    assert "channel9.extensions" not in bare_log
    assert "channel9.middlewares" not in bare_log
    # The same home page, listings and every article; only the crawl asks for robots.txt.
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 30
    assert bare.pages == channel9.pages - 1
