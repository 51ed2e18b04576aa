"""Progress a person can follow: the crawl's line at a steady interval, and the progress of
``scrapy dataset`` and ``scrapy extract`` over large inputs."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from channel9 import progress
from channel9.addon import BadSetting, Channel9
from channel9.commands.extract import Extraction
from channel9.dataset import Filters, build
from channel9.progress import (
    CrawlProgress,
    Meter,
    duration,
    in_bytes,
    progress_line,
    say,
    time_left,
)
from channel9.report import RunReport
from channel9.spiders.channel9 import Channel9Spider
from tests.conftest import crawl
from tests.test_archive import archived, record_starts
from tests.test_dataset import article, lines


def crawler_of(**settings: object) -> Crawler:
    return get_crawler(Channel9Spider, {"ADDONS": {Channel9: 0}, "CHANNEL9_STATE": "", **settings})


def test_the_line_says_what_the_crawl_did_and_has_left() -> None:
    assert progress_line(1240, 310, 2035, 3, 4800.0) == (
        "1,240 pages fetched, 310 articles written, 2,035 pages to fetch, 3 failed;"
        " about 1 h 20 min left"
    )
    assert progress_line(1, 1, None, 0, None) == "1 page fetched, 1 article written, 0 failed"


@pytest.mark.parametrize(
    ("waiting", "samples", "left"),
    [
        # 300 pages in 600 s: 2,035 more in 4,070 s.
        (2035, [(0.0, 100), (300.0, 250), (600.0, 400)], 4070.0),
        (10, [(5.0, 0), (10.0, 10)], 5.0),
        (10, [(5.0, 10)], None),
        (10, [(5.0, 10), (65.0, 10)], None),
        (10, [], None),
    ],
)
def test_the_time_left_is_the_pages_to_fetch_at_the_recent_rate(
    waiting: int, samples: list[tuple[float, int]], left: float | None
) -> None:
    assert time_left(waiting, samples) == left


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "under a minute"),
        (59.9, "under a minute"),
        (60, "about 1 min"),
        (61, "about 2 min"),
        (3600, "about 1 h"),
        (4800, "about 1 h 20 min"),
        (86_400, "about 1 d"),
        (2 * 86_400 + 3 * 3600 + 1, "about 2 d 3 h"),
    ],
)
def test_a_time_left_reads_in_minutes_hours_and_days(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def test_the_crawl_tells_its_counts_and_once_the_sitemaps_are_read_the_time_left() -> None:
    crawler = crawler_of()
    assert crawler.stats is not None
    report = RunReport(crawler)
    extension = CrawlProgress(crawler, 60)
    extension.report = report
    scheduler: list[object] = [object()] * 2000
    active = {object() for _ in range(35)}
    crawler.engine = SimpleNamespace(  # type: ignore[assignment]
        scheduler=scheduler, downloader=SimpleNamespace(active=active)
    )

    def at(now: float, pages: int, written: int, failed: int) -> str:
        crawler.stats.set_value("response_received_count", pages)
        report.exported = written
        report.failed = {f"https://channel9.id/{n}/": {} for n in range(failed)}
        return extension.line(now)

    assert at(0, 100, 20, 0) == (
        "100 pages fetched, 20 articles written, 2,035 pages to fetch, 0 failed"
    )
    # The pages to fetch grow as listings are read: no time left until the sitemaps are.
    assert at(300, 250, 160, 1) == (
        "250 pages fetched, 160 articles written, 2,035 pages to fetch, 1 failed"
    )
    extension.articles_named("sitemap", ["https://channel9.id/a/"])
    extension.sitemaps_read(dated=True)
    # 300 pages in 600 s: 2,035 more in 4,070 s.
    assert at(600, 400, 310, 3) == (
        "400 pages fetched, 310 articles written, 2,035 pages to fetch, 3 failed;"
        " about 1 h 8 min left"
    )
    crawler.engine = SimpleNamespace(  # type: ignore[assignment]
        scheduler=object(), downloader=SimpleNamespace(active=active)
    )
    assert at(660, 430, 330, 3) == "430 pages fetched, 330 articles written, 3 failed"


def test_sitemaps_that_named_nothing_give_no_time_left() -> None:
    extension = CrawlProgress(crawler_of(), 60)
    extension.articles_named("sitemap", [])
    extension.articles_named("feed", ["https://channel9.id/a/"])
    extension.sitemaps_read(dated=False)
    assert not extension.ahead_known


def test_an_interval_of_0_turns_the_line_off_and_a_negative_one_is_refused() -> None:
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(crawler_of(CHANNEL9_PROGRESS_INTERVAL=0))
    with pytest.raises(BadSetting, match=r"CHANNEL9_PROGRESS_INTERVAL='-1' is not a number of"):
        Channel9().update_settings(Settings({"CHANNEL9_PROGRESS_INTERVAL": "-1"}))


PERIODIC = re.compile(
    r"\[channel9\.progress\] INFO: Progress: [\d,]+ pages? fetched, [\d,]+ articles? written,"
    r" [\d,]+ pages? to fetch, [\d,]+ failed(; (under a minute|about [\w ]+) left)?$"
)


def test_a_crawl_says_its_progress_at_the_interval_and_at_the_end(
    tmp_path: Path, base_url: str
) -> None:
    done = crawl(tmp_path, base_url, "-s", "CHANNEL9_PROGRESS_INTERVAL=0.05")

    assert done.returncode == 0, done.log
    said = [line for line in done.log.splitlines() if "[channel9.progress]" in line]
    assert said, done.log
    *periodic, end = said
    assert periodic, said
    assert all(PERIODIC.search(line) for line in periodic), periodic
    pages = re.search(r"'response_received_count': (\d+)", done.log)
    assert pages is not None
    assert end.endswith(
        f"Progress at the end: {pages[1]} pages fetched, 40 articles written, 0 failed"
    )
    assert "Crawled 0 pages (at" not in done.log  # Scrapy's LogStats is off


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def ticking(*moments: float) -> Iterator[float]:
    yield from moments


def test_off_a_terminal_the_progress_is_a_line_every_30_seconds() -> None:
    stream = io.StringIO()
    clock = ticking(0, 10, 30, 45, 60, 61)
    with Meter("Reading run.warc.gz", 2_500_000, "B", stream, lambda: next(clock)) as meter:
        for amount in (500_000, 250_000, 250_000, 1_000_000, 500_000):
            meter.advance(amount)

    assert stream.getvalue() == (
        "Reading run.warc.gz: 750.0 kB of 2.5 MB (30%)\n"
        "Reading run.warc.gz: 2.0 MB of 2.5 MB (80%)\n"
    )


def test_an_input_read_in_under_30_seconds_says_nothing() -> None:
    stream = io.StringIO()
    clock = ticking(0, 1, 29.9)
    with Meter("Writing the dataset", 2, "article", stream, lambda: next(clock)) as meter:
        meter.advance(1)
        meter.advance(1)

    assert stream.getvalue() == ""


def test_on_a_terminal_the_progress_is_a_bar_that_goes_when_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "SHOWN_AFTER", 0)
    stream = Terminal()
    with Meter("Writing the dataset", 4, "article", stream) as meter:
        meter.advance(1)
        say("refused: no_body https://channel9.id/a/", stream)
        meter.advance(3)
        drawn = stream.getvalue()

    assert "\rWriting the dataset:  25%|" in drawn
    assert "| 1/4 [" in drawn
    assert "\rrefused: no_body https://channel9.id/a/\n\rWriting the dataset:  25%|" in drawn
    assert stream.getvalue()[len(drawn) :].strip(" \r\x1b[A") == ""  # the bar is wiped


def test_the_dataset_build_says_how_far_it_read_and_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "EVERY", 0)
    run = tmp_path / "channel9-1.jsonl"
    run.write_bytes(lines(article("a"), article("b")))
    size = run.stat().st_size

    build([run], Filters(), {}, tmp_path / "ds.jsonl", ".jsonl")

    first, second = (len(line) for line in run.read_bytes().splitlines(keepends=True))
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"Reading the run files: {first} B of {in_bytes(size)} ({first / size:.0%})\n"
        f"Reading the run files: {in_bytes(size)} of {in_bytes(size)}"
        " (100%)\n"
        "Writing the dataset: 1 of 2 articles (50%)\n"
        "Writing the dataset: 2 of 2 articles (100%)\n"
    )
    assert second + first == size


def test_scrapy_extract_says_how_far_it_read_each_warc_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "EVERY", 0)
    path = archived(tmp_path, 3)
    size = path.stat().st_size
    err = io.StringIO()

    assert list(Extraction(err, None, {}).articles_of(path)) == []

    responses = [offset for offset, kind, _ in record_starts(path) if kind == "response"]
    assert len(responses) == 3
    assert err.getvalue() == "".join(
        f"Reading {path}: {in_bytes(offset)} of {in_bytes(size)} ({offset / size:.0%})\n"
        for offset in responses
    )


@pytest.mark.parametrize(
    ("size", "said"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (2_500_000, "2.5 MB"), (3 * 10**9, "3.0 GB")],
)
def test_sizes_read_as_people_write_them(size: int, said: str) -> None:
    assert in_bytes(size) == said
