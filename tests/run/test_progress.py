"""Progress a person can follow: the crawl's line at a steady interval, and the progress of
``scrapy dataset`` and ``scrapy extract`` over large inputs."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from tqdm import tqdm

from channel9 import meter
from channel9.addon import BadSetting, Channel9
from channel9.commands.extract import Extraction
from channel9.dataset.build import Filters, build
from channel9.demo.site import FakeSite, serve
from channel9.meter import Meter, say
from channel9.run.progress import CrawlProgress, duration, progress_line, time_left
from channel9.run.report import RunReport
from channel9.spiders.channel9 import Channel9Spider
from tests.conftest import archived, article, crawl, lines


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
    stats = crawler.stats
    assert stats is not None
    report = RunReport(crawler)
    extension = CrawlProgress(crawler, 60)
    extension.report = report

    def at(now: float, pages: int, written: int, failed: int, **counts: int) -> str:
        stats.set_value("response_received_count", pages)
        for name, value in counts.items():
            stats.set_value(name.replace("__", "/"), value)
        report.written = written
        report.failed = {f"https://channel9.id/{n}/": {} for n in range(failed)}
        return extension.line(now)

    # 2,000 requests in the scheduler; 40 sent to the downloader, 5 of them answered.
    queued = {"scheduler__enqueued": 2100, "scheduler__dequeued": 100}
    sent = {"downloader__request_count": 40, "downloader__response_count": 4}
    sent["downloader__exception_count"] = 1
    assert at(0, 100, 20, 0, **queued, **sent) == (
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
    stats.set_stats({"response_received_count": 430})  # a scheduler that keeps no stats
    assert at(660, 430, 330, 3) == "430 pages fetched, 330 articles written, 3 failed"


def test_sitemaps_that_named_nothing_give_no_time_left() -> None:
    extension = CrawlProgress(crawler_of(), 60)
    extension.articles_named("sitemap", [])
    extension.articles_named("feed", ["https://channel9.id/a/"])
    extension.sitemaps_read(dated=False)
    assert not extension.ahead_known


@pytest.mark.parametrize("interval", ["-1", "1e-9", "0.5", "nan", "inf"])
def test_an_interval_under_a_second_other_than_0_is_refused(interval: str) -> None:
    """Lines more often than a second flood the log (1e-9 s: thousands a second)."""
    with pytest.raises(BadSetting) as refused:
        Channel9().update_settings(Settings({"CHANNEL9_PROGRESS_INTERVAL": interval}))
    assert str(refused.value) == (
        f"CHANNEL9_PROGRESS_INTERVAL={interval!r} is not 0 (no lines) or a number of seconds,"
        " 1 or more"
    )


@pytest.mark.parametrize("interval", ["0", "1", "3600"])
def test_an_interval_of_0_or_a_second_or_more_is_taken(interval: str) -> None:
    settings = Settings({"CHANNEL9_PROGRESS_INTERVAL": interval})
    Channel9().update_settings(settings)
    assert settings.getfloat("CHANNEL9_PROGRESS_INTERVAL") == float(interval)


def test_an_interval_of_0_turns_the_line_off_without_a_warning(
    base_url: str, tmp_path: Path
) -> None:
    """0 is asked for: no line of progress, and no warning that it is off."""
    done = crawl(tmp_path, base_url, "-s", "CHANNEL9_PROGRESS_INTERVAL=0")

    assert done.returncode == 0, done.log
    assert [line for line in done.log.splitlines() if "Disabled" in line] == []
    assert "[channel9.run.progress]" not in done.log
    enabled = re.search(r"Enabled extensions:\n(.*?)\]", done.log, re.DOTALL)
    assert enabled is not None
    assert "CrawlProgress" not in enabled[1]


def test_without_the_run_report_whose_counts_it_gives_there_is_no_line() -> None:
    settings = {"EXTENSIONS": {CrawlProgress: 800}, "CHANNEL9_PROGRESS_INTERVAL": 60}
    with pytest.raises(NotConfigured, match=r"^RunReport is turned off: no progress lines"):
        CrawlProgress.from_crawler(get_crawler(Channel9Spider, settings))
    settings["EXTENSIONS"] = {CrawlProgress: 800, "channel9.run.report.RunReport": 600}
    assert CrawlProgress.from_crawler(get_crawler(Channel9Spider, settings)).interval == 60


def test_the_add_on_turns_scrapys_own_line_off_unless_asked_for() -> None:
    settings = Settings()
    Channel9().update_settings(settings)
    assert settings.getfloat("LOGSTATS_INTERVAL") == 0
    settings = Settings({"LOGSTATS_INTERVAL": 60}, priority="cmdline")
    Channel9().update_settings(settings)
    assert settings.getfloat("LOGSTATS_INTERVAL") == 60


START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("took", "responses", "items"),
    [
        (timedelta(seconds=90), 20.0, 8.0),
        # A run of a day and a minute: 1,441 minutes, not 1.
        (timedelta(days=1, minutes=1), 30 / 1441, 12 / 1441),
        (timedelta(0), None, None),
    ],
)
def test_the_end_sets_the_rates_scrapys_line_would_have(
    took: timedelta, responses: float | None, items: float | None
) -> None:
    crawler = crawler_of()
    stats = crawler.stats
    assert stats is not None
    stats.set_stats({"start_time": START, "finish_time": START + took})
    stats.set_value("response_received_count", 30)
    stats.set_value("item_scraped_count", 12)
    extension = CrawlProgress(crawler, 60)
    extension.report = RunReport(crawler)

    extension.spider_closed()

    assert stats.get_value("responses_per_minute") == responses
    assert stats.get_value("items_per_minute") == items


PERIODIC = re.compile(
    r"\[channel9\.run\.progress\] INFO: Progress: [\d,]+ pages? fetched, [\d,]+ articles? written,"
    r" (?P<waiting>[\d,]+) pages? to fetch, [\d,]+ failed(?P<left>; (under a minute|about [\w ]+)"
    r" left)?$"
)


@pytest.mark.slow
def test_a_crawl_says_its_progress_at_the_interval_and_at_the_end(tmp_path: Path) -> None:
    # A site with sitemaps: once they are read, the work ahead is known.
    with serve(FakeSite(count=40, doors=True)) as base_url:
        done = crawl(
            tmp_path,
            base_url,
            *("-s", "CHANNEL9_PROGRESS_INTERVAL=1", "-s", "DOWNLOAD_DELAY=0.1"),
            *("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
        )

    assert done.returncode == 0, done.log
    said = [line for line in done.log.splitlines() if "[channel9.run.progress]" in line]
    *periodic, end = said  # the last: no line once the run is over
    matched = [PERIODIC.search(line) for line in periodic]
    assert periodic and all(matched), periodic
    assert any(int(match["waiting"]) > 0 for match in matched if match), periodic
    assert any(match["left"] for match in matched if match), periodic
    pages = re.search(r"'response_received_count': (\d+)", done.log)
    assert pages is not None
    assert end.endswith(
        f"Progress at the end: {pages[1]} pages fetched, 40 articles written, 0 failed"
    )
    enabled = re.search(r"Enabled extensions:\n(.*?)\]", done.log, re.DOTALL)
    assert enabled is not None
    assert "channel9.run.progress.CrawlProgress" in enabled[1]
    assert "LogStats" not in enabled[1]  # one line of progress, not two
    assert re.search(r"'responses_per_minute': \d", done.log), done.log
    assert re.search(r"'items_per_minute': \d", done.log), done.log


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Drawn(tqdm):
    """A bar drawn at each step, as a slow input draws it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "mininterval": 0, "miniters": 1, "delay": 0})


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meter, "tqdm", Drawn)


@pytest.mark.parametrize("stream", [io.StringIO(), None], ids=["a-file", "none"])
def test_off_a_terminal_the_meter_says_nothing(eager: None, stream: io.StringIO | None) -> None:
    with Meter("Reading run.warc.gz", 2_500_000, "B", stream) as counting:
        for amount in (500_000, 250_000, 1_750_000):
            counting.advance(amount)

    assert counting.done == 2_500_000
    assert stream is None or stream.getvalue() == ""


def test_a_line_off_a_terminal_takes_no_lock_of_the_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal that came while tqdm's lock was taken could leave it held (a run stopped by
    Ctrl-C exited 1 with a traceback in tqdm): off a terminal no bar is drawn to clear."""

    class Held(Drawn):
        @classmethod
        def get_lock(cls) -> NoReturn:
            raise AssertionError("tqdm's lock taken")

    monkeypatch.setattr(meter, "tqdm", Held)
    stream = io.StringIO()

    say("refused: no_body https://channel9.id/a/", stream)

    assert stream.getvalue() == "refused: no_body https://channel9.id/a/\n"


def test_on_a_terminal_the_progress_is_a_bar_that_goes_when_done(eager: None) -> None:
    stream = Terminal()
    with Meter("Writing the dataset", 4, "article", stream) as counting:
        counting.advance(1)
        say("refused: no_body https://channel9.id/a/", stream)
        counting.advance(3)
        drawn = stream.getvalue()

    assert "\rWriting the dataset:  25%|" in drawn
    assert "| 1/4 [" in drawn
    assert "\rrefused: no_body https://channel9.id/a/\n\rWriting the dataset:  25%|" in drawn
    assert stream.getvalue()[len(drawn) :].strip(" \r\x1b[A") == ""  # the bar is wiped


def test_a_second_pass_is_named_on_the_same_bar_from_0(eager: None) -> None:
    stream = Terminal()
    with Meter("Checking run.warc", 1000, "B", stream) as counting:
        counting.reach(1000)
        counting.then("Reading run.warc")
        counting.reach(250)
        drawn = stream.getvalue()

    checked = drawn.index("\rChecking run.warc: 100%|")
    assert drawn.index("\rReading run.warc:  25%|") > checked
    assert (counting.what, counting.done) == ("Reading run.warc", 250)


def test_the_dataset_build_shows_its_progress_only_where_it_is_told(
    tmp_path: Path, eager: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "channel9-1.jsonl"
    # Under a thousand bytes: the bar counts them one by one.
    run.write_bytes(lines(article("a", text="Satu."), article("b", text="Dua.")))
    terminal = Terminal()

    build([run], Filters(), {}, tmp_path / "ds.jsonl", ".jsonl")
    build([run], Filters(), {}, tmp_path / "ds.jsonl", ".jsonl", terminal)

    assert capsys.readouterr() == ("", "")  # a library call writes nothing of its own
    said = terminal.getvalue()
    size = run.stat().st_size
    assert f"\rReading the run files: 100%|##########| {size}/{size} [" in said
    assert "\rWriting the dataset: 100%|##########| 2/2 [" in said


def test_scrapy_extract_shows_both_passes_over_a_warc_file(tmp_path: Path, eager: None) -> None:
    path = archived(tmp_path, 3)
    size = path.stat().st_size
    terminal = Terminal()

    assert list(Extraction(terminal, None, {}).articles_of(path)) == []

    said = terminal.getvalue()
    # The check for damage reads the whole file before the first record is given.
    checked = said.index(f"\rChecking {path}: 100%|##########| {size / 1000:.1f}k/")
    assert said.index(f"\rReading {path}:") > checked


LEAVES = ("channel9.dataset.build", "channel9.dataset.card")
RUNTIME = ("scrapy.core", "twisted.internet", "fastwarc", "channel9.run.report", "channel9.spiders")


@pytest.mark.parametrize(
    ("module", "unwanted"),
    [
        *((leaf, RUNTIME) for leaf in LEAVES),
        # A command is a Scrapy command, and `import scrapy` brings Twisted's reactor API.
        ("channel9.commands.dataset", tuple(name for name in RUNTIME if name[:7] != "twisted")),
    ],
)
def test_building_a_dataset_imports_none_of_the_crawl(
    module: str, unwanted: tuple[str, ...]
) -> None:
    check = (
        f"import sys, {module}\n"
        f"print(sorted({{n for n in sys.modules for u in {unwanted!r}"
        " if n == u or n.startswith(u + '.')}))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)

    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")
