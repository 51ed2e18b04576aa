"""The archive: every response kept as WARC records that warcio reads back, a killed run's
files mended by the next, and the dataset rebuilt from the archive with the site gone."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FeedExporter
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from channel9 import signals
from channel9.addon import Channel9
from channel9.archive.mend import complete_length, mend
from channel9.archive.middleware import ArchiveMiddleware
from channel9.archive.reader import member_end
from channel9.archive.replay import (
    Capture,
    ReplayMiddleware,
    index,
    replayed,
    site_of_replay,
    warc_files,
)
from channel9.archive.warc import KIND, SITE_FIELD, ArchiveUnusable, WarcFiles
from channel9.demo.site import FakeSite, Reply, always, first, list_also, serve
from channel9.failures import retried_statuses
from channel9.incremental.store import CrawlState
from channel9.items import Article
from channel9.run.output import ExportedItems
from channel9.run.report import RunReport
from channel9.spiders.channel9 import Channel9Spider
from tests.conftest import (
    FAST,
    SCRAPY,
    STATE,
    FullDisk,
    InProcessCrawl,
    archived,
    crawl,
    crawl_in_process,
    interrupt,
    items_of,
    last_report,
    run_files,
    scrapy_command,
)

ARCHIVE = "data/archive"


def records(path: Path) -> Iterator[Any]:
    """Each record of a WARC file, read by warcio with its digests checked."""
    with path.open("rb") as file:
        yield from ArchiveIterator(file, check_digests="raise")


def archive_files(workdir: Path) -> list[Path]:
    return sorted((workdir / ARCHIVE).glob("*"))


def gzipped(site: FakeSite, path: str, base_url: str) -> Reply:
    """The page, sent gzipped and in chunks."""
    page = site.page(path).body.replace(b"BASE", base_url.encode())
    headers = {"Content-Encoding": "gzip", "Transfer-Encoding": "chunked"}
    return Reply(200, gzip.compress(page), headers)


RETRIED = retried_statuses(Settings())
"""Scrapy's default RETRY_HTTP_CODES."""


def by_url(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["url"]: item for item in items}


@deferred_f_from_coro_f
async def test_a_replay_with_the_site_gone_gives_the_crawls_items_field_for_field(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=40)
    articles = list(site.articles)
    with serve(site) as base_url:
        # A moved article, one sent gzipped in chunks, one that failed before it came.
        site.overrides[f"/{articles[0]}-lama/"] = always(
            Reply(301, b"", {"Location": f"BASE/{articles[0]}/"})
        )
        site.overrides[f"/{articles[1]}/"] = always(gzipped(site, f"/{articles[1]}/", base_url))
        site.overrides[f"/{articles[2]}/"] = first(1, Reply(503, b"busy"))
        list_also(site, "/category/opini/", [f"BASE/{articles[0]}-lama/"])
        run = await crawl_in_process(
            tmp_path, base_url, "-O", "crawl.jsonl", "-s", "CHANNEL9_ARCHIVE_MAX_BYTES=40000"
        )
    assert run.returncode == 0, run.log

    files = archive_files(tmp_path)
    assert len(files) > 2
    names = [re.fullmatch(r"channel9-(\d{8}T\d{12}Z)-(\d{5})\.warc\.gz", p.name) for p in files]
    assert [name and name[2] for name in names] == [f"{n:05d}" for n in range(len(files))]
    assert len({name and name[1] for name in names}) == 1
    captures: dict[str, list[Any]] = {}
    for path in files:
        read = [
            (record.rec_type, record.content_stream().read(), record) for record in records(path)
        ]
        assert read[0][0] == "warcinfo"
        assert b"isPartOf: channel9-" in read[0][1]
        for kind, _, record in read[1:]:
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if kind == "response":
                captures.setdefault(uri, []).append(record.rec_headers.get_header("WARC-Date"))
        assert path.stat().st_size >= 40000 or path == files[-1]
    assert f"{base_url}/robots.txt" in captures
    assert f"{base_url}/{articles[0]}-lama/" in captures
    assert len(captures[f"{base_url}/{articles[2]}/"]) == 2
    crawled = run.items("crawl.jsonl")
    for item in crawled:
        date = captures[item["url"]][-1]
        assert (
            datetime.fromisoformat(date.replace("Z", "+00:00")).isoformat(timespec="seconds")
            == item["crawled_at"]
        )

    replay = await crawl_in_process(tmp_path, base_url, "-a", "replay=data", "-O", "replay.jsonl")

    assert replay.returncode == 0, replay.log
    assert by_url(replay.items("replay.jsonl")) == by_url(crawled)
    assert len(crawled) == 40
    assert "connection_refused" not in replay.log
    assert archive_files(tmp_path) == files


@deferred_f_from_coro_f
async def test_the_archive_keeps_the_body_as_sent_and_the_report_names_its_files(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    article = site.listing("opini")[0].slug
    site.overrides[f"/{article}/"] = always(gzipped(site, f"/{article}/", base_url))
    run = await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")

    assert run.returncode == 0, run.log
    (path,) = archive_files(tmp_path)
    ((headers, body),) = (
        (record.http_headers, record.raw_stream.read())
        for record in records(path)
        if record.rec_type == "response"
        and record.rec_headers.get_header("WARC-Target-URI") == f"{base_url}/{article}/"
    )
    assert headers.get_header("Content-Encoding") == "gzip"
    assert headers.get_header("Transfer-Encoding") is None
    assert headers.get_header("Content-Length") == str(len(body))
    assert gzip.decompress(body) == site.page(f"/{article}/").body.replace(
        b"BASE", base_url.encode()
    )
    assert last_report(tmp_path)["archive"] == [
        {"file": str(path.relative_to(tmp_path)), "bytes": path.stat().st_size}
    ]


@deferred_f_from_coro_f
async def test_a_replay_asks_the_network_for_nothing_and_names_what_the_archive_lacks(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url, "-a", "categories=opini", "-O", "opini.jsonl")
    asked = len(site.requests)

    replay = await crawl_in_process(
        tmp_path, base_url, "-a", "replay=data/archive", "-O", "replay.jsonl"
    )

    assert len(site.requests) == asked
    assert replay.returncode == 1
    report = json.dumps(last_report(tmp_path), ensure_ascii=False)
    assert '"reason": "not_archived"' in report
    assert "pages were not in the archive: the rebuild lacks them" in report
    assert f"{base_url}/category/politik/" in report
    assert by_url(replay.items("replay.jsonl")) == by_url(replay.items("opini.jsonl"))


@deferred_f_from_coro_f
async def test_a_replay_reads_and_writes_no_crawl_state(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")
    state = (tmp_path / STATE).read_bytes()
    files = archive_files(tmp_path)

    replay = await crawl_in_process(
        tmp_path, base_url, "-a", "categories=opini", "-a", "replay=data"
    )

    assert replay.returncode == 0, replay.log
    assert (tmp_path / STATE).read_bytes() == state
    assert archive_files(tmp_path) == files
    # Beside the run files, which `scrapy dataset` reads, not among them.
    assert len(run_files(tmp_path)) == 1
    (rebuilt,) = (tmp_path / "data").glob("replay-*.jsonl")
    assert len(items_of(rebuilt)) == 7


@deferred_f_from_coro_f
async def test_no_archive_when_the_setting_is_empty(base_url: str, tmp_path: Path) -> None:
    run = await crawl_in_process(
        tmp_path, base_url, "-a", "categories=opini", "-s", "CHANNEL9_ARCHIVE="
    )

    assert run.returncode == 0, run.log
    assert not (tmp_path / ARCHIVE).exists()
    assert last_report(tmp_path)["archive"] == []


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("replay=nowhere", "replay='nowhere': no such file or folder"),
        ("replay=empty", "replay=empty: no WARC files there"),
        ("HTTPCACHE_ENABLED=1", "HTTPCACHE_ENABLED answers from the HTTP cache"),
    ],
)
def test_a_crawl_whose_archive_would_lie_or_a_replay_of_nothing_cannot_start(
    option: str, message: str, base_url: str, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    run = crawl(tmp_path, base_url, "-s" if option.isupper() else "-a", option)

    assert run.returncode == 2
    assert f"cannot start: {message}" in run.log
    assert "Traceback" not in run.log


def test_an_archive_folder_that_cannot_be_written_stops_the_crawl(
    base_url: str, tmp_path: Path
) -> None:
    run = crawl(tmp_path, base_url, "-s", "CHANNEL9_ARCHIVE=/dev/null/archive")

    assert run.returncode == 2
    assert "cannot start: the archive folder /dev/null/archive cannot be used" in run.log
    assert not run_files(tmp_path)


@deferred_f_from_coro_f
async def test_a_killed_run_leaves_whole_records_and_the_next_run_mends_its_files(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=60, seed=6)
    with serve(site) as base_url:
        interrupt(tmp_path, base_url, site, 30, signal.SIGKILL)
        (left,) = archive_files(tmp_path)
        assert left.name.endswith(".warc.gz.open")
        whole = left.stat().st_size
        assert complete_length(left) == whole
        # As if killed in the middle of a write: half a record after the whole ones.
        with left.open("ab") as file:
            file.write(gzip.compress(left.read_bytes()[-2000:])[:700])

        run = await crawl_in_process(tmp_path, base_url)

    assert run.returncode == 0, run.log
    files = [path for path in archive_files(tmp_path) if path.suffix == ".gz"]
    assert len(files) == 2
    assert not list((tmp_path / ARCHIVE).glob("*.open"))
    mended = left.with_name(left.name.removesuffix(".open"))
    assert mended.stat().st_size == whole
    assert mended.with_name(mended.name + ".broken").stat().st_size == 700
    captured = set()
    for path in files:
        assert complete_length(path) == path.stat().st_size
        for record in records(path):
            if record.rec_type == "response":
                captured.add(record.rec_headers.get_header("WARC-Target-URI"))
    exported = [item["url"] for path in run_files(tmp_path) for item in items_of(path)]
    assert sorted(set(exported)) == sorted(site.expected(base_url))
    assert set(exported) <= captured
    state = CrawlState(tmp_path / STATE)
    assert all(state.is_known(url) for url in exported)
    state.close()


@pytest.mark.parametrize(
    "tail", [gzip.compress(os.urandom(2000))[:50], bytes(50)], ids=["cut-record", "zeros"]
)
def test_mend_sets_aside_a_cut_off_record_and_leaves_an_open_file_alone(
    tail: bytes, tmp_path: Path
) -> None:
    files = WarcFiles(tmp_path, "run", 10**9, {"software": "test"})
    request = Request("http://127.0.0.1/a/")
    files.write(request, HtmlResponse(request.url, body=b"<p>a</p>"), datetime.now())
    opened = tmp_path / "channel9-run-00000.warc.gz.open"
    assert opened.exists()
    assert mend(tmp_path) == []  # still held by its writer

    whole = opened.stat().st_size
    files._file = None  # as a killed run leaves it: open, its lock gone with the process
    with opened.open("ab") as file:
        file.write(tail)
    assert mend(tmp_path) == [tmp_path / "channel9-run-00000.warc.gz"]

    mended = tmp_path / "channel9-run-00000.warc.gz"
    assert mended.stat().st_size == whole
    assert (tmp_path / "channel9-run-00000.warc.gz.broken").stat().st_size == 50
    assert [record.rec_type for record in records(mended)] == ["warcinfo", "response", "request"]


def test_a_replay_takes_the_latest_answer_over_a_later_server_error(tmp_path: Path) -> None:
    url = "http://127.0.0.1/a/"
    for run, status, day in (("1", 200, 1), ("2", 503, 2), ("3", 200, 3), ("4", 504, 4)):
        files = WarcFiles(tmp_path, run, 10**9, {})
        request = Request(url)
        moment = datetime(2026, 1, day, tzinfo=timezone.utc)
        files.write(request, HtmlResponse(url, status=status, body=b"x"), moment)
        files.close()
    gone, later = WarcFiles(tmp_path, "5", 10**9, {}), datetime(2026, 1, 5, tzinfo=timezone.utc)
    gone.write(Request(url), HtmlResponse(url, status=404), later)
    gone.close()

    captures, damaged = index(warc_files(tmp_path), RETRIED)

    assert captures[url].date == later  # gone for good: the latest answer
    assert damaged == []

    captures, _ = index(warc_files(tmp_path)[:-1], RETRIED)

    assert captures[url].date == datetime(2026, 1, 3, tzinfo=timezone.utc)


@pytest.fixture
def crawler(tmp_path: Path) -> Crawler:
    crawler = get_crawler(
        Channel9Spider,
        {
            "ADDONS": {Channel9: 0},
            "CHANNEL9_STATE": "",
            "CHANNEL9_ARCHIVE": str(tmp_path / "archive"),
            "FEEDS": {str(tmp_path / "out.jsonl"): {"format": "jsonl"}},
        },
    )
    crawler.spider = Channel9Spider.from_crawler(crawler, base_url="http://127.0.0.1:8000")
    return crawler


def test_an_archive_that_cannot_be_written_keeps_the_article_from_counting(
    crawler: Crawler, tmp_path: Path
) -> None:
    middleware = ArchiveMiddleware.from_crawler(crawler)
    exported: list[Any] = []

    def keep(item: Any, response: Any) -> None:
        exported.append(item)

    crawler.signals.connect(keep, signals.item_exported)
    extension = crawler.get_extension(ExportedItems)
    feeds = crawler.get_extension(FeedExporter)
    assert extension is not None and feeds is not None and crawler.stats is not None
    feeds.slots = [SimpleNamespace()]  # type: ignore[list-item]  # one feed, which wrote each item below
    pages = {}
    for title in ("a", "b"):
        request = Request(f"http://127.0.0.1:8000/{title}/")
        response = HtmlResponse(request.url, body=b"<p>x</p>", request=request)
        if title == "b":  # the disk full by then
            middleware.files._file = Path("/dev/full").open("wb", buffering=0)  # noqa: SIM115
        pages[title] = middleware.process_response(request, response)

    assert [pages[title].meta["archived"] for title in "ab"] == [True, False]
    assert crawler.stats.get_value("channel9/archive_error") == 1
    assert isinstance(middleware.error, OSError)
    for title, page in pages.items():
        item = Article(page.url, title)
        extension.item_written(item)
        extension.item_scraped(item, page)
    assert [item.title for item in exported] == ["a"]


def test_an_archive_that_could_not_be_written_fails_the_run(crawler: Crawler) -> None:
    report = crawler.get_extension(RunReport)
    assert report is not None
    report.written = 1
    middleware = ArchiveMiddleware.from_crawler(crawler)
    middleware.error = OSError(28, "No space left on device")
    report.archive_middleware = lambda: middleware  # type: ignore[method-assign]

    assert report.verdict("archive_error") == [
        "it ended early (archive_error)",
        "the archive could not be written ([Errno 28] No space left on device)",
    ]


def test_the_archive_keeps_no_credentials(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "run", 10**9, {})
    secret = {"Authorization": "Basic c2VjcmV0", "Cookie": "session=1", "Accept": "text/html"}
    request = Request("http://127.0.0.1/a/", headers=secret)
    files.write(request, HtmlResponse(request.url, body=b"x"), datetime.now(timezone.utc))
    (path,) = files.close()

    (sent,) = (record.http_headers for record in records(path) if record.rec_type == "request")
    assert sent.get_header("Accept") == "text/html"
    assert sent.get_header("Authorization") is None
    assert sent.get_header("Cookie") is None


def test_a_write_the_disk_cut_short_leaves_the_file_whole(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "run", 10**9, {})
    pages = [Request(f"http://127.0.0.1/{n}/") for n in range(3)]
    now = datetime.now(timezone.utc)
    files.write(pages[0], HtmlResponse(pages[0].url, body=os.urandom(3000)), now)
    opened = tmp_path / "channel9-run-00000.warc.gz.open"
    full = FullDisk(opened, "r+b")
    full.seek(0, os.SEEK_END)
    full.room = 500
    files._file = full
    with pytest.raises(OSError, match="No space left"):
        files.write(pages[1], HtmlResponse(pages[1].url, body=os.urandom(3000)), now)
    full.room = 10**6  # room again
    files.write(pages[2], HtmlResponse(pages[2].url, body=os.urandom(3000)), now)
    ((path, size),) = files.close().items()

    assert path.stat().st_size == size == complete_length(path)
    urls = [r.rec_headers.get_header("WARC-Target-URI") for r in records(path)][1::2]
    assert urls == [pages[0].url, pages[2].url]


def test_a_replay_skips_a_capture_cut_short(tmp_path: Path) -> None:
    url = "http://127.0.0.1/a/"
    for run, day in (("1", 1), ("2", 2)):
        files = WarcFiles(tmp_path, run, 10**9, {})
        moment = datetime(2026, 1, day, tzinfo=timezone.utc)
        files.write(Request(url), HtmlResponse(url, body=os.urandom(5000)), moment)
        files.close()
    later = warc_files(tmp_path)[-1]
    response = record_starts(later)[1][0]
    later.write_bytes(later.read_bytes()[:-1500])

    captures, damaged = index(warc_files(tmp_path), RETRIED)

    assert captures[url].date == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert damaged == [
        {"file": str(later), "offset": response, "why": "its block digest does not match it"}
    ]


@deferred_f_from_coro_f
async def test_a_replay_mends_the_files_a_killed_run_left(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url, "-a", "categories=opini", "-O", "crawl.jsonl")
    (path,) = archive_files(tmp_path)
    whole = path.stat().st_size
    left = path.with_name(path.name + ".open")
    path.rename(left)
    with left.open("ab") as file:
        file.write(bytes(700))

    replay = await crawl_in_process(
        tmp_path, base_url, "-a", "categories=opini", "-a", "replay=data", "-O", "replay.jsonl"
    )

    assert replay.returncode == 0, replay.log
    assert by_url(replay.items("replay.jsonl")) == by_url(replay.items("crawl.jsonl"))
    assert path.stat().st_size == whole
    assert archive_files(tmp_path) == [path, path.with_name(path.name + ".broken")]


@deferred_f_from_coro_f
async def test_a_replay_rebuilds_articles_no_archived_listing_leads_to(tmp_path: Path) -> None:
    site = FakeSite(count=150)
    slug = site.order[-1]  # the oldest: on a listing page the second run does not walk
    site.overrides[f"/{slug}/"] = first(5, Reply(503, b"busy"))
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        second = await crawl_in_process(tmp_path, base_url)
    assert [item["url"] for item in items_of(run_files(tmp_path)[-1])] == [f"{base_url}/{slug}/"]
    later = max(archive_files(tmp_path))

    replay = await crawl_in_process(
        tmp_path, base_url, "-a", f"replay={later}", "-O", "replay.jsonl"
    )

    assert second.returncode == 0, second.log
    assert f"{base_url}/{slug}/" in by_url(replay.items("replay.jsonl"))


def test_an_archive_folder_that_cannot_be_written_stops_the_crawl_before_it_starts(
    base_url: str, tmp_path: Path
) -> None:
    (tmp_path / ARCHIVE).mkdir(parents=True)
    (tmp_path / ARCHIVE).chmod(0o555)
    drop_root_override = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    run = crawl(tmp_path, base_url, "-s", "CHANNEL9_STATE=", prefix=drop_root_override)

    assert run.returncode == 2, run.log
    assert f"cannot start: the archive folder {ARCHIVE} cannot be used" in run.log
    assert not run_files(tmp_path)


def test_a_warc_gzipped_as_a_whole_is_refused_by_name(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "run", 10**9, {})
    request = Request("http://127.0.0.1/a/")
    files.write(request, HtmlResponse(request.url, body=b"<p>a</p>"), datetime.now(timezone.utc))
    (path,) = files.close()
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())))  # one member in all
    path.unlink()

    with pytest.raises(ValueError, match=r"whole\.warc\.gz: its records cannot be read one by one"):
        index(warc_files(tmp_path), RETRIED)


def test_a_warc_gzipped_as_a_whole_without_warcinfo_is_refused_by_name(tmp_path: Path) -> None:
    # Its first record begins the file, where a reader of the whole gzip stream begins too.
    records = gzip.decompress(archived(tmp_path / "records", 2).read_bytes())
    first_response = records.index(b"WARC/1.1\r\nWARC-Type: response")
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(records[first_response:]))

    with pytest.raises(ValueError, match=r"whole\.warc\.gz: its records cannot be read one by one"):
        index([whole], RETRIED)


def test_a_capture_past_the_last_record_is_a_value_error(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "run", 10**9, {})
    request = Request("http://127.0.0.1/a/")
    files.write(request, HtmlResponse(request.url, body=b"<p>a</p>"), datetime.now(timezone.utc))
    (path,) = files.close()
    end = Capture(datetime.now(timezone.utc), path, path.stat().st_size, "article")

    with pytest.raises(ValueError, match=r"no response record at byte \d+"):
        replayed(end, request)


def record_starts(path: Path) -> list[tuple[int, str, str | None]]:
    """Where each record of a WARC file begins, its type and its ``Channel9-Kind``, as
    warcio reads them."""
    with path.open("rb") as file:
        iterator = ArchiveIterator(file)
        return [
            (iterator.get_record_offset(), record.rec_type, record.rec_headers["Channel9-Kind"])
            for record in iterator
        ]


async def crawled_and_replayed(
    workdir: Path, base_url: str, *args: str
) -> tuple[InProcessCrawl, InProcessCrawl]:
    """A crawl (its items in ``crawl.jsonl``), then a replay of its archive while it is
    whole (``whole.jsonl``): what a replay of the archive once damaged is measured by."""
    run = await crawl_in_process(workdir, base_url, "-O", "crawl.jsonl", *args)
    assert run.returncode == 0, run.log
    whole = await crawl_in_process(workdir, base_url, "-a", "replay=data", "-O", "whole.jsonl")
    assert by_url(whole.items("whole.jsonl")) == by_url(run.items("crawl.jsonl"))
    return run, whole


DAMAGED_ONCE = re.compile(r"'channel9/archive/damaged': 1[,}]")
"""The crawl stats Scrapy logs at the end, counting one damaged record or stretch."""


@deferred_f_from_coro_f
async def test_a_replay_reads_a_file_up_to_random_bytes_appended_and_names_where_they_begin(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    run, whole = await crawled_and_replayed(
        tmp_path, base_url, "-s", "CHANNEL9_ARCHIVE_MAX_BYTES=40000"
    )
    files = archive_files(tmp_path)
    assert len(files) > 2
    end = files[0].stat().st_size
    with files[0].open("ab") as file:
        file.write(random.Random(5).randbytes(5000))

    replay = await crawl_in_process(tmp_path, base_url, "-a", "replay=data", "-O", "replay.jsonl")

    assert replay.returncode == whole.returncode == 0, replay.log
    assert by_url(replay.items("replay.jsonl")) == by_url(run.items("crawl.jsonl"))
    assert len(replay.items("replay.jsonl")) == 40
    assert f"{files[0].relative_to(tmp_path)} at byte {end}" in replay.log
    assert DAMAGED_ONCE.search(replay.log), replay.log


@pytest.mark.parametrize(
    "junk",
    [random.Random(7).randbytes(5000), gzip.compress(b"no WARC here\n" * 100, mtime=0)],
    ids=["random-bytes", "gzipped-text"],
)
@deferred_f_from_coro_f
async def test_a_replay_skips_and_names_a_stray_file_that_is_no_warc(
    junk: bytes, site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    run, whole = await crawled_and_replayed(tmp_path, base_url)
    (tmp_path / ARCHIVE / "junk.warc.gz").write_bytes(junk)

    replay = await crawl_in_process(tmp_path, base_url, "-a", "replay=data", "-O", "replay.jsonl")

    assert replay.returncode == whole.returncode == 0, replay.log
    assert by_url(replay.items("replay.jsonl")) == by_url(run.items("crawl.jsonl"))
    assert len(replay.items("replay.jsonl")) == 40
    assert f"{ARCHIVE}/junk.warc.gz at byte 0" in replay.log
    assert DAMAGED_ONCE.search(replay.log), replay.log


@deferred_f_from_coro_f
async def test_a_replay_skips_and_names_a_damaged_record_and_reads_the_records_after_it(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    run, whole = await crawled_and_replayed(tmp_path, base_url)
    (path,) = archive_files(tmp_path)
    starts = record_starts(path)
    articles = [
        n for n, (_, kind, asked) in enumerate(starts) if kind == "response" and asked == "article"
    ]
    middle = articles[len(articles) // 2]
    begin, end = starts[middle][0], starts[middle + 1][0]
    with path.open("rb") as file:
        file.seek(begin)
        url = next(iter(ArchiveIterator(file))).rec_headers["WARC-Target-URI"]
    data = bytearray(path.read_bytes())
    half = (begin + end) // 2
    data[half : half + 16] = bytes(byte ^ 0xFF for byte in data[half : half + 16])
    path.write_bytes(data)

    replay = await crawl_in_process(tmp_path, base_url, "-a", "replay=data", "-O", "replay.jsonl")

    assert whole.returncode == 0
    assert replay.returncode == 1, replay.log
    crawled = by_url(run.items("crawl.jsonl"))
    assert url in crawled
    del crawled[url]
    assert by_url(replay.items("replay.jsonl")) == crawled
    assert len(crawled) == 39
    assert last_report(tmp_path)["failures"] == [
        {"url": url, "reason": "not_archived", "tries": 1, "earlier_failure": False}
    ]
    assert f"{path.relative_to(tmp_path)} at byte {begin}" in replay.log
    assert DAMAGED_ONCE.search(replay.log), replay.log


def replay_of(folder: Path) -> Crawler:
    """A crawler whose run would replay the archive at ``folder``."""
    return get_crawler(
        Channel9Spider,
        {"ADDONS": {Channel9: 0}, "CHANNEL9_STATE": "", "CHANNEL9_REPLAY": str(folder)},
    )


def test_a_replay_keeps_what_it_skipped_as_damaged_for_the_report(tmp_path: Path) -> None:
    path = archived(tmp_path, 3)
    starts = record_starts(path)
    assert [kind for _, kind, _ in starts] == ["warcinfo", *["response", "request"] * 3]
    begin, end = starts[3][0], starts[4][0]
    data = bytearray(path.read_bytes())
    data[begin + 10 : end - 8] = bytes(end - 8 - begin - 10)  # the second page's deflate data
    path.write_bytes(data)
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"no WARC here\n")
    crawler = replay_of(tmp_path)

    middleware = ReplayMiddleware.from_crawler(crawler)

    assert middleware.damaged == [
        {"file": str(path), "offset": begin, "why": "Gzip decompression error: data error"},
        {"file": str(junk), "offset": 0, "why": "Gzip decompression error: data error"},
    ]
    assert crawler.stats is not None
    assert crawler.stats.get_value("channel9/archive/damaged") == 2
    assert sorted(middleware.captures) == ["http://127.0.0.1/0/", "http://127.0.0.1/2/"]
    page = middleware.process_request(Request("http://127.0.0.1/2/"))
    assert page.body == random.Random(2).randbytes(3000)


@pytest.mark.parametrize("into", [12, 0.5], ids=["past-its-gzip-header", "halfway"])
def test_a_replay_names_a_last_gzip_member_cut_short(tmp_path: Path, into: float) -> None:
    path = archived(tmp_path, 3)
    last = record_starts(path)[-1][0]  # the last page's request: no page is lost
    cut = last + int(into if into >= 1 else (path.stat().st_size - last) * into)
    path.write_bytes(path.read_bytes()[:cut])
    crawler = replay_of(tmp_path)

    middleware = ReplayMiddleware.from_crawler(crawler)

    assert middleware.damaged == [
        {"file": str(path), "offset": last, "why": "not a whole gzip member (cut short or garbled)"}
    ]
    assert crawler.stats is not None
    assert crawler.stats.get_value("channel9/archive/damaged") == 1
    assert sorted(middleware.captures) == [f"http://127.0.0.1/{n}/" for n in range(3)]


def test_a_replay_of_damaged_files_alone_cannot_start_and_names_them(tmp_path: Path) -> None:
    (tmp_path / "a.warc.gz").write_bytes(random.Random(1).randbytes(500))
    (tmp_path / "b.warc.gz").write_bytes(gzip.compress(b"no WARC here\n", mtime=0))

    with pytest.raises(ArchiveUnusable) as raised:
        ReplayMiddleware.from_crawler(replay_of(tmp_path))

    assert str(raised.value) == (
        f"replay={tmp_path}: no page can be read from it, its files are damaged"
        f" ({tmp_path}/a.warc.gz, {tmp_path}/b.warc.gz)"
    )


def test_an_uncompressed_warc_is_read_up_to_its_damage(tmp_path: Path) -> None:
    records = gzip.decompress(archived(tmp_path / "gzipped", 2).read_bytes())
    plain = tmp_path / "run.warc"
    plain.write_bytes(records + random.Random(3).randbytes(1000))

    captures, damaged = index([plain], RETRIED)

    assert sorted(captures) == ["http://127.0.0.1/0/", "http://127.0.0.1/1/"]
    assert damaged == [{"file": str(plain), "offset": len(records), "why": "Invalid WARC header"}]


@pytest.mark.parametrize("empties", [1, 2])
def test_the_records_after_empty_gzip_members_are_read(tmp_path: Path, empties: int) -> None:
    # Valid gzip, no damage: FastWARC's reader ends at such a member without a word.
    path = archived(tmp_path, 3)
    third = [offset for offset, kind, _ in record_starts(path) if kind == "response"][2]
    data = path.read_bytes()
    path.write_bytes(
        data[:third] + gzip.compress(b"") * empties + data[third:] + gzip.compress(b"")
    )

    captures, damaged = index([path], RETRIED)

    assert sorted(captures) == [f"http://127.0.0.1/{n}/" for n in range(3)]
    assert damaged == []


def test_a_gzip_member_whose_header_is_longer_than_a_read_is_whole(tmp_path: Path) -> None:
    # A file name of 70 KB and the header's own checksum (FNAME, FHCRC), as gzip allows.
    header = b"\x1f\x8b\x08\x0a" + bytes(6) + b"n" * 70_000 + b"\x00"
    header += (zlib.crc32(header) & 0xFFFF).to_bytes(2, "little")
    packer = zlib.compressobj(wbits=-15)
    content = b"WARC/1.1\r\n" * 100
    member = header + packer.compress(content) + packer.flush()
    member += zlib.crc32(content).to_bytes(4, "little") + len(content).to_bytes(4, "little")
    path = tmp_path / "long.warc.gz"
    path.write_bytes(member + gzip.compress(b"next"))

    with path.open("rb") as file:
        assert member_end(file, 0) == len(member)


OPINI = ("-a", "categories=opini")


@deferred_f_from_coro_f
async def test_a_replay_takes_its_site_from_the_archive(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    """A crawl of a local copy replayed as a person would run it: no base_url to guess;
    one that names another site is refused, naming both."""
    run = await crawl_in_process(tmp_path, base_url, *OPINI, "-O", "opini.jsonl")
    assert run.returncode == 0, run.log
    asked = len(site.requests)
    (path,) = archive_files(tmp_path)
    info = next(records(path)).content_stream().read().decode()

    replay = subprocess.run(
        [SCRAPY, "crawl", "channel9", *FAST, "-a", "replay=data/archive", *OPINI, "-O", "r.jsonl"],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    other = crawl(tmp_path, "http://127.0.0.1:9", "-a", "replay=data/archive", *OPINI)

    assert f"\r\nChannel9-Base-URL: {base_url}\r\n" in info
    assert replay.returncode == 0, replay.stderr
    assert by_url(run.items("r.jsonl")) == by_url(run.items("opini.jsonl"))
    assert len(site.requests) == asked
    assert other.returncode == 2, other.log
    assert (
        "The crawl cannot start: base_url=http://127.0.0.1:9 is not the site of the archive"
        f" replay=data/archive holds ({base_url}): leave base_url out\n"
    ) in other.log


def archive_of(folder: Path, run_id: str, urls: list[str], info: dict[str, str]) -> None:
    """An archive file of the pages at ``urls``, its ``warcinfo`` fields ``info``; a URL
    written ``KIND URL`` was asked for as that kind of page (``home``, ``article``)."""
    files = WarcFiles(folder, run_id, 10**9, info)
    for page in urls:
        kind, _, url = page.rpartition(" ")
        moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
        request = Request(url, meta={KIND: kind} if kind else {})
        files.write(request, HtmlResponse(url, body=b"<html></html>"), moment)
    files.close()


A = ["http://a.example/robots.txt", "http://a.example/", "http://a.example/1/"]
B = ["https://b.example:8443/", "data:text/html,not-of-the-web"]
NONE = ["data:text/html,not-of-the-web"]
REDIRECTED = [
    "http://a.example/robots.txt",
    "https://cdn.example/sitemap.xml",
    "https://cdn.example/sitemap-2.xml",
    "home http://a.example/",
    "home https://www.a.example/",
    "article https://www.a.example/1/",
]
"""A crawl begun at http://a.example, sent on to https://www.a.example."""
WWW = [
    "https://cdn.example/sitemap.xml",
    "https://cdn.example/sitemap-2.xml",
    "article http://a.example/1/",
    "article https://www.a.example/1/",
    "article https://www.a.example/2/",
]
"""Articles found through a sitemap on another host, one redirected to www."""


@pytest.mark.parametrize(
    ("archived", "given", "site"),
    [
        ([({}, A)], None, "http://a.example"),
        ([({SITE_FIELD: "http://a.example/id"}, A)], None, "http://a.example/id"),
        ([({}, A), ({SITE_FIELD: "http://a.example"}, [])], None, "http://a.example"),
        ([({}, A), ({}, B)], "https://b.example:8443", "https://b.example:8443"),
        ([({}, NONE)], "http://c.example", "http://c.example"),
        ([({}, REDIRECTED)], None, "http://a.example"),
        ([({}, WWW)], None, "https://www.a.example"),
        ([({}, REDIRECTED), ({}, A)], None, "http://a.example"),
        (
            [({SITE_FIELD: "HTTPS://Channel9.id:443"}, NONE)],
            "https://channel9.id/",
            "https://channel9.id/",
        ),
        (
            [({SITE_FIELD: "http://a.example/id"}, NONE)],
            "HTTP://A.EXAMPLE:80",
            "HTTP://A.EXAMPLE:80",
        ),
        ([({}, B)], "https://B.example:8443/news", "https://B.example:8443/news"),
        (
            [
                ({SITE_FIELD: "https://Channel9.id"}, NONE),
                ({SITE_FIELD: "https://channel9.id:443"}, NONE),
            ],
            None,
            "https://channel9.id:443",
        ),
    ],
)
def test_a_replay_is_of_the_one_site_its_archive_holds_or_of_the_one_named(
    archived: list[tuple[dict[str, str], list[str]]], given: str | None, site: str, tmp_path: Path
) -> None:
    """The site a file's warcinfo names, else (another tool's file, or one written before
    the field) where its home page was asked, else where most of its articles (or
    responses) are; a site named in another case, with its default port or a path is the
    same site."""
    for number, (info, urls) in enumerate(archived):
        archive_of(tmp_path, str(number), urls, info)

    assert site_of_replay(tmp_path, given) == site


@pytest.mark.parametrize(
    ("archived", "given", "message"),
    [
        (
            [({}, A), ({}, B)],
            None,
            "replay={}: the archive holds several sites (http://a.example,"
            " https://b.example:8443): give -a base_url=",
        ),
        ([({}, NONE)], None, "replay={}: the archive tells no site: give -a base_url="),
        (
            [({}, A), ({}, B)],
            "http://c.example",
            "base_url=http://c.example is not the site of the archive replay={} holds"
            " (http://a.example, https://b.example:8443): give one of them",
        ),
        ([], None, "replay={}: no WARC files there"),
    ],
)
def test_a_replay_whose_site_is_unknown_or_contradicted_cannot_start(
    archived: list[tuple[dict[str, str], list[str]]],
    given: str | None,
    message: str,
    tmp_path: Path,
) -> None:
    for number, (info, urls) in enumerate(archived):
        archive_of(tmp_path, str(number), urls, info)

    with pytest.raises(ArchiveUnusable) as refused:
        site_of_replay(tmp_path, given)
    assert str(refused.value) == message.format(tmp_path)


def replay_in(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl channel9 ARGS`` run in ``workdir`` as a person would type it: no
    ``base_url`` unless ``args`` give one."""
    return scrapy_command(workdir, "crawl", "channel9", *FAST, *args, timeout=120)


@deferred_f_from_coro_f
async def test_a_replay_of_a_folder_of_two_sites_writes_the_articles_of_the_one_named(
    tmp_path: Path,
) -> None:
    """Two crawls of two sites on two ports of one host, their archives in one folder: a
    whole replay of one writes its articles alone, not those of the other it holds."""
    sites = {name: FakeSite(count=6, seed=seed) for name, seed in (("a", 1), ("b", 2))}
    mixed = tmp_path / "mixed"
    urls = {}
    for name, site in sites.items():
        (tmp_path / name).mkdir()
        with serve(site) as base_url:
            run = await crawl_in_process(tmp_path / name, base_url, "-O", "crawl.jsonl")
        assert run.returncode == 0, run.log
        urls[name] = base_url
        shutil.copytree(tmp_path / name / ARCHIVE, mixed, dirs_exist_ok=True)
    assert len(warc_files(mixed)) == 2

    replay = await crawl_in_process(tmp_path, urls["a"], "-a", "replay=mixed", "-O", "a.jsonl")
    either = replay_in(tmp_path, "-a", "replay=mixed", "-O", "either.jsonl")

    assert replay.returncode == 0, replay.log
    written = [item["url"] for item in items_of(tmp_path / "a.jsonl")]
    assert sorted(written) == sorted(sites["a"].expected(urls["a"]))
    assert len(written) == 6
    assert "Not replaying 1 WARC files of other sites than" in replay.log
    assert either.returncode == 2, either.stderr
    said = [line for line in either.stderr.splitlines() if "cannot start" in line]
    assert [line.split(" ERROR: ", 1)[-1] for line in said] == [
        "The crawl cannot start: replay=mixed: the archive holds several sites"
        f" ({', '.join(sorted(urls.values()))}): give -a base_url="
    ]
    assert not (tmp_path / "either.jsonl").exists()


def test_a_replay_of_a_file_a_crawl_is_writing_says_so(tmp_path: Path) -> None:
    """The folder holds only the file a running crawl has open: not "no WARC files"."""
    site = "http://127.0.0.1:9"
    files = WarcFiles(tmp_path / "archive", "run", 10**9, {SITE_FIELD: site})
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    files.write(Request(f"{site}/"), HtmlResponse(f"{site}/", body=b"<html></html>"), moment)
    try:
        replay = crawl(tmp_path, site, "-a", "replay=archive")
    finally:
        files.close()

    assert replay.returncode == 2, replay.log
    assert (
        "The crawl cannot start: replay=archive: archive/channel9-run-00000.warc.gz.open is"
        " still being written by a crawl: replay it once that crawl has ended\n"
    ) in replay.log
    assert "no WARC files" not in replay.log
    assert sorted(path.name for path in (tmp_path / "archive").iterdir()) == [
        "channel9-run-00000.warc.gz"
    ]


def test_a_replay_of_a_site_whose_files_are_not_there_cannot_start(tmp_path: Path) -> None:
    """Reached without the spider's check of the archive's sites: the files of another
    site alone are not read as the site's."""
    archive_of(tmp_path, "0", A, {SITE_FIELD: "http://a.example"})
    crawler = replay_of(tmp_path)
    crawler.spider = Channel9Spider.from_crawler(crawler, base_url="https://b.example:8443")

    with pytest.raises(ArchiveUnusable) as refused:
        ReplayMiddleware.from_crawler(crawler)

    assert str(refused.value) == f"replay={tmp_path}: no WARC files of https://b.example:8443 there"


@deferred_f_from_coro_f
async def test_each_item_names_the_record_warcio_reads_its_page_from(
    base_url: str, tmp_path: Path
) -> None:
    run = await crawl_in_process(
        tmp_path, base_url, "-O", "out.jsonl", "-s", "CHANNEL9_ARCHIVE_MAX_BYTES=40000"
    )

    assert run.returncode == 0, run.log
    items = run.items("out.jsonl")
    files = {path.name: path for path in archive_files(tmp_path)}
    assert len(items) == 40 and len(files) > 2
    for item in items:
        path = files[item["warc_filename"]]
        with path.open("rb") as file:
            file.seek(item["warc_record_offset"])
            member = file.read(item["warc_record_length"])
        # The member alone is one whole record: the response of the article's page.
        (record,) = list(ArchiveIterator(io.BytesIO(member), check_digests="raise"))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == item["url"]
        # crawled_at is the capture's WARC-Date to the second.
        assert record.rec_headers.get_header("WARC-Date")[:19] == item["crawled_at"][:19]


@deferred_f_from_coro_f
async def test_without_an_archive_an_item_names_no_record(base_url: str, tmp_path: Path) -> None:
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl", "-s", "CHANNEL9_ARCHIVE=")

    assert run.returncode == 0, run.log
    assert {
        (item["warc_filename"], item["warc_record_offset"], item["warc_record_length"])
        for item in run.items("out.jsonl")
    } == {(None, None, None)}
