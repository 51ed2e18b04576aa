"""Scheduled runs: only what is new, nothing lost, an honest exit status, one run at a time."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.demo.site import (
    CATEGORIES,
    FEATURED,
    PER_PAGE,
    FakeSite,
    Reply,
    always,
    serve,
    slow_first,
)
from channel9.incremental.store import CrawlState
from channel9.run.output import JsonLinesExporter, set_aside_broken_tail
from tests.conftest import (
    FAST,
    SCRAPY,
    STATE,
    command_in_process,
    crawl,
    crawl_in_process,
    items_of,
    last_report,
    report_of,
    run_files,
    strip_capture,
)


def listing_pages(site: FakeSite) -> dict[str, int]:
    """How many listing pages each category of the site has."""
    return {
        slug: max(1, -(-(len(site.listing(slug)) - FEATURED) // PER_PAGE)) for slug in CATEGORIES
    }


def listing_requests(site: FakeSite) -> list[str]:
    """The listing pages the site was asked for (not the categories' feeds)."""
    return [p for p in site.requests if p.startswith("/category/") and not p.endswith("/feed/")]


@deferred_f_from_coro_f
async def test_second_run_exports_only_the_new_articles_cheaply(tmp_path: Path) -> None:
    site = FakeSite(count=300, seed=7)  # 50 to 60 articles a category: 5 or 6 listing pages
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url)
        new = [site.add_article() for _ in range(3)]
        second = await crawl_in_process(tmp_path, base_url)

    assert first.returncode == second.returncode == 0, second.log
    first_file, second_file = run_files(tmp_path)
    assert len(items_of(first_file)) == 300
    pages = listing_pages(site)
    assert min(pages.values()) >= 5
    assert report_of(first_file)["listing_pages_fetched"] == sum(pages.values())
    assert sorted(item["url"] for item in items_of(second_file)) == sorted(
        f"{base_url}/{article.slug}/" for article in new
    )
    report = report_of(second_file)
    assert report["written"] == 3
    # Each category: page 1 (with something new, or not), then two pages with nothing new
    # (one of overlap) where page 1 had something new, else one.
    touched = {slug for article in new for slug in article.categories}
    assert report["listing_pages_fetched"] == sum(3 if slug in touched else 2 for slug in pages)
    # robots.txt, home, the feed (which this copy lacks, so it cannot tell whether more
    # was published than it holds: the sitemaps are looked for again, at robots.txt and
    # the 3 places they may be), the listings and the 3 articles: /redaksi/, listed on
    # page 1 of Nasional, was remembered as a static page by the first run.
    assert report["requests"] == 3 + 4 + report["listing_pages_fetched"] + 3


@deferred_f_from_coro_f
async def test_run_with_nothing_new_writes_no_file_and_exits_zero(
    base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    again = await crawl_in_process(tmp_path, base_url)

    assert again.returncode == 0, again.log
    assert len(run_files(tmp_path)) == 1
    assert last_report(tmp_path)["written"] == 0


@deferred_f_from_coro_f
async def test_failed_article_is_reported_and_exported_by_the_next_run(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[-1]  # the oldest: deep in its listing, which the next run won't walk
    site.overrides[f"/{slug}/"] = lambda hit: Reply(500, b"Database error") if hit <= 5 else None

    first = await crawl_in_process(tmp_path, base_url)
    second = await crawl_in_process(tmp_path, base_url)

    url = f"{base_url}/{slug}/"
    first_file, second_file = run_files(tmp_path)
    assert url not in {item["url"] for item in items_of(first_file)}
    # Every try counts: the first and Scrapy's 4 retries (RETRY_TIMES).
    assert report_of(first_file)["failures"] == [
        {"url": url, "reason": "http_500", "tries": 5, "earlier_failure": False}
    ]
    assert [item["url"] for item in items_of(second_file)] == [url]
    assert first.returncode == second.returncode == 0


@deferred_f_from_coro_f
async def test_an_article_asked_for_again_gets_its_fields_whichever_page_comes_first(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    # One in several categories, which its page names by their slugs alone (no JSON-LD).
    article = next(
        a
        for a in map(site.articles.__getitem__, reversed(site.order))
        if a.extra_categories and a.markup != "new"
    )
    site.overrides[f"/{article.slug}/"] = always(Reply(404, b"gone"))
    await crawl_in_process(tmp_path, base_url)
    # Back, but the home page (whose menu names the categories) answers after it would.
    del site.overrides[f"/{article.slug}/"]
    site.overrides["/"] = slow_first(0.5)
    site.hits.pop("/")

    second = await crawl_in_process(tmp_path, base_url)

    assert second.returncode == 0, second.log
    (item,) = items_of(run_files(tmp_path)[-1])
    strip_capture(item)
    assert item == article.expected(base_url)


@deferred_f_from_coro_f
async def test_killed_run_loses_nothing_and_leaves_no_broken_line(tmp_path: Path) -> None:
    site = FakeSite(count=120, seed=4)
    with serve(site) as base_url:
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"}
        slow = ["-s", "CONCURRENT_REQUESTS=2", "-s", "DOWNLOAD_DELAY=0.01"]
        command = [SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", *FAST, *slow]
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            files = run_files(tmp_path)
            if files and len(files[0].read_bytes().splitlines()) >= 30:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        second = await crawl_in_process(tmp_path, base_url)

    assert second.returncode == 0, second.log
    urls: set[str] = set()
    killed_lines = 0
    for path in run_files(tmp_path):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n")
        lines = text.splitlines()
        killed_lines = killed_lines or len(lines)
        urls.update(json.loads(line)["url"] for line in lines)
    assert 30 <= killed_lines < 120
    assert urls == set(site.expected(base_url))


@deferred_f_from_coro_f
async def test_full_run_re_emits_only_edited_articles(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    edited = site.order[5]
    site.edit(edited)
    full = await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    assert full.returncode == 0, full.log
    items = items_of(run_files(tmp_path)[-1])
    assert [item["url"] for item in items] == [f"{base_url}/{edited}/"]
    assert items[0]["text"].endswith("Ralat ke-1: judul dan isi diperbaiki.")
    assert last_report(tmp_path)["skipped"]["unchanged"] == 39


@deferred_f_from_coro_f
async def test_since_bounds_a_backfill_by_publication_date(tmp_path: Path) -> None:
    site = FakeSite(count=300, seed=7)  # 5 or 6 listing pages a category
    cutoff = sorted(a.published.date() for a in site.articles.values())[-20]
    with serve(site) as base_url:
        run = await crawl_in_process(
            tmp_path, base_url, "-a", f"since={cutoff.isoformat()}", "-O", "out.jsonl"
        )

    expected = {
        url
        for url, item in site.expected(base_url).items()
        if item["published_date"] >= str(cutoff)
    }
    assert {item["url"] for item in run.items("out.jsonl")} == expected
    # Each category: down to the page that shows an older article, the overlap, and the
    # page the overlap asked for (dropped as it comes), of its 5 or 6; listing pages go
    # before articles, so a walk may have asked for one more before the older article
    # was read.
    pages = listing_pages(site)
    walked = 0
    for slug in CATEGORIES:
        older = next(
            index
            for index, article in enumerate(site.listing(slug))
            if article.published.date() < cutoff
        )
        page = 1 if older < FEATURED + PER_PAGE else 2 + (older - FEATURED - PER_PAGE) // PER_PAGE
        walked += min(pages[slug], page + 2)
    listings = listing_requests(site)
    assert walked <= len(listings) <= walked + len(CATEGORIES) < sum(pages.values())


def test_second_concurrent_run_is_refused_and_touches_nothing(
    base_url: str, tmp_path: Path
) -> None:
    holder = CrawlState(tmp_path / STATE)
    try:
        before = (tmp_path / STATE).read_bytes()
        refused = crawl(tmp_path, base_url)
        after = (tmp_path / STATE).read_bytes()
    finally:
        holder.close()

    assert refused.returncode == 2
    assert "Another crawl is running" in refused.log
    assert "Traceback" not in refused.log
    assert before == after
    assert run_files(tmp_path) == []


@pytest.mark.parametrize("named", ["same.jsonl", "%(name)s.jsonl"])
@deferred_f_from_coro_f
async def test_replacing_an_earlier_runs_file_with_o_is_refused_before_it_is_touched(
    base_url: str, tmp_path: Path, named: str
) -> None:
    """Its articles count as exported: replaced, they would be in no file, and fetched
    again by no run. Named by the spider's name, it is the same file every run. Adding to
    it (``-o``) is no loss, nor replacing it once it was moved away."""
    path = tmp_path / (named % {"name": "channel9"})
    first = await crawl_in_process(tmp_path, base_url, "-O", named)
    written = path.read_bytes()

    refused = crawl(tmp_path, base_url, "-O", named, "-a", "full=1")
    kept = path.read_bytes()
    added = await crawl_in_process(tmp_path, base_url, "-o", named)
    path.rename(tmp_path / "shipped.jsonl")
    replaced = await crawl_in_process(tmp_path, base_url, "-O", named, "-a", "full=1")

    assert first.returncode == 0, first.log
    assert refused.returncode == 2, refused.log
    run = re.search(r"would replace the file of run (\S+),", refused.log)
    assert run is not None, refused.log
    assert (
        f"The crawl cannot start: -O {path} would replace the file of run {run[1]}, whose"
        " articles the crawl state counts as exported: write to another file, or move that"
        " one away first"
    ) in refused.log
    assert kept == written
    assert added.returncode == 0, added.log
    assert replaced.returncode == 0, replaced.log


def test_a_feed_written_in_batches_is_refused_before_the_crawl(
    base_url: str, tmp_path: Path
) -> None:
    """The state records one file a run: the articles of the others would be left out of
    every dataset."""
    refused = crawl(
        tmp_path, base_url, "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=10", "-O", "out-%(batch_id)d.jsonl"
    )

    assert refused.returncode == 2, refused.log
    assert (
        "The crawl cannot start: the feed out-%(batch_id)d.jsonl writes in batches, a file"
        " each, of which the crawl state would record the first alone (a dataset would leave"
        " the others' articles out): leave FEED_EXPORT_BATCH_ITEM_COUNT and batch_item_count"
        " unset"
    ) in refused.log
    assert not list(tmp_path.glob("out-*"))


GZIPPED = {"postprocessing": ["scrapy.extensions.postprocessing.GzipPlugin"]}
"""A feed's option that gzips it on the way."""


@pytest.mark.parametrize(
    ("feed", "named"),
    [
        (["-O", "out.csv"], "out.csv"),
        (["-O", "out.xml"], "out.xml"),
        (["-O", "out.json", "-s", "FEED_EXPORT_INDENT=2"], "out.json"),
        (["-s", 'FEEDS={"a.json": {"format": "json", "indent": null}}'], "a.json"),
        (["-s", f"FEEDS={json.dumps({'a.jsonl': {'format': 'jsonl', **GZIPPED}})}"], "a.jsonl"),
    ],
    ids=["csv", "xml", "json-indented", "json-one-line", "jsonl-gzipped"],
)
def test_a_feed_the_dataset_does_not_read_back_is_refused_before_the_crawl(
    feed: list[str], named: str, base_url: str, tmp_path: Path
) -> None:
    """Its articles would count as exported, and no dataset would hold them (a JSON array
    on one line was even set aside whole as a cut-off line after a kill)."""
    refused = crawl(tmp_path, base_url, *feed)

    assert refused.returncode == 2, refused.log
    assert (
        f"The crawl cannot start: the feed {named} is in a form scrapy dataset does not read"
        " back: its articles would count as exported and reach no dataset. Write JSON lines"
        " (-O out.jsonl) or a JSON array of one item a line (-O out.json), and build the"
        " other formats from the runs (scrapy dataset -o out.csv)"
    ) in refused.log
    assert not (tmp_path / named).exists()


@pytest.mark.parametrize("state", [STATE, ""], ids=["state", "no-state"])
def test_exit_status_is_non_zero_when_every_article_fails(
    state: str, site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    for slug in site.articles:
        site.overrides[f"/{slug}/"] = lambda hit: Reply(503, b"Service Unavailable")
    # Not stopped as a site that looks down: the listings answer.
    run = crawl(
        tmp_path,
        base_url,
        *("-s", "RETRY_TIMES=0", "-s", f"CHANNEL9_STATE={state}", "-s", "CHANNEL9_DOWN_AFTER=100"),
    )

    assert run.returncode == 1
    assert "This run failed" in run.log
    assert last_report(tmp_path)["failed"] == 40


@deferred_f_from_coro_f
async def test_dataset_merges_run_files_latest_version_winning(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    added = site.add_article()
    await crawl_in_process(tmp_path, base_url)
    site.edit(site.order[3])
    await crawl_in_process(tmp_path, base_url, "-a", "full=1")
    done = command_in_process(tmp_path, "dataset", "-o", "all.jsonl")

    assert done.returncode == 0, done.stderr
    items = items_of(tmp_path / "all.jsonl")
    by_url = {item["url"]: item for item in items}
    assert len(items) == len(by_url) == 41
    assert f"{base_url}/{added.slug}/" in by_url
    assert by_url[f"{base_url}/{site.order[3]}/"]["text"].endswith("diperbaiki.")
    assert "41 articles from 3 run files" in done.stdout


@deferred_f_from_coro_f
async def test_next_run_sets_aside_the_cut_off_line_a_killed_run_left(
    base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")
    (output,) = run_files(tmp_path)
    whole = output.read_bytes()
    output.write_bytes(whole + b'{"url": "http://cut')
    db = sqlite3.connect(tmp_path / STATE)
    db.execute("UPDATE runs SET finished_at = NULL")  # as a run killed would leave it
    db.commit()
    db.close()
    await crawl_in_process(tmp_path, base_url)

    assert output.read_bytes() == whole
    assert output.with_name(output.name + ".broken").read_bytes() == b'{"url": "http://cut'


def test_cut_off_last_line_of_a_killed_run_is_set_aside(tmp_path: Path) -> None:
    output = tmp_path / "run.jsonl"
    output.write_bytes(b'{"url": "a"}\n{"url": "b", "ti')

    set_aside_broken_tail(output)

    assert output.read_bytes() == b'{"url": "a"}\n'
    assert (tmp_path / "run.jsonl.broken").read_bytes() == b'{"url": "b", "ti'


@pytest.mark.parametrize(
    "whole",
    [
        # -O out.json: each item but the first comes after ",\n", so a killed run's last
        # line is a whole item without its line's end.
        b'[\n{"url": "a"},\n{"url": "b"}',
        # A run whose feed failed an item sets its output's tail aside after the feed
        # closed: the array's closing bracket is no cut-off line.
        b'[\n{"url": "a"}\n]',
    ],
    ids=["last-item", "closing-bracket"],
)
def test_a_json_arrays_whole_last_line_is_ended_not_set_aside(whole: bytes, tmp_path: Path) -> None:
    output = tmp_path / "run.json"
    output.write_bytes(whole)

    set_aside_broken_tail(output)

    assert output.read_bytes() == whole + b"\n"
    assert not (tmp_path / "run.json.broken").exists()


def test_an_item_that_could_not_be_written_leaves_no_hole_before_the_next() -> None:
    class FullOnce(io.BytesIO):
        """A file on a disk full for one write, which puts part of it on disk."""

        full = False

        def write(self, data: Any) -> int:
            if self.full:
                self.full = False
                super().write(bytes(data)[:5])
                raise OSError(28, "No space left on device")
            return super().write(data)

    file = FullOnce()
    exporter = JsonLinesExporter(file)
    exporter.output = file
    exporter.export_item({"url": "a"})
    file.full = True
    with pytest.raises(OSError):
        exporter.export_item({"url": "b"})
    exporter.export_item({"url": "c"})

    assert file.getvalue() == b'{"url": "a"}\n{"url": "c"}\n'


def runs(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return command_in_process(workdir, "runs", *args)


@deferred_f_from_coro_f
async def test_runs_tells_each_runs_verdict_from_the_crawl_state(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    for slug in site.articles:
        site.overrides[f"/{slug}/"] = lambda hit: Reply(503, b"Service Unavailable")
    every_article_fails = ("-s", "RETRY_TIMES=0", "-s", "CHANNEL9_DOWN_AFTER=100")
    assert (await crawl_in_process(tmp_path, base_url, *every_article_fails)).returncode == 1
    site.overrides.clear()
    assert (await crawl_in_process(tmp_path, base_url)).returncode == 0

    shown = runs(tmp_path)
    told = runs(tmp_path, "--json", "--last", "1")

    assert shown.returncode == told.returncode == 0, shown.stderr + told.stderr
    _, failed, why, ok = shown.stdout.splitlines()
    assert failed.endswith("  0           0            40  failed")
    assert why.startswith("    40 of 47 pages failed")
    assert ok.endswith("  40           0             0  ok")
    [last] = [json.loads(line) for line in told.stdout.splitlines()]
    report = last_report(tmp_path)
    assert last["run_id"] == report["run_id"]
    assert (last["verdict"], last["problems"], last["written"], last["failed"]) == ("ok", [], 40, 0)
    assert last["output"] == str((tmp_path / report["output"][0]).resolve())
    assert (
        Path(last["report"]).read_text(encoding="utf-8")
        == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    Path(last["output"]).unlink()
    gone = runs(tmp_path).stdout.splitlines()[4:]  # wrapped (a temporary folder's path is long)
    assert "".join(line.strip() for line in gone) == f"output gone: {last['output']}"


def test_runs_without_a_crawl_state_says_so(tmp_path: Path) -> None:
    shown = runs(tmp_path)

    assert shown.returncode == 1
    assert shown.stderr == (
        "scrapy runs: error: no crawl state at 'data/channel9-state.sqlite3' (CHANNEL9_STATE)\n"
    )


@deferred_f_from_coro_f
async def test_a_report_that_cannot_be_written_fails_the_run(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    run = await crawl_in_process(
        tmp_path,
        base_url,
        *("-O", "out.jsonl", "-s", "CHANNEL9_DATA_DIR=not-a-folder"),
        *("-s", f"CHANNEL9_STATE={STATE}", "-s", "CHANNEL9_ARCHIVE="),
    )

    assert run.returncode == 1, run.log
    assert run.verdict == (
        "the run report could not be written ([Errno 17] File exists: 'not-a-folder')"
    )
    assert len(run.items("out.jsonl")) == 40


def test_the_verdict_is_the_last_line_whatever_the_log_level(base_url: str, tmp_path: Path) -> None:
    run = crawl(tmp_path, base_url, "-s", "LOG_LEVEL=ERROR")

    assert run.returncode == 0
    assert run.log.splitlines()[-1].endswith(
        "[channel9.commands.crawl] INFO: Verdict: ok (exit status 0): 40 new articles"
    )


def test_runs_reads_a_state_from_before_its_columns_and_tells_killed_runs(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    old = sqlite3.connect(tmp_path / STATE)
    old.executescript(
        "CREATE TABLE articles (url TEXT PRIMARY KEY);"
        "CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL,"
        " finished_at TEXT, finish_reason TEXT, output TEXT, report TEXT, verdict TEXT);"
        "INSERT INTO runs VALUES ('1', '2024-05-01T00:00:00+00:00',"
        " '2024-05-01T00:00:09+00:00', 'finished', NULL, NULL, '[]');"
        "INSERT INTO runs VALUES ('2', '2024-05-01T01:00:00+00:00',"
        " '2024-05-01T02:00:00+00:00', 'killed', '/gone.jsonl', NULL, NULL);"
    )
    old.commit()
    old.close()

    shown = runs(tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "started (UTC)     took  site  arguments  new  re-emitted  failed pages  verdict",
        "2024-05-01 00:00    9s  -     -            -           -             -  ok",
        "2024-05-01 01:00     -  -     -            -           -             -  unfinished",
        "    killed, or its end could not be recorded",
    ]


def test_runs_names_a_damaged_verdict_in_one_line(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / STATE)
    state.start_run("1", "2024-05-01T00:00:00+00:00", None)
    state.close()
    with sqlite3.connect(tmp_path / STATE) as db:
        db.execute("UPDATE runs SET verdict = 'not json'")

    shown = runs(tmp_path)

    assert shown.returncode == 1
    assert shown.stderr == (
        "scrapy runs: error: cannot read the crawl state data/channel9-state.sqlite3: a run's"
        " verdict is damaged\n"
    )


@deferred_f_from_coro_f
async def test_an_edited_article_written_again_counts_as_re_emitted_in_the_stats(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    site.edit(site.order[5])

    again = await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    assert again.returncode == 0, again.log
    assert "'channel9/reemitted': 1," in again.log
    assert again.verdict == "0 new articles, 1 changed since an earlier run exported them"
    with sqlite3.connect(tmp_path / STATE) as db:
        assert db.execute("SELECT reemitted FROM runs ORDER BY started_at").fetchall() == [
            (0,),
            (1,),
        ]


def test_the_crawl_state_is_kept_without_the_spiders_arguments() -> None:
    """The store holds what a run was asked as plain values: reading or writing the state
    does not load the spider's argument model."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, channel9.incremental.store, channel9.incremental.history;"
            " print('channel9.crawl.arguments' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert loaded.stdout == "False\n"
