"""The run report's hold on the process: what a crawler leaves behind when it is done."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from channel9.addon import Channel9
from channel9.run.report import RunReport, chance_of_at_most
from channel9.spiders.channel9 import Channel9Spider
from tests.conftest import crawl_in_process

SIGNAL_LOGGER = logging.getLogger("scrapy.utils.signal")


def test_crawlers_that_never_ran_leave_no_handler_on_the_signal_logger(tmp_path: Path) -> None:
    handlers = list(SIGNAL_LOGGER.handlers)
    settings = {"ADDONS": {Channel9: 0}, "CHANNEL9_STATE": "", "CHANNEL9_DATA_DIR": str(tmp_path)}

    for _ in range(3):
        get_crawler(Channel9Spider, settings)

    assert SIGNAL_LOGGER.handlers == handlers


@deferred_f_from_coro_f
async def test_a_crawl_that_ran_leaves_no_handler_on_the_signal_logger(
    base_url: str, tmp_path: Path
) -> None:
    handlers = list(SIGNAL_LOGGER.handlers)

    run = await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")

    assert (run.returncode, run.verdict) == (0, "7 new articles")
    assert SIGNAL_LOGGER.handlers == handlers


def report_of(tmp_path: Path, **settings: object) -> RunReport:
    crawler = get_crawler(
        Channel9Spider,
        {
            "ADDONS": {Channel9: 0},
            "CHANNEL9_STATE": "",
            "CHANNEL9_DATA_DIR": str(tmp_path),
            **settings,
        },
    )
    report = crawler.get_extension(RunReport)
    assert report is not None
    return report


@pytest.mark.parametrize(
    ("filled", "written", "share", "chance"),
    [
        (3, 20, 0.9, 8.4663e-15),
        (0, 5, 0.85, 7.59375e-05),
        (360, 1200, 0.9, 0.0),
        (30_000, 100_000, 0.9, 0.0),
    ],
)
def test_the_chance_of_a_drop_is_told_at_any_size_of_run(
    filled: int, written: int, share: float, chance: float
) -> None:
    """A run of thousands of articles too: the binomial's terms overflow a float."""
    assert chance_of_at_most(filled, written, share) == pytest.approx(chance, rel=0.01, abs=1e-300)


def test_a_large_run_whose_field_dropped_is_failed_with_the_field_named(tmp_path: Path) -> None:
    report = report_of(tmp_path)
    report.filled_before, report.written, report.complete = {"author": 0.9}, 1200, 1200
    report.filled["author"] = 360

    assert report.dropped_fields() == ["author"]


def test_a_run_that_wrote_nothing_is_judged_whatever_the_quality_bound(tmp_path: Path) -> None:
    report = report_of(tmp_path, CHANNEL9_QUALITY_MIN_ITEMS=0)
    report.first_run = False

    assert report.verdict("finished") == []
