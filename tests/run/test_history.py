"""Runs compared with their history: a quiet run, a stale site and a rise of 403/429 are
named in the report, the log, the verdict's line, ``scrapy runs`` and the metrics, and
fail nothing. The history is simulated in the crawl state, counted back from the moment
the test runs (the crawl's own start is the reference of its windows)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.demo.site import FakeSite, Reply, always, serve
from channel9.incremental.store import Asked, CrawlState, Published
from channel9.items import stamp
from channel9.run import checks
from channel9.run import report as report_module
from channel9.run.baseline import Responses, far_below, rose
from channel9.site import JAKARTA
from tests.conftest import FORMAT_3, STATE, command_in_process, crawl_in_process
from tests.run.test_metrics import metrics_of

SITE = "https://channel9.id"
WATCHED = (
    *("-s", "CHANNEL9_QUIET_WEEKS=4", "-s", "CHANNEL9_STALE_AFTER=48"),
    *("-s", "CHANNEL9_QUIET_HOURS=12"),
)
"""The checks on, at their defaults (the tests' common settings turn them off)."""
QUIET = (
    "0 articles published in the 12 hours before this run are known, where the same hours"
    " of the last 4 weeks brought 10, 10, 10, 10: is the crawl still seeing what the site"
    " publishes?"
)


@pytest.mark.parametrize(
    ("seen", "usual", "expected"),
    [
        (1, [10, 12, 9, 11], True),  # the median 10.5: at most a tenth of it
        (2, [10, 12, 9, 11], False),
        (0, [7, 7, 7, 7], False),  # hours that usually bring fewer than 8 say nothing
        (0, [40, 0, 0, 0], False),  # one busy week is no baseline
        (0, [40, 40, 0], True),
        (0, [], False),  # no week known yet
    ],
)
def test_a_run_is_quiet_at_a_tenth_of_the_median_of_the_same_hours(
    seen: int, usual: list[int], expected: bool
) -> None:
    assert far_below(seen, usual, share=0.1, least=8) is expected


@pytest.mark.parametrize(
    ("share", "before", "expected"),
    [
        (0.06, [], True),
        (0.04, [], False),  # below the least share
        (0.06, [0.04, 0.03, 0.05], False),  # not twice the median (0.04)
        (0.09, [0.04, 0.03, 0.05], True),
        (0.09, [0.2, 0.04, 0.03, 0.05], True),  # a run blocked before is no baseline
        (0.5, [0.5, 0.4, 0.45], True),  # a steady block is named run after run
    ],
)
def test_blocking_rises_past_the_least_share_and_twice_the_usual(
    share: float, before: list[float], expected: bool
) -> None:
    assert rose(share, before, minimum=0.05) is expected


def simulated_history(state: Path, now: datetime, recent: int) -> datetime:
    """Four weeks of a site publishing 10 articles in the 12 hours before this moment of
    each week (and an older one: the state reaches further back), one run a week with 1
    response in 100 refused, and ``recent`` articles in the last 12 hours; the newest
    publication it holds."""
    store = CrawlState(state)
    moments = [
        now - timedelta(weeks=week, hours=hour + 0.5)
        for week in range(5)
        for hour in range(10)
        if week or hour < recent
    ] + [now - timedelta(weeks=6)]
    for number, moment in enumerate(moments):
        url = f"{SITE}/lama-{number}/"
        published = Published(moment.date().isoformat(), stamp(moment))
        store.record_exported([url], url, "hash", published, stamp(moment), "r")
    for week in range(4, 0, -1):
        run = stamp(now - timedelta(weeks=week))
        store.start_run(run, run, None, Asked(SITE))
        store.finish_run(run, run, "finished", None, [], 10, 0, {}, responses=Responses(100, 1))
    store.close()
    return max(moments)


@deferred_f_from_coro_f
async def test_a_quiet_run_and_a_stale_site_are_named_and_fail_nothing(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    newest = simulated_history(tmp_path / STATE, now, recent=0)
    # The fake site's articles are a month old: none in the last hours.
    site = FakeSite(count=12, start=now - timedelta(days=40))
    metrics = tmp_path / "channel9.prom"
    with serve(site) as base_url:
        run = await crawl_in_process(
            tmp_path, base_url, *WATCHED, "-s", f"CHANNEL9_METRICS_FILE={metrics}"
        )
    shown = command_in_process(tmp_path, "runs")

    stale = (
        f"the newest article known was published 168 hours before this run"
        f" ({newest.isoformat()}), though the site answers: has it stopped publishing, or"
        " moved its articles where the crawl does not look?"
    )
    assert run.returncode == 0, run.verdict
    assert run.report is not None
    assert run.report["warnings"] == [QUIET, stale]
    assert run.verdict == f"12 new articles; warning: {QUIET}; warning: {stale}"
    assert f"WARNING: This run warns: {QUIET}" in run.log
    told = metrics_of(metrics)
    assert {name: value for name, value in told.items() if "warning" in name} == {
        "channel9_run_warning{check=blocking_rose}": 0,
        "channel9_run_warning{check=quiet_run}": 1,
        "channel9_run_warning{check=site_stale}": 1,
    }
    rows = shown.stdout.splitlines()
    assert rows[-6].endswith("  12           0             0  ok, warned")
    assert rows[-5:] == [
        "    warning: 0 articles published in the 12 hours before this run are known, where"
        " the same hours of",
        "      the last 4 weeks brought 10, 10, 10, 10: is the crawl still seeing what the site"
        " publishes?",
        "    warning: the newest article known was published 168 hours before this run",
        f"      ({newest.isoformat()}), though the site answers: has it stopped publishing,"
        " or moved its",
        "      articles where the crawl does not look?",
    ]


@deferred_f_from_coro_f
async def test_a_run_as_busy_as_the_weeks_before_warns_of_nothing(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    simulated_history(tmp_path / STATE, now, recent=10)
    site = FakeSite(count=12, start=now - timedelta(days=40))
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, *WATCHED)

    assert (run.returncode, run.verdict) == (0, "12 new articles")
    assert run.report is not None
    assert run.report["warnings"] == []


@deferred_f_from_coro_f
async def test_a_rise_of_403_is_named(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    simulated_history(tmp_path / STATE, now, recent=10)
    site = FakeSite(count=12, start=now - timedelta(days=40))
    for article in site.listing("nasional")[:2]:
        site.overrides[f"/{article.slug}/"] = always(Reply(403, b"forbidden"))
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, *WATCHED)

    total = run.stats["downloader/response_count"]
    assert run.report is not None
    # Named on a failed run too: two articles of twelve failed, which fails it.
    assert (run.returncode, run.report["failed_run"]) == (1, ["2 of 19 pages failed"])
    assert run.report["warnings"] == [
        f"2 of {total} responses were 403 or 429 ({2 / total:.0%}; 1% in the median of the"
        " last 4 runs under it): is the site blocking the crawler?"
    ]


@deferred_f_from_coro_f
async def test_the_articles_a_run_finds_itself_count_as_the_hours_news(tmp_path: Path) -> None:
    """A state that knew nothing of the last hours, and a run that finds a dozen articles
    of them: no quiet run, no stale site."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    simulated_history(tmp_path / STATE, now, recent=0)
    site = FakeSite(count=12)
    for hours, article in enumerate(site.articles.values(), start=1):
        article.published = now - timedelta(hours=hours * 0.75)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, *WATCHED)

    assert (run.returncode, run.verdict) == (0, "12 new articles")


@deferred_f_from_coro_f
async def test_a_site_whose_pages_give_days_only_is_still_stale_on_a_run_with_nothing_new(
    tmp_path: Path,
) -> None:
    """The newest article's day counts for the state as for the run that wrote it: the
    start of that day in the site's zone."""
    site = FakeSite(count=12, start=datetime.now(timezone.utc) - timedelta(days=40))
    for article in site.articles.values():
        article.markup = "old"  # a date, no time
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url, *WATCHED)
        second = await crawl_in_process(tmp_path, base_url, *WATCHED)

    newest = max(article.published for article in site.articles.values())
    day = datetime.combine(newest.date(), time(), JAKARTA)
    for run in (first, second):
        assert run.report is not None
        hours = (datetime.fromisoformat(run.report["started_at"]) - day) // timedelta(hours=1)
        assert [w.split(" (")[0] for w in run.report["warnings"]] == [
            f"the newest article known was published {hours} hours before this run"
        ]
    assert second.verdict.startswith("0 new articles; warning: the newest article known")


@deferred_f_from_coro_f
async def test_an_article_dated_after_it_was_fetched_is_not_the_newest(tmp_path: Path) -> None:
    site = FakeSite(count=12, start=datetime.now(timezone.utc) - timedelta(days=40))
    list(site.articles.values())[-1].published = datetime(2030, 1, 1, 9, tzinfo=JAKARTA)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, *WATCHED)

    assert run.report is not None
    newest = sorted(article.published for article in site.articles.values())[-2]
    hours = (datetime.fromisoformat(run.report["started_at"]) - newest) // timedelta(hours=1)
    assert [w.split(" (")[0] for w in run.report["warnings"]] == [
        f"the newest article known was published {hours} hours before this run"
    ]


def test_a_state_of_an_earlier_format_measures_weeks_only_from_its_upgrade(
    tmp_path: Path,
) -> None:
    """Its articles have no moment: the weeks before the upgrade would read as quiet."""
    old = sqlite3.connect(tmp_path / "state.sqlite3")
    old.executescript(
        FORMAT_3
        + f"INSERT INTO articles VALUES ('{SITE}/a/', '{SITE}/a/', 't', 't', 'h', '2024-05-01');"
    )
    old.commit()
    old.close()
    before = datetime.now(timezone.utc).replace(microsecond=0)
    store = CrawlState(tmp_path / "state.sqlite3")
    moment = datetime(2024, 4, 1, tzinfo=timezone.utc)
    store.record_exported(
        [f"{SITE}/b/"], f"{SITE}/b/", "h", Published("2024-04-01", stamp(moment)), "t", "r"
    )
    known = store.publications(datetime(2030, 1, 1, tzinfo=timezone.utc))
    store.close()

    assert known.since is not None and known.since >= before
    assert (known.latest, known.latest_day) == (moment, "2024-05-01")


def test_history_settings_past_their_range_are_refused_in_one_line(tmp_path: Path) -> None:
    done = command_in_process(tmp_path, "crawl", "channel9", "-s", "CHANNEL9_STALE_AFTER=1e12")

    assert (done.returncode, done.stderr) == (
        2,
        "scrapy crawl: error: cannot start: CHANNEL9_STALE_AFTER='1e12' is not 0 (never) or a"
        " number of hours, from 1 to 87600 (ten years)\n",
    )


@deferred_f_from_coro_f
async def test_a_check_of_the_history_that_breaks_fails_the_run_and_its_report_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(report: object, reason: str) -> list[str]:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(checks, "WARNINGS", (broken,))
    monkeypatch.setattr(report_module, "WARNINGS", (broken,))
    site = FakeSite(count=12)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, *WATCHED)

    assert run.returncode == 1
    assert run.report is not None
    assert run.report["failed_run"] == [
        "the checks of the run's history failed (OverflowError('date value out of range'))"
    ]
